import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ClientContext, ProviderDefinition } from "@/lib/catalog/define-provider";
import { customOAuth2 } from "@/lib/providers/custom-oauth2";
import { datadog } from "@/lib/providers/datadog";
import { docusign } from "@/lib/providers/docusign";
import { hubspot } from "@/lib/providers/hubspot";
import { microsoftGraph } from "@/lib/providers/microsoft-graph";
import { pagerduty } from "@/lib/providers/pagerduty";
import { postmark } from "@/lib/providers/postmark";
import { salesforce } from "@/lib/providers/salesforce";
import { servicenow } from "@/lib/providers/servicenow";
import { stripe } from "@/lib/providers/stripe";
import { twilio } from "@/lib/providers/twilio";
import { startFake, type FakeRequest } from "./testing";

const requests: FakeRequest[] = [];
const peer = await startFake((req) => {
  requests.push(req);
  if (req.path === "/oauth/token") return { body: { access_token: "ds-token", token_type: "Bearer", expires_in: 3600 } };
  if (req.path === "/oauth/userinfo") return { body: { accounts: [{ account_id: "acct-1", base_uri: `${peer.url}/ds`, is_default: true }] } };
  return { body: { ok: true } };
});
const { afterAll } = await import("vitest");
afterAll(() => peer.close());

let tokenCalls = 0;
const ctx: ClientContext = {
  connectionId: "3b1f0c1e-0000-4000-8000-000000000001",
  orgId: "org-1",
  allowPrivate: ["127.0.0.1"],
  getAccessToken: async () => `oauth-token-${++tokenCalls}`,
};

type Requester = { request: (path: string, init?: { method?: string; body?: unknown }) => Promise<unknown> };

/** Parse settings through the provider's own schemas (defaults included), then build its client. */
function clientOf(provider: unknown, values: Record<string, unknown>): Requester {
  const p = provider as ProviderDefinition;
  const settings = { ...p.configSchema.parse(values), ...p.credentialsSchema.parse(values) };
  return p.client!(settings, ctx) as Requester;
}

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

describe("provider client factories", () => {
  it.each([
    ["stripe", () => clientOf(stripe, { baseUrl: peer.url, secretKey: "sk_test_abc" }), { authorization: "Bearer sk_test_abc" }],
    ["twilio", () => clientOf(twilio, { baseUrl: peer.url, accountSid: `AC${"a".repeat(32)}`, authToken: "b".repeat(32) }), { authorization: basic(`AC${"a".repeat(32)}`, "b".repeat(32)) }],
    ["pagerduty", () => clientOf(pagerduty, { baseUrl: peer.url, apiKey: "u+pd-key", fromEmail: "oncall@acme.test" }), { authorization: "Token token=u+pd-key", from: "oncall@acme.test", accept: "application/vnd.pagerduty+json;version=2" }],
    ["datadog", () => clientOf(datadog, { baseUrl: peer.url, apiKey: "dd-api", appKey: "dd-app" }), { "dd-api-key": "dd-api", "dd-application-key": "dd-app" }],
    ["servicenow", () => clientOf(servicenow, { instanceUrl: peer.url, username: "svc", password: "pw" }), { authorization: basic("svc", "pw") }],
    ["postmark", () => clientOf(postmark, { baseUrl: peer.url, serverToken: "0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", fromAddress: "a@acme.test" }), { "x-postmark-server-token": "0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" }],
  ])("%s: sends its credentials", async (_key, make, expected) => {
    await make().request("/probe");
    expect(requests.at(-1)!.path).toBe("/probe");
    expect(requests.at(-1)!.headers).toMatchObject(expected);
  });

  it.each([
    ["hubspot", () => clientOf(hubspot, { apiBaseUrl: peer.url, clientId: "c", clientSecret: "s" }), "/crm/v3/objects/contacts"],
    ["salesforce", () => clientOf(salesforce, { loginUrl: "https://login.salesforce.com", instanceUrl: peer.url, clientId: "c", clientSecret: "s" }), "/services/data/v61.0/sobjects"],
    ["microsoft-graph", () => clientOf(microsoftGraph, { tenantId: "contoso.onmicrosoft.com", clientId: "3b1f0c1e-0000-4000-8000-000000000002", graphBaseUrl: peer.url, clientSecret: "s" }), "/v1.0/users"],
    ["custom-oauth2", () => clientOf(customOAuth2, { authorizationUrl: "https://auth.example/authorize", tokenUrl: "https://auth.example/token", clientId: "c", apiBaseUrl: peer.url }), "/v1/me"],
  ])("%s: asks lib/connect for a token on every call", async (_key, make, path) => {
    const client = make();
    await client.request(path);
    const first = requests.at(-1)!.headers.authorization;
    await client.request(path);
    expect(requests.at(-1)!.path).toBe(path);
    expect(first).toMatch(/^Bearer oauth-token-\d+$/);
    expect(requests.at(-1)!.headers.authorization).not.toBe(first);
  });

  it("custom-oauth2 falls back to the test URL's origin, and says where to set a base URL when there is none", async () => {
    const viaTest = clientOf(customOAuth2, { authorizationUrl: "https://auth.example/authorize", tokenUrl: "https://auth.example/token", clientId: "c", testUrl: `${peer.url}/userinfo?x=1` });
    await viaTest.request("/api/items");
    expect(requests.at(-1)!.path).toBe("/api/items");
    expect(() => clientOf(customOAuth2, { serviceName: "Acme", authorizationUrl: "https://auth.example/authorize", tokenUrl: "https://auth.example/token", clientId: "c" })).toThrow(
      `The Acme connection has no API base URL. An admin can set it at /connections/${ctx.connectionId}.`,
    );
  });

  it("docusign: JWT grant once, then calls under the default account's base URI", async () => {
    const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const client = clientOf(docusign, { integrationKey: "7f3a0c2e-5b1d-4e8f-9a6b-1c2d3e4f5a6b", userId: "3af994a5-1111-4a4a-8b8b-adf23dce0cd3", authServer: peer.url, privateKey: pem }) as Requester & { accountId(): Promise<string> };
    const before = requests.length;
    expect(await client.accountId()).toBe("acct-1");
    await client.request("/v2.1/accounts/acct-1/envelopes", { method: "POST", body: { status: "sent" } });
    await client.request("/v2.1/accounts/acct-1/envelopes");
    const paths = requests.slice(before).map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual(["POST /oauth/token", "GET /oauth/userinfo", "POST /ds/restapi/v2.1/accounts/acct-1/envelopes", "GET /ds/restapi/v2.1/accounts/acct-1/envelopes"]);
    expect(requests.at(-1)!.headers.authorization).toBe("Bearer ds-token");
  });

  it("sends URLSearchParams as a form (Stripe, Twilio) and objects as JSON", async () => {
    const client = clientOf(stripe, { baseUrl: peer.url, secretKey: "sk_test_abc" });
    await client.request("/v1/customers", { method: "POST", body: new URLSearchParams({ email: "a@acme.test" }) });
    expect(requests.at(-1)!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(requests.at(-1)!.body).toBe("email=a%40acme.test");
  });
});
