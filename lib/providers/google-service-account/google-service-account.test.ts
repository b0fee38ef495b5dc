import { generateKeyPairSync } from "node:crypto";
import { jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeFields } from "@/lib/catalog/fields";
import { startFake, testContext } from "@/lib/providers/_shared/testing";
import {
  googleServiceAccount,
  googleServiceAccountConfigSchema,
  googleServiceAccountCredentialsSchema,
  parseServiceAccountKey,
  requestServiceAccountToken,
  type GoogleServiceAccountSettings,
} from ".";

const EMAIL = "patchbay@acme-prod.iam.gserviceaccount.com";
const KEY_ID = "0123456789abcdef0123456789abcdef01234567";
const SCOPE = "https://www.googleapis.com/auth/cloud-platform";

const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
// Google's key files hold PKCS#8 ("BEGIN PRIVATE KEY").
const privatePem = keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
// A key Google no longer knows (deleted): same account, different key pair.
const revokedPem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();

let fake: Awaited<ReturnType<typeof startFake>>;
const seen: { header: Record<string, unknown>; payload: Record<string, unknown> }[] = [];

beforeAll(async () => {
  fake = await startFake(async (req) => {
    if (req.method === "POST" && req.path === "/token") {
      const form = new URLSearchParams(req.body);
      if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") return { status: 400, body: { error: "unsupported_grant_type" } };
      let verified;
      try {
        verified = await jwtVerify(form.get("assertion") ?? "", keys.publicKey, { algorithms: ["RS256"], issuer: EMAIL, subject: EMAIL, audience: `${fake.url}/token`, maxTokenAge: "1h" });
      } catch {
        return { status: 400, body: { error: "invalid_grant", error_description: "Invalid JWT Signature." } };
      }
      seen.push({ header: verified.protectedHeader as Record<string, unknown>, payload: verified.payload as Record<string, unknown> });
      if (verified.payload.scope === "https://www.googleapis.com/auth/gmail.send") {
        return { status: 401, body: { error: "unauthorized_client", error_description: "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested." } };
      }
      if (verified.payload.scope !== SCOPE) return { status: 400, body: { error: "invalid_scope", error_description: "Invalid OAuth scope or ID token audience provided." } };
      return { body: { access_token: "ya29.fake-token", token_type: "Bearer", expires_in: 3599 } };
    }
    if (req.method === "GET" && req.path === "/oauth2/v3/tokeninfo") {
      if (req.url.searchParams.get("access_token") !== "ya29.fake-token") return { status: 400, body: { error: "invalid_token", error_description: "Invalid Value" } };
      return { body: { azp: "1234567890", aud: "1234567890", scope: SCOPE, exp: "1900000000", expires_in: "3599", access_type: "online" } };
    }
    if (req.method === "GET" && req.path === "/v1/projects/acme-prod") {
      if (req.headers.authorization !== "Bearer ya29.fake-token") return { status: 401, body: { error: { code: 401 } } };
      return { status: 403, body: { error: { code: 403, message: "Permission denied on resource project acme-prod.", status: "PERMISSION_DENIED" } } };
    }
    return { status: 404, body: "<html>not found</html>" };
  });
});
afterAll(() => fake.close());

const keyFile = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: "service_account",
    project_id: "acme-prod",
    private_key_id: KEY_ID,
    private_key: privatePem,
    client_email: EMAIL,
    client_id: "1234567890",
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: `${fake.url}/token`,
    ...over,
  });

const settings = (config: Record<string, unknown> = {}, json = keyFile()): GoogleServiceAccountSettings => ({
  ...googleServiceAccountConfigSchema.parse({ testUrl: `${fake.url}/oauth2/v3/tokeninfo`, ...config }),
  ...googleServiceAccountCredentialsSchema.parse({ serviceAccountJson: json }),
});

const problems = (json: string) => {
  const r = googleServiceAccountCredentialsSchema.safeParse({ serviceAccountJson: json });
  return r.success ? [] : r.error.issues.map((i) => i.message);
};

describe("google-service-account schema", () => {
  it("has defaults and a sealed multiline key field", () => {
    expect(googleServiceAccountConfigSchema.parse({})).toEqual({ scopes: SCOPE, testUrl: "https://www.googleapis.com/oauth2/v3/tokeninfo" });
    expect(googleServiceAccountConfigSchema.safeParse({ tokenUri: "http://oauth2.example.com/token" }).success).toBe(false);
    expect(googleServiceAccountConfigSchema.safeParse({ scopes: "  " }).success).toBe(false);
    const fields = describeFields(googleServiceAccount);
    expect(fields.find((f) => f.name === "serviceAccountJson")).toMatchObject({ secret: true, required: true, group: "credentials" });
    for (const f of fields) expect(f.secret).toBe(f.group === "credentials");
  });

  it("accepts a real-shaped key file, with the private key inside", () => {
    expect(problems(keyFile())).toEqual([]);
    expect(problems(`\n${keyFile({ token_uri: "https://oauth2.googleapis.com/token" })}\n`)).toEqual([]);
    const parsed = parseServiceAccountKey(keyFile());
    expect(parsed.ok && parsed.key).toMatchObject({ clientEmail: EMAIL, privateKeyId: KEY_ID, projectId: "acme-prod" });
  });

  it("explains each problem in plain words", () => {
    expect(problems("not json")).toEqual([expect.stringContaining("not JSON")]);
    expect(problems(privatePem)[0]).toContain("PEM key, not the JSON key file");
    expect(problems("[1,2]")[0]).toContain("JSON object");
    expect(problems(keyFile({ type: "authorized_user" }))[0]).toContain("user credential");
    expect(problems(keyFile({ type: "external_account" }))[0]).toContain("workload identity federation");
    expect(problems(keyFile({ private_key: "-----BEGIN PRIVATE KEY-----\nMIIBroken\n-----END PRIVATE KEY-----\n" }))).toEqual([expect.stringContaining("damaged")]);
    expect(problems(keyFile({ private_key: keys.publicKey.export({ type: "spki", format: "pem" }).toString() }))).toEqual([expect.stringContaining("not a PEM private key")]);
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(problems(keyFile({ private_key: ec }))).toEqual([expect.stringContaining("RSA")]);
    expect(problems(keyFile({ client_email: undefined }))).toEqual([expect.stringContaining('no "client_email"')]);
    expect(problems(keyFile({ client_email: "not-an-email" }))).toEqual([expect.stringContaining("not an email address")]);
    expect(problems(keyFile({ private_key_id: "" }))).toEqual([expect.stringContaining("private_key_id")]);
    expect(problems(keyFile({ token_uri: "http://oauth2.example.com/token" }))).toEqual([expect.stringContaining("https://")]);
    // Several problems at once are all reported.
    expect(problems(keyFile({ type: "x", client_email: undefined, private_key: undefined }))).toHaveLength(3);
  });

  it("accepts a private key pasted with literal \\n", () => {
    expect(problems(keyFile({ private_key: privatePem.replace(/\n/g, "\\n") }))).toEqual([]);
  });
});

describe("google-service-account test()", () => {
  it("signs a JWT-bearer assertion, exchanges it and checks tokeninfo", async () => {
    seen.length = 0;
    const r = await googleServiceAccount.test!(settings(), testContext());
    expect(r).toMatchObject({ ok: true, details: { clientEmail: EMAIL, projectId: "acme-prod", scopes: [SCOPE], tokenExpiresIn: 3599 } });
    expect(r.message).toContain(EMAIL);
    expect(seen[0]!.header).toMatchObject({ alg: "RS256", kid: KEY_ID });
    const { iat, exp } = seen[0]!.payload as { iat: number; exp: number };
    expect(exp - iat).toBe(3600);
    expect(seen[0]!.payload).toMatchObject({ iss: EMAIL, sub: EMAIL, aud: `${fake.url}/token`, scope: SCOPE });
    const tokenReq = fake.requests.find((q) => q.path === "/token")!;
    expect(tokenReq.headers["content-type"]).toContain("application/x-www-form-urlencoded");
    expect(tokenReq.headers["x-request-id"]).toBeDefined(); // went through egressFetch
  });

  it("maps a deleted key (invalid_grant, Invalid JWT Signature) to the key field", async () => {
    const r = await googleServiceAccount.test!(settings({}, keyFile({ private_key: revokedPem })), testContext());
    expect(r).toMatchObject({ ok: false, field: "serviceAccountJson" });
    expect(r.message).toContain(KEY_ID);
    expect(r.message).toMatch(/deleted or disabled/);
  });

  it("maps unauthorized_client and invalid_scope to the scopes field", async () => {
    const a = await googleServiceAccount.test!(settings({ scopes: "https://www.googleapis.com/auth/gmail.send" }), testContext());
    expect(a).toMatchObject({ ok: false, field: "scopes" });
    expect(a.message).toContain("domain-wide delegation");
    const b = await googleServiceAccount.test!(settings({ scopes: "https://www.googleapis.com/auth/nope" }), testContext());
    expect(b).toMatchObject({ ok: false, field: "scopes" });
  });

  it("uses the tokenUri override as endpoint and audience", async () => {
    const json = keyFile({ token_uri: "https://oauth2.googleapis.com/token" });
    const r = await requestServiceAccountToken(settings({ tokenUri: `${fake.url}/token` }, json), testContext());
    expect(r).toMatchObject({ ok: true, token: { accessToken: "ya29.fake-token", clientEmail: EMAIL } });
  });

  it("reports a token endpoint that is not Google's", async () => {
    const r = await googleServiceAccount.test!(settings({ tokenUri: `${fake.url}/elsewhere` }), testContext());
    expect(r).toMatchObject({ ok: false, field: "tokenUri" });
    expect(r.message).toContain("404");
  });

  it("sends the token as a bearer to another test URL and explains a 403", async () => {
    const r = await googleServiceAccount.test!(settings({ testUrl: `${fake.url}/v1/projects/acme-prod` }), testContext());
    expect(r).toMatchObject({ ok: false, field: "testUrl" });
    expect(r.message).toContain("403");
    expect(r.message).toContain(EMAIL);
    expect(r.message).not.toContain("ya29.fake-token");
  });

  it("reports a blocked private address in plain words", async () => {
    const r = await googleServiceAccount.test!(settings(), testContext({ allowPrivate: [] }));
    expect(r).toMatchObject({ ok: false, field: "serviceAccountJson" });
    expect(r.message).toMatch(/^Could not reach Google/);
  });
});
