import { generateKeyPairSync } from "node:crypto";
import { jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFake, testContext } from "@/lib/providers/_shared/testing";
import { docusign, docusignConfigSchema, docusignConsentUrl, docusignCredentialsSchema } from ".";

const IK = "7f3a0c2e-5b1d-4e8f-9a6b-1c2d3e4f5a6b";
const USER = "3af994a5-1111-4a4a-8b8b-adf23dce0cd3";
const NO_CONSENT_USER = "3af994a5-2222-4a4a-8b8b-adf23dce0cd3";

const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
// DocuSign hands out PKCS#1 PEM ("BEGIN RSA PRIVATE KEY").
const privatePem = keys.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const otherPem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();

let fake: Awaited<ReturnType<typeof startFake>>;
const seen: { header: Record<string, unknown>; payload: Record<string, unknown> }[] = [];

beforeAll(async () => {
  fake = await startFake(async (req) => {
    if (req.method === "POST" && req.path === "/oauth/token") {
      const form = new URLSearchParams(req.body);
      if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") return { status: 400, body: { error: "unsupported_grant_type" } };
      const assertion = form.get("assertion") ?? "";
      const claims = JSON.parse(Buffer.from(assertion.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;
      if (claims.iss !== IK) return { status: 400, body: { error: "invalid_grant", error_description: "issuer_not_found" } };
      let verified;
      try {
        verified = await jwtVerify(assertion, keys.publicKey, { algorithms: ["RS256"], issuer: IK, audience: fake.host, maxTokenAge: "1h" });
      } catch {
        return { status: 400, body: { error: "invalid_grant", error_description: "no_valid_keys_or_signatures" } };
      }
      seen.push({ header: verified.protectedHeader as Record<string, unknown>, payload: verified.payload as Record<string, unknown> });
      if (verified.payload.sub === NO_CONSENT_USER) return { status: 400, body: { error: "consent_required" } };
      if (verified.payload.sub !== USER) return { status: 400, body: { error: "invalid_grant", error_description: "user_not_found" } };
      return { body: { access_token: "ds-token", token_type: "Bearer", expires_in: 3600 } };
    }
    if (req.method === "GET" && req.path === "/oauth/userinfo") {
      if (req.headers.authorization !== "Bearer ds-token") return { status: 401, body: { error: "invalid_request" } };
      return {
        body: {
          sub: USER,
          name: "Ada Admin",
          email: "ada@acme.example",
          accounts: [
            { account_id: "a1", is_default: false, account_name: "Old", base_uri: "https://demo.docusign.net" },
            { account_id: "a2", is_default: true, account_name: "Acme Demo", base_uri: "https://demo.docusign.net" },
          ],
        },
      };
    }
    return { status: 404, body: "<html>not found</html>" };
  });
});
afterAll(() => fake.close());

const settings = (over: Record<string, unknown> = {}, privateKey = privatePem) => ({
  ...docusignConfigSchema.parse({ integrationKey: IK, userId: USER, authServer: fake.url, ...over }),
  privateKey,
});

describe("docusign schema", () => {
  it("validates GUIDs, URLs and defaults", () => {
    const c = docusignConfigSchema.parse({ integrationKey: IK, userId: USER });
    expect(c).toMatchObject({ authServer: "https://account-d.docusign.com", scopes: "signature impersonation" });
    expect(docusignConfigSchema.safeParse({ integrationKey: "abc", userId: USER }).success).toBe(false);
    expect(docusignConfigSchema.safeParse({ integrationKey: IK, userId: "3af994a5-1111-4a4a-8b8b" }).success).toBe(false);
    expect(docusignConfigSchema.safeParse({ integrationKey: IK, userId: USER, authServer: "account.docusign.com" }).success).toBe(false);
  });

  it("validates the private key", () => {
    expect(docusignCredentialsSchema.safeParse({ privateKey: privatePem }).success).toBe(true);
    expect(docusignCredentialsSchema.safeParse({ privateKey: `\n${otherPem}\n` }).success).toBe(true);
    const bad = (pem: string) => {
      const r = docusignCredentialsSchema.safeParse({ privateKey: pem });
      return r.success ? undefined : r.error.issues[0]!.message;
    };
    expect(bad("not a key")).toContain("BEGIN RSA PRIVATE KEY");
    expect(bad(keys.publicKey.export({ type: "spki", format: "pem" }).toString())).toContain("public key");
    expect(bad("-----BEGIN RSA PRIVATE KEY-----\nMIIBroken\n-----END RSA PRIVATE KEY-----")).toContain("damaged");
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(bad(ec)).toContain("RSA");
    const short = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    expect(bad(short)).toContain("2048");
    const encrypted = keys.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }).toString();
    expect(bad(encrypted)).toContain("encrypted");
  });

  it("builds the consent URL", () => {
    const c = docusignConfigSchema.parse({ integrationKey: IK, userId: USER });
    expect(docusignConsentUrl(c)).toBe(`https://account-d.docusign.com/oauth/auth?response_type=code&scope=signature%20impersonation&client_id=${IK}&redirect_uri=https%3A%2F%2Fwww.docusign.com`);
  });
});

describe("docusign test()", () => {
  it("signs a valid RS256 assertion, gets a token and reads userinfo", async () => {
    seen.length = 0;
    fake.requests.length = 0;
    const r = await docusign.test!(settings(), testContext({ getAccessToken: undefined }));
    expect(r).toMatchObject({ ok: true, message: "Connected to DocuSign as Ada Admin <ada@acme.example>; account Acme Demo." });
    expect(seen[0]!.header).toMatchObject({ alg: "RS256", typ: "JWT" });
    const p = seen[0]!.payload;
    expect(p).toMatchObject({ iss: IK, sub: USER, aud: fake.host, scope: "signature impersonation" });
    expect((p.exp as number) - (p.iat as number)).toBeLessThanOrEqual(3600);
    expect(Math.abs((p.iat as number) - Date.now() / 1000)).toBeLessThan(60);
    expect(fake.requests[0]!.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    expect(fake.requests[1]).toMatchObject({ method: "GET", path: "/oauth/userinfo" });
    expect(fake.requests[1]!.headers.authorization).toBe("Bearer ds-token");
  });

  it("consent_required → a message with the consent URL", async () => {
    const r = await docusign.test!(settings({ userId: NO_CONSENT_USER }), testContext());
    expect(r.ok).toBe(false);
    expect(r.message).toContain(`has not granted consent`);
    expect(r.message).toContain(`${fake.url}/oauth/auth?response_type=code&scope=signature%20impersonation&client_id=${IK}&redirect_uri=`);
  });

  it("user_not_found → userId", async () => {
    const r = await docusign.test!(settings({ userId: "00000000-0000-4000-8000-000000000000" }), testContext());
    expect(r).toMatchObject({ ok: false, field: "userId" });
  });

  it("issuer_not_found → integrationKey", async () => {
    const r = await docusign.test!(settings({ integrationKey: "00000000-0000-4000-8000-000000000001" }), testContext());
    expect(r).toMatchObject({ ok: false, field: "integrationKey" });
  });

  it("a key that does not match → privateKey", async () => {
    const r = await docusign.test!(settings({}, otherPem), testContext());
    expect(r).toMatchObject({ ok: false, field: "privateKey" });
  });

  it("a server that is not DocuSign → authServer", async () => {
    const r = await docusign.test!(settings({ authServer: `${fake.url}/nope` }), testContext());
    expect(r).toMatchObject({ ok: false, field: "authServer" });
  });
});
