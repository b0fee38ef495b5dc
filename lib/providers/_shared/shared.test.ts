import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as oauth from "oauth4webapi";
import { describeFields } from "@/lib/catalog/fields";
import type { ProviderDefinition } from "@/lib/catalog/define-provider";
import { customApiKey } from "@/lib/providers/custom-api-key";
import { customOAuth2 } from "@/lib/providers/custom-oauth2";
import { docusign } from "@/lib/providers/docusign";
import { hubspot } from "@/lib/providers/hubspot";
import { microsoftGraph } from "@/lib/providers/microsoft-graph";
import { oidc } from "@/lib/providers/oidc";
import { s3 } from "@/lib/providers/s3";
import { salesforce } from "@/lib/providers/salesforce";
import { excerpt } from "./egress";
import { egressCustomFetch, oauthHttpOptions } from "./oauth-fetch";
import { startFake, testContext } from "./testing";
import { isLocalHost, joinUrl, serviceUrl, splitScopes } from "./url";

describe("url helpers", () => {
  it("accepts https anywhere and http only for local hosts", () => {
    const s = serviceUrl();
    expect(s.safeParse("https://api.example.com").success).toBe(true);
    expect(s.safeParse("http://api.example.com").success).toBe(false);
    for (const local of ["http://localhost:8080", "http://127.0.0.1:9000", "http://10.1.2.3", "http://[::1]:3000", "http://192.168.1.10"]) expect(s.safeParse(local).success).toBe(true);
    expect(s.safeParse("https://u:p@api.example.com").success).toBe(false);
    expect(s.safeParse("https://api.example.com/x?y=1").success).toBe(false);
    expect(serviceUrl({ allowQuery: true }).safeParse("https://api.example.com/x?y=1").success).toBe(true);
    expect(s.safeParse("javascript:alert(1)").success).toBe(false);
    expect(isLocalHost("8.8.8.8")).toBe(false);
  });

  it("joins and splits", () => {
    expect(joinUrl("https://a.example/v1/", "/x")).toBe("https://a.example/v1/x");
    expect(joinUrl("https://a.example", "x")).toBe("https://a.example/x");
    expect(splitScopes(" a  b,c a ")).toEqual(["a", "b", "c"]);
    expect(excerpt("  a\n b  SECRETVALUE c ", ["SECRETVALUE"])).toBe("a b … c");
  });
});

describe("oauth4webapi through egress", () => {
  let fake: Awaited<ReturnType<typeof startFake>>;
  beforeAll(async () => {
    fake = await startFake((req) => {
      if (req.path === "/revoke") return { status: 204 };
      if (req.path === "/token") return { body: { access_token: "at", token_type: "Bearer", expires_in: 60, echo: req.body } };
      return { status: 404, body: "" };
    });
  });
  afterAll(() => fake.close());

  it("turns egress results into Responses, null-body statuses included", async () => {
    const f = egressCustomFetch("test", testContext());
    const r = await f(`${fake.url}/revoke`, { method: "POST", headers: {}, body: new URLSearchParams({ token: "x" }), redirect: "manual" });
    expect(r.status).toBe(204);
    expect(fake.requests.at(-1)!.body).toBe("token=x");
  });

  it("runs a client credentials grant", async () => {
    const as: oauth.AuthorizationServer = { issuer: fake.url, token_endpoint: `${fake.url}/token` };
    const client = { client_id: "c" };
    const res = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic("s"), { scope: "x" }, oauthHttpOptions("test", testContext(), as.token_endpoint!));
    const t = await oauth.processClientCredentialsResponse(as, client, res);
    expect(t.access_token).toBe("at");
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from("c:s").toString("base64")}`);
    // egressFetch tags every call with a request id: proof the call went through egress.
    expect(fake.requests.at(-1)!.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("batch B definitions", () => {
  const all = [hubspot, salesforce, microsoftGraph, s3, docusign, oidc, customOAuth2, customApiKey] as unknown as ProviderDefinition[];

  it("have unique keys, matching icons and https docs", () => {
    expect(all.map((p) => p.key)).toEqual(["hubspot", "salesforce", "microsoft-graph", "s3", "docusign", "oidc", "custom-oauth2", "custom-api-key"]);
    for (const p of all) {
      expect(p.icon).toBe(`${p.key}.svg`);
      expect(p.docsUrl).toMatch(/^https:\/\//);
    }
    expect(all.filter((p) => p.popular).map((p) => p.key)).toEqual(["hubspot", "salesforce"]);
  });

  it("keep every secret in credentials and describe their fields", () => {
    for (const p of all) {
      const fields = describeFields(p);
      for (const f of fields) expect(f.secret).toBe(f.group === "credentials");
    }
    expect(describeFields(docusign).find((f) => f.name === "privateKey")).toMatchObject({ kind: "text", secret: true, required: true });
    expect(describeFields(s3).find((f) => f.name === "forcePathStyle")).toMatchObject({ kind: "boolean", defaultValue: true });
    expect(describeFields(customApiKey).find((f) => f.name === "authPlacement")).toMatchObject({ kind: "enum", options: ["header", "query", "bearer"] });
    expect(describeFields(hubspot).find((f) => f.name === "apiBaseUrl")).toMatchObject({ kind: "url", defaultValue: "https://api.hubapi.com" });
    expect(describeFields(customOAuth2).find((f) => f.name === "clientSecret")).toMatchObject({ required: false });
  });
});
