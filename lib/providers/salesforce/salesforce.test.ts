import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFake, testContext } from "@/lib/providers/_shared/testing";
import { salesforce, salesforceConfigSchema } from ".";

let login: Awaited<ReturnType<typeof startFake>>;
let instance: Awaited<ReturnType<typeof startFake>>;

const userinfo = (req: { path: string; headers: Record<string, string | string[] | undefined> }) => {
  if (req.path !== "/services/oauth2/userinfo") return { status: 404, body: [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }] };
  if (req.headers.authorization === "Bearer tok")
    return { body: { sub: "https://login.salesforce.com/id/00Dxx0000001gPL/005xx000001Sv6A", user_id: "005xx000001Sv6A", organization_id: "00Dxx0000001gPL", preferred_username: "admin@acme.example", email: "admin@acme.example" } };
  if (req.headers.authorization === "Bearer apionly") return { status: 403, body: "Insufficient scope", headers: { "content-type": "text/plain" } };
  return { status: 403, body: "Bad_OAuth_Token", headers: { "content-type": "text/plain" } };
};

beforeAll(async () => {
  login = await startFake(userinfo);
  instance = await startFake(userinfo);
});
afterAll(async () => {
  await login.close();
  await instance.close();
});

const settings = (over: Record<string, unknown> = {}) => ({ ...salesforceConfigSchema.parse({ clientId: "3MVG9", loginUrl: login.url, ...over }), clientSecret: "shh" });

describe("salesforce schema", () => {
  it("defaults and OAuth endpoints", () => {
    const c = salesforceConfigSchema.parse({ clientId: "3MVG9" });
    expect(c.loginUrl).toBe("https://login.salesforce.com");
    expect(c.instanceUrl).toBeUndefined();
    const o = salesforce.oauth!;
    expect(o.authorizationEndpoint!(c)).toBe("https://login.salesforce.com/services/oauth2/authorize");
    expect(o.tokenEndpoint(c)).toBe("https://login.salesforce.com/services/oauth2/token");
    expect(o.revocationEndpoint!(c)).toBe("https://login.salesforce.com/services/oauth2/revoke");
    expect(o.scopes(c)).toEqual(["api", "refresh_token", "id"]);
    expect(o.pkce).toBe(true);
    expect(salesforceConfigSchema.parse({ clientId: "x", loginUrl: "https://test.salesforce.com/" }).loginUrl).toBe("https://test.salesforce.com/");
    expect(o.tokenEndpoint(salesforceConfigSchema.parse({ clientId: "x", loginUrl: "https://test.salesforce.com/" }))).toBe("https://test.salesforce.com/services/oauth2/token");
  });

  it("rejects bad URLs", () => {
    expect(salesforceConfigSchema.safeParse({ clientId: "x", instanceUrl: "acme.my.salesforce.com" }).success).toBe(false);
    expect(salesforceConfigSchema.safeParse({ clientId: "x", loginUrl: "https://login.salesforce.com?x=1" }).success).toBe(false);
    expect(salesforceConfigSchema.safeParse({ clientId: "x", loginUrl: "https://user:pw@login.salesforce.com" }).success).toBe(false);
  });
});

describe("salesforce test()", () => {
  it("calls userinfo on the instance URL when known", async () => {
    login.requests.length = 0;
    instance.requests.length = 0;
    const r = await salesforce.test!(settings({ instanceUrl: instance.url }), testContext());
    expect(r).toMatchObject({ ok: true, message: "Connected to Salesforce as admin@acme.example (organization 00Dxx0000001gPL)." });
    expect(login.requests).toHaveLength(0);
    expect(instance.requests[0]).toMatchObject({ method: "GET", path: "/services/oauth2/userinfo" });
    expect(instance.requests[0]!.headers.authorization).toBe("Bearer tok");
  });

  it("falls back to the login URL", async () => {
    login.requests.length = 0;
    const r = await salesforce.test!(settings(), testContext());
    expect(r.ok).toBe(true);
    expect(login.requests[0]!.path).toBe("/services/oauth2/userinfo");
  });

  it("asks to reconnect on Bad_OAuth_Token", async () => {
    expect(await salesforce.test!(settings(), testContext({ getAccessToken: async () => "revoked" }))).toEqual({
      ok: false,
      reauth: true,
      message: "Salesforce rejected the access token; reconnect.",
    });
  });

  it("blames the scopes when the token cannot read the identity", async () => {
    const r = await salesforce.test!(settings(), testContext({ getAccessToken: async () => "apionly" }));
    expect(r).toMatchObject({ ok: false, field: "scopes" });
    expect(r.message).toContain('"id" scope');
  });

  it("needs a connect first", async () => {
    expect(await salesforce.test!(settings(), testContext({ getAccessToken: undefined }))).toEqual({ ok: false, message: "Not authorized yet: click Connect to sign in with Salesforce." });
  });

  it("blames the instance URL when it is wrong", async () => {
    const r = await salesforce.test!(settings({ instanceUrl: "http://127.0.0.1:1" }), testContext());
    expect(r).toMatchObject({ ok: false, field: "instanceUrl" });
  });
});
