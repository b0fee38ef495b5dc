import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFake, testContext } from "@/lib/providers/_shared/testing";
import { customOAuth2, customOAuth2ClientOptions, customOAuth2ConfigSchema } from ".";

let fake: Awaited<ReturnType<typeof startFake>>;

beforeAll(async () => {
  fake = await startFake((req) => {
    if (req.path !== "/api/me") return { status: 404, body: { error: "not_found" } };
    switch (req.headers.authorization) {
      case "Bearer tok":
        return { body: { id: 42, login: "octo", email: "octo@example.com" } };
      case "Bearer narrow":
        return { status: 403, body: { error: "insufficient_scope", message: "needs read:user" } };
      case "Bearer flaky":
        return { status: 500, body: "Internal error" };
      default:
        return { status: 401, headers: { "www-authenticate": 'Bearer error="invalid_token"' }, body: { error: "invalid_token" } };
    }
  });
});
afterAll(() => fake.close());

const base = { serviceName: "Acme", authorizationUrl: "https://auth.acme.example/authorize", tokenUrl: "https://auth.acme.example/token", clientId: "cid" };
const settings = (over: Record<string, unknown> = {}, secret: { clientSecret?: string } = { clientSecret: "shh" }) => ({
  ...customOAuth2ConfigSchema.parse({ ...base, testUrl: `${fake.url}/api/me`, ...over }),
  ...secret,
});

describe("custom-oauth2 schema and spec", () => {
  it("builds the OAuth spec from the fields", () => {
    const c = customOAuth2ConfigSchema.parse({ ...base, scopes: "read:user  repo", revocationUrl: "https://auth.acme.example/revoke", extraAuthorizationParams: "access_type=offline&prompt=consent" });
    const o = customOAuth2.oauth!;
    expect(o.grant).toBe("authorization_code");
    expect(o.authorizationEndpoint!(c)).toBe("https://auth.acme.example/authorize");
    expect(o.tokenEndpoint(c)).toBe("https://auth.acme.example/token");
    expect(o.revocationEndpoint!(c)).toBe("https://auth.acme.example/revoke");
    expect(o.scopes(c)).toEqual(["read:user", "repo"]);
    expect(o.authorizationParams!(c)).toEqual({ access_type: "offline", prompt: "consent" });
    expect(customOAuth2ClientOptions(c)).toEqual({ pkce: true, clientAuth: "client_secret_basic" });
    expect(customOAuth2ClientOptions(customOAuth2ConfigSchema.parse({ ...base, usePkce: false, clientAuth: "none" }))).toEqual({ pkce: false, clientAuth: "none" });
  });

  it("rejects bad values", () => {
    expect(customOAuth2ConfigSchema.safeParse({ ...base, tokenUrl: "/token" }).success).toBe(false);
    expect(customOAuth2ConfigSchema.safeParse({ ...base, tokenUrl: "http://auth.acme.example/token" }).success).toBe(false);
    expect(customOAuth2ConfigSchema.safeParse({ ...base, clientAuth: "private_key_jwt" }).success).toBe(false);
    expect(customOAuth2ConfigSchema.safeParse({ ...base, extraAuthorizationParams: "redirect_uri=https://evil.example" }).success).toBe(false);
    expect(customOAuth2ConfigSchema.safeParse({ ...base, scopes: 'read "all"' }).success).toBe(false);
  });
});

describe("custom-oauth2 test()", () => {
  it("GETs the test URL with the bearer token", async () => {
    fake.requests.length = 0;
    const r = await customOAuth2.test!(settings(), testContext());
    expect(r).toMatchObject({ ok: true, message: `Authorized as octo@example.com: ${fake.url}/api/me answered 200.` });
    expect(fake.requests[0]).toMatchObject({ method: "GET", path: "/api/me" });
    expect(fake.requests[0]!.headers.authorization).toBe("Bearer tok");
  });

  it("reports authorized without a test URL", async () => {
    const r = await customOAuth2.test!(settings({ testUrl: undefined }), testContext());
    expect(r).toMatchObject({ ok: true });
    expect(r.message).toMatch(/^Authorized: Patchbay holds a current access token for Acme/);
  });

  it("401 → reconnect", async () => {
    expect(await customOAuth2.test!(settings(), testContext({ getAccessToken: async () => "old" }))).toEqual({ ok: false, reauth: true, message: "Acme rejected the access token; reconnect." });
  });

  it("403 → scopes", async () => {
    const r = await customOAuth2.test!(settings(), testContext({ getAccessToken: async () => "narrow" }));
    expect(r).toMatchObject({ ok: false, field: "scopes" });
    expect(r.message).toContain("needs read:user");
  });

  it("404 → testUrl; 500 → the status in words", async () => {
    expect(await customOAuth2.test!(settings({ testUrl: `${fake.url}/api/nope` }), testContext())).toMatchObject({ ok: false, field: "testUrl" });
    const r = await customOAuth2.test!(settings(), testContext({ getAccessToken: async () => "flaky" }));
    expect(r).toEqual({ ok: false, message: `Acme answered 500 for ${fake.url}/api/me: Internal error` });
  });

  it("needs a secret unless the client is public, and a connect first", async () => {
    expect(await customOAuth2.test!(settings({}, {}), testContext())).toMatchObject({ ok: false, field: "clientSecret" });
    expect((await customOAuth2.test!(settings({ clientAuth: "none" }, {}), testContext())).ok).toBe(true);
    expect(await customOAuth2.test!(settings(), testContext({ getAccessToken: undefined }))).toEqual({ ok: false, message: "Not authorized yet: click Connect to sign in with Acme." });
  });
});
