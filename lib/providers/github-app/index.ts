import "server-only";
import { createPrivateKey, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch, isEgressError } from "@/lib/http";
import { egressOptions, jsonOrUndefined } from "@/lib/providers/_shared/egress";
import { joinUrl, serviceUrl } from "@/lib/providers/_shared/url";
import { apiClient, bearer } from "@/lib/providers/_shared/api-client";

/** Pasted keys sometimes arrive with literal "\n" (copied from an env file) or Windows line ends. */
function normalizePem(pem: string): string {
  return pem.replace(/\\n/g, "\n").replace(/\r\n?/g, "\n").trim();
}

/** The RSA private key in a PEM (PKCS#1 "RSA PRIVATE KEY" as GitHub downloads it, or PKCS#8), or a reason it is not one. */
export function parseAppPrivateKey(pem: string): { key: KeyObject } | { error: string } {
  const text = normalizePem(pem);
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(text)) {
    if (/-----BEGIN (RSA )?PUBLIC KEY-----|-----BEGIN CERTIFICATE-----/.test(text)) return { error: "This is a public key or certificate. Paste the private key (.pem) GitHub downloaded when you generated it." };
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text)) return { error: "This private key is encrypted with a passphrase. Paste the unencrypted .pem GitHub downloaded." };
    return { error: "Paste the whole .pem file, from -----BEGIN RSA PRIVATE KEY----- to -----END RSA PRIVATE KEY-----." };
  }
  try {
    const key = createPrivateKey({ key: text, format: "pem" });
    if (key.asymmetricKeyType !== "rsa") return { error: `This is an ${(key.asymmetricKeyType ?? "unknown").toUpperCase()} key; GitHub App private keys are RSA keys.` };
    return { key };
  } catch {
    return { error: "This PEM could not be read as an RSA private key: it may be truncated or altered. Paste the whole .pem file again." };
  }
}

export const githubAppConfigSchema = z.object({
  appId: z.coerce
    .number({ error: "Enter the App ID, a number shown on the app's settings page." })
    .int("The App ID is a whole number.")
    .positive("The App ID is a positive number.")
    .meta({ label: "App ID", placeholder: "123456", help: "On GitHub: Settings → Developer settings → GitHub Apps → your app → About → App ID." }),
  appSlug: z
    .string()
    .trim()
    .min(1, "Enter the app's slug.")
    .max(100)
    .regex(/^[a-z0-9][a-z0-9-]*$/, "The slug is the app's URL name: lowercase letters, digits and dashes, as in github.com/apps/<slug>.")
    .meta({ label: "App slug", placeholder: "acme-patchbay", help: "The last part of the app's public page, https://github.com/apps/<slug>. Used to build the install link." }),
  baseUrl: serviceUrl()
    .default("https://api.github.com")
    .meta({ label: "API base URL", help: "https://api.github.com for github.com. For GitHub Enterprise Server use https://<your-host>/api/v3." }),
});

export const githubAppCredentialsSchema = z.object({
  privateKey: z
    .string()
    .max(20_000, "That is too long for a GitHub App private key.")
    .transform(normalizePem)
    .pipe(
      z
        .string()
        .min(1, "Paste the app's private key.")
        .superRefine((pem, issues) => {
          const parsed = parseAppPrivateKey(pem);
          if ("error" in parsed) issues.addIssue({ code: "custom", message: parsed.error });
        }),
    )
    .meta({
      label: "Private key",
      secret: true,
      multiline: true,
      placeholder: "-----BEGIN RSA PRIVATE KEY-----\n…\n-----END RSA PRIVATE KEY-----",
      help: "The .pem file from the app's settings → Private keys → Generate a private key. Paste its whole content.",
    }),
  webhookSecret: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .optional()
    .meta({ label: "Webhook secret", secret: true, help: "The secret set in the app's Webhook section. Patchbay uses it to check X-Hub-Signature-256 on deliveries. Needed only to receive webhooks." }),
});

export type GithubAppSettings = z.output<typeof githubAppConfigSchema> & z.output<typeof githubAppCredentialsSchema>;

/**
 * An app JWT for GitHub's /app endpoints: RS256, issued 60 s in the past (clock drift), valid 9 minutes
 * (GitHub's maximum is 10), issuer the App ID. Throws when the key is not an RSA private key.
 */
export async function createAppJwt(appId: number | string, privateKeyPem: string, now: Date = new Date()): Promise<string> {
  const parsed = parseAppPrivateKey(privateKeyPem);
  if ("error" in parsed) throw new Error(parsed.error);
  const seconds = Math.floor(now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .setIssuer(String(appId))
    .setIssuedAt(seconds - 60)
    .setExpirationTime(seconds + 9 * 60)
    .sign(parsed.key);
}

/** The address an admin opens to install the app on an account or organization. */
export function githubAppInstallUrl(settings: Pick<GithubAppSettings, "appSlug" | "baseUrl">): string {
  const api = new URL(settings.baseUrl);
  // github.com and GHE.com put the API on an "api." host; GitHub Enterprise Server serves both on one host.
  const web = api.hostname === "api.github.com" ? "https://github.com" : /^api\..+\.ghe\.com$/.test(api.hostname) ? `https://${api.hostname.slice(4)}` : api.origin;
  return `${web}/apps/${encodeURIComponent(settings.appSlug)}/installations/new`;
}

type AppResponse = { id?: number; slug?: string; name?: string; owner?: { login?: string } | null; html_url?: string; installations_count?: number; permissions?: Record<string, string>; events?: string[] };
type GithubError = { message?: string; documentation_url?: string };

function transportFailure(e: unknown): TestResult {
  if (isEgressError(e)) return { ok: false, message: e.message, ...(e.kind === "blocked" || e.kind === "bad_url" ? { field: "baseUrl" } : {}) };
  return { ok: false, message: `The GitHub check could not run: ${e instanceof Error ? e.message : String(e)}` };
}

export async function testGithubApp(settings: GithubAppSettings, ctx: TestContext): Promise<TestResult> {
  let jwt: string;
  try {
    jwt = await createAppJwt(settings.appId, settings.privateKey);
  } catch (e) {
    return { ok: false, field: "privateKey", message: (e as Error).message };
  }
  let res;
  try {
    res = await egressFetch(joinUrl(settings.baseUrl, "/app"), {
      headers: { authorization: `Bearer ${jwt}`, accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" },
      ...egressOptions("github-app", ctx),
    });
  } catch (e) {
    return transportFailure(e);
  }
  const body = jsonOrUndefined(res.text()) as (AppResponse & GithubError) | undefined;
  const said = body?.message ? ` GitHub said: "${body.message.slice(0, 200)}"` : "";
  if (res.status === 401) {
    if (body?.message && /\b(exp|iat)\b|expiration|issued at/i.test(body.message)) {
      return { ok: false, message: `GitHub rejected the app JWT because of its timestamps: this server's clock is probably wrong. Fix the clock (NTP) and test again.${said}` };
    }
    return { ok: false, field: "privateKey", message: `GitHub rejected the app JWT: check the App ID and private key (the key must belong to app ${settings.appId}).${said}` };
  }
  if (res.status === 404) return { ok: false, field: "appId", message: `GitHub found no app for this JWT: check the App ID.${said}` };
  if (res.status === 403 || res.status === 429) {
    const reset = res.headers.get("x-ratelimit-reset");
    if (res.headers.get("x-ratelimit-remaining") === "0" || res.status === 429) {
      return { ok: false, message: `GitHub is rate-limiting this app${reset ? ` until ${new Date(Number(reset) * 1000).toISOString()}` : ""}. Try again later.${said}` };
    }
    return { ok: false, field: "privateKey", message: `GitHub refused the request (HTTP 403).${said}` };
  }
  if (res.status >= 500) return { ok: false, message: `GitHub answered with HTTP ${res.status}. It may be having an outage; try again in a few minutes.` };
  if (res.status !== 200 || !body || typeof body.id !== "number") {
    return { ok: false, field: "baseUrl", message: `The answer from ${settings.baseUrl} (HTTP ${res.status}) is not a GitHub API response. Check the API base URL.${said}` };
  }
  if (body.id !== settings.appId) {
    return { ok: false, field: "appId", message: `This private key belongs to app ${body.id}${body.name ? ` ("${body.name}")` : ""}, not ${settings.appId}. Use that App ID or the other app's key.` };
  }
  if (body.slug && body.slug !== settings.appSlug) {
    return { ok: false, field: "appSlug", message: `GitHub says this app's slug is "${body.slug}", not "${settings.appSlug}". Use "${body.slug}" so the install link works.` };
  }
  const owner = body.owner?.login ? ` owned by ${body.owner.login}` : "";
  const installs = typeof body.installations_count === "number" ? `, installed on ${body.installations_count} account${body.installations_count === 1 ? "" : "s"}` : "";
  return {
    ok: true,
    message: `Signed in as the GitHub App "${body.name ?? body.slug ?? settings.appSlug}"${owner}${installs}.`,
    details: { id: body.id, slug: body.slug, name: body.name, owner: body.owner?.login, htmlUrl: body.html_url, installationsCount: body.installations_count, permissions: body.permissions, events: body.events },
  };
}

export const githubApp = defineProvider({
  key: "github-app",
  name: "GitHub App",
  category: "source-control",
  description: "Act on repositories and organizations as your own GitHub App (github.com or GitHub Enterprise Server), with fine-grained permissions and signed webhooks.",
  icon: "github-app.svg",
  docsUrl: "https://docs.github.com/en/rest/apps/apps",
  popular: true,
  authModes: ["github_app"],
  capabilities: ["api_calls", "webhooks_in"],
  webhook: { scheme: "github", secretField: "webhookSecret" },
  configSchema: githubAppConfigSchema,
  credentialsSchema: githubAppCredentialsSchema,
  test: testGithubApp,
  // Calls act as the installation: its token is minted with the app JWT and cached by lib/connect.
  client: (s, ctx) => ({
    request: apiClient({
      providerKey: "github-app",
      name: "GitHub",
      baseUrl: s.baseUrl,
      ctx,
      headers: { accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" },
      auth: async () => bearer(await ctx.getAccessToken()),
    }).request,
  }),
});
