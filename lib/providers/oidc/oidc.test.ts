import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFake, testContext } from "@/lib/providers/_shared/testing";
import { discover, oidc, oidcConfigSchema, withDiscoveredEndpoints } from ".";

let fake: Awaited<ReturnType<typeof startFake>>;

const doc = (issuer: string, extra: Record<string, unknown> = {}) => ({
  issuer,
  authorization_endpoint: `${issuer}/protocol/openid-connect/auth`,
  token_endpoint: `${issuer}/protocol/openid-connect/token`,
  revocation_endpoint: `${issuer}/protocol/openid-connect/revoke`,
  userinfo_endpoint: `${issuer}/protocol/openid-connect/userinfo`,
  jwks_uri: `${issuer}/protocol/openid-connect/certs`,
  response_types_supported: ["code", "id_token", "code id_token"],
  subject_types_supported: ["public"],
  id_token_signing_alg_values_supported: ["RS256"],
  scopes_supported: ["openid", "email", "profile", "offline_access"],
  token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
  code_challenge_methods_supported: ["plain", "S256"],
  authorization_response_iss_parameter_supported: true,
  ...extra,
});

beforeAll(async () => {
  fake = await startFake((req) => {
    const realm = /^\/realms\/([^/]+)\/\.well-known\/openid-configuration$/.exec(req.path)?.[1];
    const issuer = `${fake.url}/realms/${realm}`;
    switch (realm) {
      case "acme":
        return { body: doc(issuer) };
      case "impostor":
        return { body: doc("https://idp.evil.example") };
      case "slash":
        return { body: doc(`${issuer}/`) };
      case "minimal":
        return { body: { issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, response_types_supported: ["code"], subject_types_supported: ["public"] } };
      case "no-token":
        return { body: doc(issuer, { token_endpoint: undefined }) };
      case "html":
        return { body: "<html>Welcome</html>", headers: { "content-type": "text/html" } };
      default:
        return { status: 404, body: { error: "Realm does not exist" } };
    }
  });
});
afterAll(() => fake.close());

const settings = (over: Record<string, unknown> = {}) => ({ ...oidcConfigSchema.parse({ issuer: `${fake.url}/realms/acme`, clientId: "patchbay", ...over }), clientSecret: "s3cret" });

describe("oidc schema and OAuth spec", () => {
  it("validates", () => {
    expect(oidcConfigSchema.parse({ issuer: "https://accounts.google.com", clientId: "c" })).toMatchObject({ scopes: "openid email profile", clientAuth: "client_secret_basic" });
    expect(oidcConfigSchema.safeParse({ issuer: "accounts.google.com", clientId: "c" }).success).toBe(false);
    expect(oidcConfigSchema.safeParse({ issuer: "http://idp.example.com", clientId: "c" }).success).toBe(false);
    expect(oidcConfigSchema.safeParse({ issuer: "https://accounts.google.com", clientId: "c", scopes: "email profile" }).success).toBe(false);
    expect(oidcConfigSchema.safeParse({ issuer: "https://accounts.google.com", clientId: "c", tokenEndpoint: "nope" }).success).toBe(false);
  });

  it("uses configured endpoints and explains missing ones", () => {
    const c = oidcConfigSchema.parse({ issuer: "https://idp.example.com", clientId: "c", authorizationEndpoint: "https://idp.example.com/authorize", tokenEndpoint: "https://idp.example.com/token" });
    expect(oidc.oauth!.authorizationEndpoint!(c)).toBe("https://idp.example.com/authorize");
    expect(oidc.oauth!.tokenEndpoint(c)).toBe("https://idp.example.com/token");
    expect(oidc.oauth!.revocationEndpoint!(c)).toBeUndefined();
    expect(oidc.oauth!.issuer!(c)).toBe("https://idp.example.com");
    expect(oidc.oauth!.pkce).toBe(true);
    expect(() => oidc.oauth!.tokenEndpoint(oidcConfigSchema.parse({ issuer: "https://idp.example.com", clientId: "c" }))).toThrow(/not known yet/);
  });
});

describe("oidc discovery", () => {
  it("discover() returns the authorization server", async () => {
    fake.requests.length = 0;
    const as = await discover(`${fake.url}/realms/acme`, testContext());
    expect(as.token_endpoint).toBe(`${fake.url}/realms/acme/protocol/openid-connect/token`);
    expect(fake.requests[0]).toMatchObject({ method: "GET", path: "/realms/acme/.well-known/openid-configuration" });
  });

  it("withDiscoveredEndpoints fills only what is empty", async () => {
    const c = await withDiscoveredEndpoints(oidcConfigSchema.parse({ issuer: `${fake.url}/realms/acme`, clientId: "c", tokenEndpoint: "https://override.example/token" }), testContext());
    expect(c.tokenEndpoint).toBe("https://override.example/token");
    expect(c.authorizationEndpoint).toBe(`${fake.url}/realms/acme/protocol/openid-connect/auth`);
    expect(c.authorizationResponseIssParameterSupported).toBe(true);
  });

  it("test() reports the endpoints found", async () => {
    const r = await oidc.test!(settings(), testContext({ getAccessToken: undefined }));
    const iss = `${fake.url}/realms/acme`;
    expect(r).toMatchObject({
      ok: true,
      message: `Found the OpenID provider ${iss}: authorization ${iss}/protocol/openid-connect/auth, token ${iss}/protocol/openid-connect/token, userinfo ${iss}/protocol/openid-connect/userinfo.`,
      details: { issuer: iss, jwksUri: `${iss}/protocol/openid-connect/certs`, pkce: true },
    });
  });

  it("refuses a document for another issuer", async () => {
    const r = await oidc.test!(settings({ issuer: `${fake.url}/realms/impostor` }), testContext());
    expect(r).toMatchObject({ ok: false, field: "issuer" });
    expect(r.message).toContain("belongs to issuer https://idp.evil.example");
  });

  it("requires the issuer to match exactly, trailing slash included", async () => {
    const r = await oidc.test!(settings({ issuer: `${fake.url}/realms/slash` }), testContext());
    expect(r).toEqual({ ok: false, field: "issuer", message: `The provider identifies itself as ${fake.url}/realms/slash/; enter the issuer exactly like that (it differs from ${fake.url}/realms/slash).` });
  });

  it("notes what a minimal provider does not advertise", async () => {
    const r = await oidc.test!(settings({ issuer: `${fake.url}/realms/minimal` }), testContext());
    expect(r.ok).toBe(true);
    expect(r.message).toContain("does not advertise PKCE");
  });

  it("blames the token endpoint when discovery lists none", async () => {
    const r = await oidc.test!(settings({ issuer: `${fake.url}/realms/no-token` }), testContext());
    expect(r).toMatchObject({ ok: false, field: "tokenEndpoint" });
  });

  it("explains a missing or invalid document", async () => {
    const missing = await oidc.test!(settings({ issuer: `${fake.url}/realms/ghost` }), testContext());
    expect(missing).toEqual({ ok: false, field: "issuer", message: `No discovery document at ${fake.url}/realms/ghost/.well-known/openid-configuration (status 404). Check the issuer.` });
    const html = await oidc.test!(settings({ issuer: `${fake.url}/realms/html` }), testContext());
    expect(html).toMatchObject({ ok: false, field: "issuer" });
    expect(html.message).toContain("is not a valid OpenID Connect discovery document");
  });

  it("explains an unreachable issuer", async () => {
    const r = await oidc.test!(settings({ issuer: "http://127.0.0.1:1/realms/acme" }), testContext());
    expect(r).toMatchObject({ ok: false, field: "issuer" });
    expect(r.message).toMatch(/^Could not reach the OpenID provider: /);
  });
});
