import "server-only";
import { createPrivateKey, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch, type EgressResponse } from "@/lib/http";
import { egressOptions, excerpt, jsonOrUndefined, obj, str, unreachable, type EgressContext } from "@/lib/providers/_shared/egress";
import { isLocalHost, scopesSchema, serviceUrl, splitScopes } from "@/lib/providers/_shared/url";

const KEY = "google-service-account";
const SERVICE = "Google";
const ASSERTION_LIFETIME_S = 3600; // Google's maximum; the assertion is exchanged at once.
const DEFAULT_SCOPES = "https://www.googleapis.com/auth/cloud-platform";
const DEFAULT_TEST_URL = "https://www.googleapis.com/oauth2/v3/tokeninfo";
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/** The parts of a service-account key file Patchbay uses. */
export type ServiceAccountKey = {
  clientEmail: string;
  privateKeyId: string;
  privateKey: KeyObject;
  tokenUri: string;
  projectId?: string;
  clientId?: string;
};

/** Pasted keys sometimes arrive with literal "\n" (copied from an env file) or Windows line ends. */
function normalizePem(pem: string): string {
  return pem.replace(/\\n/g, "\n").replace(/\r\n?/g, "\n").trim();
}

function privateKeyProblem(value: unknown): { key: KeyObject } | { problem: string } {
  if (typeof value !== "string" || !value.trim()) return { problem: 'The key file has no "private_key"; download a new JSON key.' };
  const pem = normalizePem(value);
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----[\s\S]+-----END (RSA )?PRIVATE KEY-----/.test(pem)) {
    return { problem: 'The "private_key" in the key file is not a PEM private key; download a new JSON key instead of editing it.' };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    return { problem: 'The "private_key" in the key file is damaged (it could not be read); paste the whole file again, or download a new JSON key.' };
  }
  if (key.asymmetricKeyType !== "rsa") return { problem: `Service-account keys are RSA keys; the "private_key" in this file is a ${key.asymmetricKeyType ?? "different"} key.` };
  return { key };
}

function tokenUriProblem(value: unknown): string | undefined {
  if (typeof value !== "string" || !value) return 'The key file has no "token_uri"; download a new JSON key.';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `The "token_uri" in the key file (${value}) is not a web address.`;
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && isLocalHost(url.hostname))) return undefined;
  return `The "token_uri" in the key file must start with https:// (it is ${value}).`;
}

/**
 * Read a service-account JSON key: every problem found, in plain words, or the key. The private
 * key is parsed here, so a key that passes is one that can sign.
 */
export function parseServiceAccountKey(json: string): { ok: true; key: ServiceAccountKey } | { ok: false; problems: string[] } {
  const text = json.trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    if (/-----BEGIN [A-Z ]*KEY-----/.test(text)) return { ok: false, problems: ["This is a PEM key, not the JSON key file. In Google Cloud, add a key of type JSON and paste the whole downloaded file."] };
    return { ok: false, problems: ["This is not JSON. Paste the whole key file you downloaded, from the opening { to the closing }."] };
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return { ok: false, problems: ["The key file must be a JSON object, from the opening { to the closing }."] };
  const o = parsed as Record<string, unknown>;
  const problems: string[] = [];

  if (o.type !== "service_account") {
    if (o.type === "authorized_user") problems.push("This is a user credential (from gcloud auth login), not a service-account key. Create a key under IAM → Service accounts → Keys.");
    else if (o.type === "external_account") problems.push("This is a workload identity federation configuration, not a service-account key. Create a key under IAM → Service accounts → Keys.");
    else if (typeof o.type === "string") problems.push(`This key file is of type "${o.type}"; a service-account key has "type": "service_account".`);
    else problems.push('This JSON has no "type": "service_account"; paste the service-account key file as downloaded.');
  }

  const clientEmail = typeof o.client_email === "string" ? o.client_email.trim() : "";
  if (!clientEmail) problems.push('The key file has no "client_email" (the service account\'s address); download a new JSON key.');
  else if (!z.email().safeParse(clientEmail).success) problems.push(`The "client_email" in the key file (${clientEmail}) is not an email address.`);

  const privateKeyId = typeof o.private_key_id === "string" ? o.private_key_id.trim() : "";
  if (!privateKeyId) problems.push('The key file has no "private_key_id"; download a new JSON key.');

  const pk = privateKeyProblem(o.private_key);
  if ("problem" in pk) problems.push(pk.problem);

  const tokenProblem = tokenUriProblem(o.token_uri);
  if (tokenProblem) problems.push(tokenProblem);

  if (problems.length > 0 || !("key" in pk)) return { ok: false, problems };
  return {
    ok: true,
    key: {
      clientEmail,
      privateKeyId,
      privateKey: pk.key,
      tokenUri: o.token_uri as string,
      projectId: str(o.project_id),
      clientId: str(o.client_id),
    },
  };
}

export const googleServiceAccountConfigSchema = z.object({
  scopes: scopesSchema
    .min(1, "Enter at least one scope.")
    .default(DEFAULT_SCOPES)
    .meta({ label: "Scopes", help: "Space-separated OAuth scopes. cloud-platform covers most Google Cloud APIs; what the account may do is set by its IAM roles." }),
  tokenUri: serviceUrl()
    .optional()
    .meta({ label: "Token endpoint", placeholder: "https://oauth2.googleapis.com/token", help: 'Leave empty to use the key file\'s "token_uri".' }),
  testUrl: serviceUrl({ allowQuery: true })
    .default(DEFAULT_TEST_URL)
    .meta({
      label: "Test URL",
      help: "Called with the access token when you test the connection. The default (tokeninfo) needs no extra permission; any Google API GET that the account may call works too.",
    }),
});

export const googleServiceAccountCredentialsSchema = z.object({
  serviceAccountJson: z
    .string()
    .trim()
    .min(1, "Paste the service account's JSON key.")
    .max(20_000, "This is too long for a service-account key file.")
    .superRefine((json, ctx) => {
      const parsed = parseServiceAccountKey(json);
      if (!parsed.ok) for (const message of parsed.problems) ctx.addIssue({ code: "custom", message });
    })
    .meta({
      label: "Service account key (JSON)",
      secret: true,
      multiline: true,
      placeholder: '{ "type": "service_account", … }',
      help: "In Google Cloud: IAM & Admin → Service accounts → your account → Keys → Add key → Create new key → JSON. Paste the whole downloaded file.",
    }),
});

export type GoogleServiceAccountSettings = z.output<typeof googleServiceAccountConfigSchema> & z.output<typeof googleServiceAccountCredentialsSchema>;

function keyOf(s: GoogleServiceAccountSettings): ServiceAccountKey {
  const parsed = parseServiceAccountKey(s.serviceAccountJson);
  if (!parsed.ok) throw new Error(parsed.problems.join(" "));
  return parsed.key;
}

/** The token endpoint: the config override, else the key file's token_uri. */
export const serviceAccountTokenUri = (s: GoogleServiceAccountSettings, key: ServiceAccountKey) => s.tokenUri ?? key.tokenUri;

/** The JWT-bearer assertion: RS256, kid = private_key_id, iss = sub = client_email, aud = token endpoint. */
export async function signServiceAccountAssertion(s: GoogleServiceAccountSettings, now = Math.floor(Date.now() / 1000)): Promise<string> {
  const key = keyOf(s);
  return new SignJWT({ scope: splitScopes(s.scopes).join(" ") })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: key.privateKeyId })
    .setIssuer(key.clientEmail)
    .setSubject(key.clientEmail)
    .setAudience(serviceAccountTokenUri(s, key))
    .setIssuedAt(now)
    .setExpirationTime(now + ASSERTION_LIFETIME_S)
    .sign(key.privateKey);
}

/** Google's documented token errors, in plain words. */
function explainTokenError(res: EgressResponse, s: GoogleServiceAccountSettings, key: ServiceAccountKey): TestResult {
  const body = obj(jsonOrUndefined(res.text()));
  const error = str(body.error);
  const description = str(body.error_description) ?? "";
  const who = `service account ${key.clientEmail}`;
  const detail = `${error ?? `status ${res.status}`}${description ? `: ${description}` : ""}`;
  if (error === "invalid_grant") {
    if (/invalid jwt signature/i.test(description)) {
      return {
        ok: false,
        field: "serviceAccountJson",
        message: `Google rejected the key's signature: key ${key.privateKeyId} of ${who} was deleted or disabled. Create a new JSON key (IAM → Service accounts → Keys) and paste it here.`,
      };
    }
    if (/short-lived|reasonable timeframe|\biat\b|\bexp\b/i.test(description)) {
      return { ok: false, message: "Google considers the assertion expired or issued in the future: this server's clock is wrong; fix its time (NTP)." };
    }
    if (/account not found|invalid email|user id/i.test(description)) {
      return { ok: false, field: "serviceAccountJson", message: `Google does not know ${who}: it was deleted, or its project was. Create a new service account key.` };
    }
    return { ok: false, field: "serviceAccountJson", message: `Google refused the key of ${who} (${detail}).` };
  }
  if (error === "invalid_client") {
    return { ok: false, field: "serviceAccountJson", message: `Google does not accept ${who} (${detail}). It may be disabled or deleted; check it under IAM → Service accounts.` };
  }
  if (error === "unauthorized_client") {
    return {
      ok: false,
      field: "scopes",
      message: `Google will not issue ${who} a token for the scopes "${splitScopes(s.scopes).join(" ")}" (${detail}). Check the scopes; Google Workspace scopes need domain-wide delegation.`,
    };
  }
  if (error === "invalid_scope") return { ok: false, field: "scopes", message: `Google does not accept the scopes "${splitScopes(s.scopes).join(" ")}" (${detail}).` };
  if (error === "admin_policy_enforced" || error === "org_internal") {
    return { ok: false, message: `An organization policy blocks ${who} from getting tokens (${detail}).` };
  }
  const endpoint = serviceAccountTokenUri(s, key);
  if (!error) {
    return {
      ok: false,
      field: s.tokenUri ? "tokenUri" : "serviceAccountJson",
      message: `${endpoint} did not answer like Google's token endpoint (status ${res.status}${res.text() ? `: ${excerpt(res.text())}` : ""}).`,
    };
  }
  return { ok: false, message: `Google refused the token request for ${who} (${detail}).` };
}

export type ServiceAccountToken = { accessToken: string; expiresIn?: number; clientEmail: string; projectId?: string };

/**
 * JWT-bearer grant (RFC 7523) for a service account: sign the assertion with the key file's
 * private key and exchange it at the token endpoint. For runtime use as well as the test.
 */
export async function requestServiceAccountToken(
  s: GoogleServiceAccountSettings,
  ctx: EgressContext,
): Promise<{ ok: true; token: ServiceAccountToken } | { ok: false; result: TestResult }> {
  const parsed = parseServiceAccountKey(s.serviceAccountJson);
  if (!parsed.ok) return { ok: false, result: { ok: false, field: "serviceAccountJson", message: parsed.problems.join(" ") } };
  const key = parsed.key;
  let assertion: string;
  try {
    assertion = await signServiceAccountAssertion(s);
  } catch {
    return { ok: false, result: { ok: false, field: "serviceAccountJson", message: "The key file's private key could not sign the assertion; download a new JSON key." } };
  }
  const endpoint = serviceAccountTokenUri(s, key);
  let res: EgressResponse;
  try {
    res = await egressFetch(endpoint, {
      ...egressOptions(KEY, ctx),
      method: "POST",
      headers: { accept: "application/json" },
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }),
    });
  } catch (error) {
    return { ok: false, result: unreachable(error, SERVICE, s.tokenUri ? "tokenUri" : "serviceAccountJson") };
  }
  const body = obj(jsonOrUndefined(res.text()));
  const accessToken = str(body.access_token);
  if (res.status !== 200 || !accessToken) return { ok: false, result: explainTokenError(res, s, key) };
  return {
    ok: true,
    token: { accessToken, expiresIn: typeof body.expires_in === "number" ? body.expires_in : undefined, clientEmail: key.clientEmail, projectId: key.projectId },
  };
}

const isTokenInfo = (url: URL) => /\/tokeninfo\/?$/.test(url.pathname);

async function testGoogleServiceAccount(s: GoogleServiceAccountSettings, ctx: TestContext): Promise<TestResult> {
  const grant = await requestServiceAccountToken(s, ctx);
  if (!grant.ok) return grant.result;
  const { accessToken, clientEmail, projectId, expiresIn } = grant.token;
  const who = `service account ${clientEmail}${projectId ? ` (project ${projectId})` : ""}`;

  // tokeninfo takes the token as its documented access_token parameter (egress logs drop queries);
  // any other test URL gets it as a bearer token.
  const url = new URL(s.testUrl);
  const tokenInfo = isTokenInfo(url);
  if (tokenInfo) url.searchParams.set("access_token", accessToken);
  let res: EgressResponse;
  try {
    res = await egressFetch(url.href, {
      ...egressOptions(KEY, ctx),
      headers: { accept: "application/json", ...(tokenInfo ? {} : { authorization: `Bearer ${accessToken}` }) },
    });
  } catch (error) {
    return unreachable(error, SERVICE, "testUrl");
  }
  const text = excerpt(res.text(), [accessToken]);
  if (res.status === 401 || (tokenInfo && res.status === 400)) {
    return { ok: false, field: "testUrl", message: `Google issued a token for ${who}, but ${url.host} rejected it (status ${res.status}${text ? `: ${text}` : ""}).` };
  }
  if (res.status === 403) {
    return { ok: false, field: "testUrl", message: `Google issued a token for ${who}, but it may not call the test URL (403${text ? `: ${text}` : ""}). Grant the account a role that allows it, or choose another test URL.` };
  }
  if (res.status < 200 || res.status >= 300) {
    return { ok: false, field: "testUrl", message: `Google issued a token for ${who}, but the test URL answered ${res.status}${text ? `: ${text}` : ""}.` };
  }
  const info = tokenInfo ? obj(jsonOrUndefined(res.text())) : {};
  const grantedScopes = splitScopes(str(info.scope));
  return {
    ok: true,
    message: `Connected to Google Cloud as ${who}.${grantedScopes.length ? ` Scopes: ${grantedScopes.join(" ")}.` : ""}`,
    details: { clientEmail, projectId, scopes: grantedScopes.length ? grantedScopes : splitScopes(s.scopes), tokenExpiresIn: expiresIn, ms: res.ms },
  };
}

export const googleServiceAccount = defineProvider({
  key: KEY,
  name: "Google Cloud service account",
  category: "identity",
  description: "Call Google Cloud APIs as a service account, with its JSON key (OAuth 2.0 JWT-bearer grant).",
  icon: "google-service-account.svg",
  docsUrl: "https://cloud.google.com/iam/docs/service-account-creds",
  popular: false,
  authModes: ["service_account"],
  capabilities: ["api_calls"],
  configSchema: googleServiceAccountConfigSchema,
  credentialsSchema: googleServiceAccountCredentialsSchema,
  test: testGoogleServiceAccount,
});
