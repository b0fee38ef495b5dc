import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFake, testContext } from "@/lib/providers/_shared/testing";
import { microsoftGraph, microsoftGraphConfigSchema } from ".";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT = "0e5f3e8a-1111-4c4c-9d9d-1234567890ab";
const NO_PERMS_CLIENT = "0e5f3e8a-2222-4c4c-9d9d-1234567890ab";
const SECRET = "Abc8Q~correct";

const aadError = (status: number, error: string, code: number, text: string) => ({
  status,
  body: {
    error,
    error_description: `AADSTS${code}: ${text}\r\nTrace ID: 0b1c2d3e-0000-0000-0000-000000000000\r\nCorrelation ID: 1a2b3c4d-0000-0000-0000-000000000000\r\nTimestamp: 2025-01-01 00:00:00Z`,
    error_codes: [code],
    timestamp: "2025-01-01 00:00:00Z",
    trace_id: "0b1c2d3e-0000-0000-0000-000000000000",
    correlation_id: "1a2b3c4d-0000-0000-0000-000000000000",
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  },
});

let login: Awaited<ReturnType<typeof startFake>>;
let graph: Awaited<ReturnType<typeof startFake>>;

beforeAll(async () => {
  graph = await startFake((req) => {
    if (req.path !== "/v1.0/organization") return { status: 404, body: { error: { code: "UnknownError", message: "" } } };
    if (req.headers.authorization === "Bearer graph-token")
      return {
        body: {
          "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#organization",
          value: [{ id: TENANT, displayName: "Contoso", verifiedDomains: [{ name: "contoso.onmicrosoft.com", isDefault: false }, { name: "contoso.com", isDefault: true }] }],
        },
      };
    if (req.headers.authorization === "Bearer graph-token-no-perms")
      return { status: 403, body: { error: { code: "Authorization_RequestDenied", message: "Insufficient privileges to complete the operation." } } };
    return { status: 401, body: { error: { code: "InvalidAuthenticationToken", message: "Access token validation failure. Invalid audience." } } };
  });
  login = await startFake((req) => {
    const m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(req.path);
    if (!m || req.method !== "POST") return { status: 404, body: "" };
    const form = new URLSearchParams(req.body);
    if (form.get("grant_type") !== "client_credentials") return aadError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
    if (m[1] !== TENANT) return aadError(400, "invalid_request", 90002, `Tenant '${m[1]}' not found. Check to make sure you have the correct tenant ID.`);
    if (form.get("client_id") !== CLIENT && form.get("client_id") !== NO_PERMS_CLIENT)
      return aadError(400, "unauthorized_client", 700016, `Application with identifier '${form.get("client_id")}' was not found in the directory 'Contoso'.`);
    if (form.get("client_secret") !== SECRET)
      return aadError(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.");
    if (form.get("scope") !== `${graph.url}/.default`) return aadError(400, "invalid_scope", 1002012, "The provided value for scope is not valid.");
    return { body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: form.get("client_id") === CLIENT ? "graph-token" : "graph-token-no-perms" } };
  });
});
afterAll(async () => {
  await login.close();
  await graph.close();
});

const settings = (over: Record<string, unknown> = {}) => ({
  ...microsoftGraphConfigSchema.parse({ tenantId: TENANT, clientId: CLIENT, authorityUrl: login.url, graphBaseUrl: graph.url, ...over }),
  clientSecret: SECRET,
});

describe("microsoft-graph schema", () => {
  it("defaults to the public cloud", () => {
    const c = microsoftGraphConfigSchema.parse({ tenantId: "contoso.onmicrosoft.com", clientId: CLIENT });
    expect(microsoftGraph.oauth!.tokenEndpoint(c)).toBe("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
    expect(microsoftGraph.oauth!.scopes(c)).toEqual(["https://graph.microsoft.com/.default"]);
    expect(microsoftGraph.oauth!.grant).toBe("client_credentials");
  });

  it("rejects bad GUIDs and tenants", () => {
    expect(microsoftGraphConfigSchema.safeParse({ tenantId: TENANT, clientId: "not-a-guid" }).success).toBe(false);
    expect(microsoftGraphConfigSchema.safeParse({ tenantId: "contoso", clientId: CLIENT }).success).toBe(false);
    expect(microsoftGraphConfigSchema.safeParse({ tenantId: "../evil", clientId: CLIENT }).success).toBe(false);
    expect(microsoftGraphConfigSchema.safeParse({ tenantId: TENANT, clientId: CLIENT, graphBaseUrl: "graph.microsoft.com" }).success).toBe(false);
  });
});

describe("microsoft-graph test()", () => {
  it("gets an app token and reads the organization", async () => {
    login.requests.length = 0;
    graph.requests.length = 0;
    const r = await microsoftGraph.test!(settings(), testContext({ getAccessToken: undefined }));
    expect(r).toMatchObject({ ok: true, message: "Connected to Microsoft Graph for Contoso (contoso.com)." });
    const tokenReq = login.requests[0]!;
    expect(tokenReq).toMatchObject({ method: "POST", path: `/${TENANT}/oauth2/v2.0/token` });
    expect(tokenReq.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(new URLSearchParams(tokenReq.body))).toEqual({ grant_type: "client_credentials", client_id: CLIENT, client_secret: SECRET, scope: `${graph.url}/.default` });
    expect(graph.requests[0]!.path).toBe("/v1.0/organization");
    expect(graph.requests[0]!.headers.authorization).toBe("Bearer graph-token");
  });

  it("maps AADSTS7000215 to the client secret", async () => {
    const r = await microsoftGraph.test!({ ...settings(), clientSecret: "wrong" }, testContext());
    expect(r).toMatchObject({ ok: false, field: "clientSecret" });
    expect(r.message).toContain("not its Secret ID");
  });

  it("maps AADSTS700016 to the client id", async () => {
    const r = await microsoftGraph.test!(settings({ clientId: "0e5f3e8a-9999-4c4c-9d9d-1234567890ab" }), testContext());
    expect(r).toMatchObject({ ok: false, field: "clientId" });
    expect(r.message).toContain("No application with client ID 0e5f3e8a-9999-4c4c-9d9d-1234567890ab");
  });

  it("maps AADSTS90002 to the tenant", async () => {
    const r = await microsoftGraph.test!(settings({ tenantId: "fabrikam.onmicrosoft.com" }), testContext());
    expect(r).toEqual({ ok: false, field: "tenantId", message: "Tenant fabrikam.onmicrosoft.com was not found. Check the Directory (tenant) ID, and that the authority matches its cloud." });
  });

  it("explains a missing Graph permission", async () => {
    const r = await microsoftGraph.test!(settings({ clientId: NO_PERMS_CLIENT }), testContext());
    expect(r.ok).toBe(false);
    expect(r.message).toContain("Organization.Read.All");
  });

  it("blames the authority when it does not speak OAuth", async () => {
    const r = await microsoftGraph.test!(settings({ authorityUrl: graph.url }), testContext());
    expect(r).toMatchObject({ ok: false, field: "authorityUrl" });
  });

  it("blames the authority when nothing answers", async () => {
    const r = await microsoftGraph.test!(settings({ authorityUrl: "http://127.0.0.1:1" }), testContext());
    expect(r).toMatchObject({ ok: false, field: "authorityUrl" });
    expect(r.message).toMatch(/^Could not reach Microsoft sign-in: /);
  });
});
