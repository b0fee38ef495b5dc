import "server-only";
import { createHash, createPrivateKey, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";
import { z } from "zod";
import { defineProvider, type ClientContext, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch, type EgressResponse } from "@/lib/http";
import { egressOptions, excerpt, jsonOrUndefined, obj, str, unreachable, type EgressContext } from "@/lib/providers/_shared/egress";
import { apiClient, bearer, type ApiRequestInit, type ApiResponse } from "@/lib/providers/_shared/api-client";
import { IntegrationUnavailableError } from "@/lib/settings/errors";
import { guidSchema, joinUrl, scopesSchema, serviceUrl, splitScopes } from "@/lib/providers/_shared/url";

const KEY = "docusign";
const ASSERTION_LIFETIME_S = 600; // DocuSign accepts at most one hour; the assertion is used once, at once.

/** Why a PEM is not a usable DocuSign key, or undefined when it is one (RSA, ≥ 2048 bits, unencrypted). */
export function rsaPrivateKeyProblem(pem: string): string | undefined {
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----[\s\S]+-----END (RSA )?PRIVATE KEY-----/.test(pem)) {
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem)) return "This key is encrypted with a passphrase; paste the unencrypted private key.";
    if (/-----BEGIN (PUBLIC KEY|RSA PUBLIC KEY|CERTIFICATE)-----/.test(pem)) return "This is a public key or certificate; paste the private key.";
    return "Paste the whole RSA private key, from -----BEGIN RSA PRIVATE KEY----- to the END line.";
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    return "The private key is damaged (it could not be read); paste it again, including the BEGIN and END lines.";
  }
  if (key.asymmetricKeyType !== "rsa") return `DocuSign keys are RSA; this is a ${key.asymmetricKeyType ?? "different"} key.`;
  if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return "The RSA key is shorter than 2048 bits.";
  return undefined;
}

export const docusignConfigSchema = z.object({
  integrationKey: guidSchema("The integration key").meta({ label: "Integration key", placeholder: "00000000-0000-0000-0000-000000000000", help: "Admin → Apps and Keys → your app's Integration Key." }),
  userId: guidSchema("The user ID").meta({ label: "User ID", placeholder: "00000000-0000-0000-0000-000000000000", help: "The API user to act as: Apps and Keys → My Account Information → User ID." }),
  authServer: serviceUrl()
    .default("https://account-d.docusign.com")
    .meta({ label: "Authorization server", help: "https://account-d.docusign.com for the developer (demo) environment; https://account.docusign.com for production." }),
  scopes: scopesSchema.default("signature impersonation").meta({ label: "Scopes", help: "Space-separated; impersonation is required for the JWT grant." }),
  consentRedirectUri: z
    .url({ protocol: /^https?$/, error: "Enter a full redirect URI starting with https://." })
    .default("https://www.docusign.com")
    .meta({ label: "Consent redirect URI", help: "One of the integration key's redirect URIs; used in the one-time consent link." }),
});

export const docusignCredentialsSchema = z.object({
  privateKey: z
    .string()
    .trim()
    .max(20_000)
    .superRefine((pem, ctx) => {
      const problem = rsaPrivateKeyProblem(pem);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .meta({ label: "RSA private key", secret: true, multiline: true, help: "Apps and Keys → your app → Service Integration → the private key of the RSA key pair (PEM)." }),
});

export type DocusignSettings = z.output<typeof docusignConfigSchema> & z.output<typeof docusignCredentialsSchema>;

/** The one-time consent link the impersonated user (or an org admin) opens before the JWT grant works. */
export function docusignConsentUrl(s: Pick<DocusignSettings, "authServer" | "integrationKey" | "scopes" | "consentRedirectUri">): string {
  const q = new URLSearchParams({ response_type: "code", scope: splitScopes(s.scopes).join(" "), client_id: s.integrationKey, redirect_uri: s.consentRedirectUri });
  return `${joinUrl(s.authServer, "/oauth/auth")}?${q.toString().replace(/\+/g, "%20")}`;
}

/** The JWT grant assertion: RS256, iss = integration key, sub = user, aud = the auth server's host. */
export async function signDocusignAssertion(s: DocusignSettings, now = Math.floor(Date.now() / 1000)): Promise<string> {
  return new SignJWT({ scope: splitScopes(s.scopes).join(" ") })
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .setIssuer(s.integrationKey)
    .setSubject(s.userId)
    .setAudience(new URL(s.authServer).host)
    .setIssuedAt(now)
    .setExpirationTime(now + ASSERTION_LIFETIME_S)
    .sign(createPrivateKey({ key: s.privateKey, format: "pem" }));
}

function explainTokenError(res: EgressResponse, s: DocusignSettings): TestResult {
  const body = obj(jsonOrUndefined(res.text()));
  const error = str(body.error);
  const description = str(body.error_description);
  if (error === "consent_required") {
    return {
      ok: false,
      message: `User ${s.userId} has not granted consent to integration key ${s.integrationKey} yet. Open this link signed in as that user (or have an admin grant consent for the organization), then test again: ${docusignConsentUrl(s)}`,
    };
  }
  const env = s.authServer.includes("account-d.") ? "developer (demo)" : "production";
  switch (description) {
    case "user_not_found":
      return { ok: false, field: "userId", message: `DocuSign has no user ${s.userId} in the ${env} environment. Check the User ID, and the authorization server.` };
    case "issuer_not_found":
      return { ok: false, field: "integrationKey", message: `DocuSign does not know integration key ${s.integrationKey} in the ${env} environment. Check the key, and the authorization server.` };
    case "no_valid_keys_or_signatures":
      return { ok: false, field: "privateKey", message: "The private key does not match any RSA key pair of this integration key (Apps and Keys → Service Integration)." };
    case "expired":
      return { ok: false, message: "DocuSign considers the assertion expired: this server's clock is wrong; fix its time (NTP)." };
  }
  if (error === "invalid_scope") return { ok: false, field: "scopes", message: `DocuSign does not accept the scopes "${s.scopes}".` };
  if (!error) return { ok: false, field: "authServer", message: `${s.authServer} did not answer like DocuSign's authorization server (status ${res.status}${res.text() ? `: ${excerpt(res.text())}` : ""}).` };
  return { ok: false, message: `DocuSign refused the token request (${error}${description ? `: ${description}` : ""}).` };
}

export type DocusignToken = { accessToken: string; expiresIn?: number };

/** JWT grant: sign the assertion, exchange it at {authServer}/oauth/token. */
export async function requestDocusignToken(s: DocusignSettings, ctx: EgressContext): Promise<{ ok: true; token: DocusignToken } | { ok: false; result: TestResult }> {
  let assertion: string;
  try {
    assertion = await signDocusignAssertion(s);
  } catch {
    return { ok: false, result: { ok: false, field: "privateKey", message: "The private key could not sign the assertion; paste the RSA private key again." } };
  }
  let res: EgressResponse;
  try {
    res = await egressFetch(joinUrl(s.authServer, "/oauth/token"), {
      ...egressOptions(KEY, ctx),
      method: "POST",
      headers: { accept: "application/json" },
      body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }),
    });
  } catch (error) {
    return { ok: false, result: unreachable(error, "DocuSign", "authServer") };
  }
  const body = obj(jsonOrUndefined(res.text()));
  const accessToken = str(body.access_token);
  if (res.status !== 200 || !accessToken) return { ok: false, result: explainTokenError(res, s) };
  return { ok: true, token: { accessToken, expiresIn: typeof body.expires_in === "number" ? body.expires_in : undefined } };
}

async function testDocusign(s: DocusignSettings, ctx: TestContext): Promise<TestResult> {
  const grant = await requestDocusignToken(s, ctx);
  if (!grant.ok) return grant.result;
  let res: EgressResponse;
  try {
    res = await egressFetch(joinUrl(s.authServer, "/oauth/userinfo"), {
      ...egressOptions(KEY, ctx),
      headers: { authorization: `Bearer ${grant.token.accessToken}`, accept: "application/json" },
    });
  } catch (error) {
    return unreachable(error, "DocuSign", "authServer");
  }
  if (res.status !== 200) return { ok: false, message: `DocuSign issued a token but its userinfo endpoint answered ${res.status}${res.text() ? `: ${excerpt(res.text())}` : ""}.` };
  const info = obj(jsonOrUndefined(res.text()));
  const accounts = (Array.isArray(info.accounts) ? info.accounts : []).map(obj);
  const account = accounts.find((a) => a.is_default === true || a.is_default === "true") ?? accounts[0];
  const who = [str(info.name), str(info.email) && `<${str(info.email)}>`].filter(Boolean).join(" ");
  if (!account) return { ok: false, field: "userId", message: `Signed in as ${who || s.userId}, but this user belongs to no DocuSign account.` };
  return {
    ok: true,
    message: `Connected to DocuSign as ${who || s.userId}; account ${str(account.account_name) ?? str(account.account_id)}.`,
    details: {
      accounts: accounts.map((a) => ({ accountId: str(a.account_id), name: str(a.account_name), baseUri: str(a.base_uri), isDefault: a.is_default === true || a.is_default === "true" })),
      tokenExpiresIn: grant.token.expiresIn,
      ms: res.ms,
    },
  };
}

type DocusignSession = { token: string; expiresAt: number; apiBase: string; accountId: string };
type GlobalWithSessions = typeof globalThis & { __patchbayDocusignSessions?: Map<string, DocusignSession> };
const sessions = ((globalThis as GlobalWithSessions).__patchbayDocusignSessions ??= new Map());
const SESSION_AHEAD_MS = 5 * 60_000;

/**
 * A JWT-grant token and the default account's API base (from userinfo), cached in this process
 * until 5 minutes before the token expires. Keyed by the settings too: new settings, new session.
 */
async function docusignSession(s: DocusignSettings, ctx: ClientContext): Promise<DocusignSession> {
  const key = `${ctx.connectionId}:${createHash("sha256").update(JSON.stringify([s.authServer, s.integrationKey, s.userId, s.scopes, s.privateKey])).digest("hex")}`;
  const cached = sessions.get(key);
  if (cached && cached.expiresAt - Date.now() > SESSION_AHEAD_MS) return cached;
  const egress = { ...ctx, signal: new AbortController().signal };
  const fix = ` An admin can fix the connection at /connections/${ctx.connectionId}.`;
  const grant = await requestDocusignToken(s, egress);
  if (!grant.ok) throw new IntegrationUnavailableError(`${grant.result.message}${fix}`);
  const res = await egressFetch(joinUrl(s.authServer, "/oauth/userinfo"), { ...egressOptions(KEY, egress), headers: { authorization: `Bearer ${grant.token.accessToken}`, accept: "application/json" } });
  const info = obj(jsonOrUndefined(res.text()));
  const accounts = (Array.isArray(info.accounts) ? info.accounts : []).map(obj);
  const account = accounts.find((a) => a.is_default === true || a.is_default === "true") ?? accounts[0];
  const baseUri = str(account?.base_uri);
  const accountId = str(account?.account_id);
  if (res.status !== 200 || !baseUri || !accountId) throw new IntegrationUnavailableError(`DocuSign's userinfo (HTTP ${res.status}) names no account for user ${s.userId}.${fix}`);
  const session = { token: grant.token.accessToken, expiresAt: Date.now() + (grant.token.expiresIn ?? 3600) * 1000, apiBase: joinUrl(baseUri, "/restapi"), accountId };
  sessions.set(key, session);
  return session;
}

/** eSignature REST calls go to the default account's base URI: request(`/v2.1/accounts/${await accountId()}/envelopes`). */
function docusignClient(s: DocusignSettings, ctx: ClientContext) {
  return {
    accountId: async () => (await docusignSession(s, ctx)).accountId,
    async request<T = unknown>(pathOrUrl: string, init?: ApiRequestInit): Promise<ApiResponse<T>> {
      const session = await docusignSession(s, ctx);
      return apiClient({ providerKey: KEY, name: "DocuSign", baseUrl: session.apiBase, ctx, auth: () => bearer(session.token) }).request<T>(pathOrUrl, init);
    },
  };
}

export const docusign = defineProvider({
  key: KEY,
  name: "DocuSign",
  category: "e-signature",
  description: "Send envelopes for signature and track their status with DocuSign eSignature, as a service user (JWT grant).",
  icon: "docusign.svg",
  docsUrl: "https://developers.docusign.com/platform/auth/jwt/jwt-get-token/",
  popular: false,
  authModes: ["jwt_bearer"],
  capabilities: ["api_calls"],
  configSchema: docusignConfigSchema,
  credentialsSchema: docusignCredentialsSchema,
  test: testDocusign,
  client: docusignClient,
});
