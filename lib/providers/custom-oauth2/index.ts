import "server-only";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch, type EgressResponse } from "@/lib/http";
import { currentAccessToken, rejectedToken } from "@/lib/providers/_shared/access-token";
import { egressOptions, excerpt, jsonOrUndefined, obj, str, unreachable } from "@/lib/providers/_shared/egress";
import { IntegrationUnavailableError } from "@/lib/settings/errors";
import { scopesSchema, serviceUrl, splitScopes } from "@/lib/providers/_shared/url";
import { customWebhookConfigFields, customWebhookCredentialFields, customWebhookScheme } from "@/lib/webhooks/custom-fields";
import { apiClient, bearer } from "@/lib/providers/_shared/api-client";

const KEY = "custom-oauth2";

// Parameters Patchbay sets itself on the authorization request; extra parameters may not override them.
const reservedParams = new Set(["response_type", "client_id", "redirect_uri", "state", "scope", "code_challenge", "code_challenge_method"]);

export const customOAuth2ConfigSchema = z.object({
  serviceName: z.string().trim().max(80).optional().meta({ label: "Service name", placeholder: "Acme CRM", help: "How messages name this service." }),
  authorizationUrl: serviceUrl({ allowQuery: true }).meta({ label: "Authorization URL", placeholder: "https://auth.example.com/oauth/authorize", help: "Where users sign in and approve access." }),
  tokenUrl: serviceUrl().meta({ label: "Token URL", placeholder: "https://auth.example.com/oauth/token" }),
  revocationUrl: serviceUrl().optional().meta({ label: "Revocation URL", help: "RFC 7009 endpoint called on disconnect. Leave empty if there is none." }),
  scopes: scopesSchema.optional().meta({ label: "Scopes", help: "Space-separated, as the service documents them." }),
  apiBaseUrl: serviceUrl()
    .optional()
    .meta({ label: "API base URL", placeholder: "https://api.example.com/v1", help: "Where the platform's API calls go (getClient). Leave empty to use the test URL's host." }),
  testUrl: serviceUrl({ allowQuery: true })
    .optional()
    .meta({ label: "Test URL", placeholder: "https://api.example.com/me", help: "Optional: a userinfo or “me” endpoint that Test calls with the access token." }),
  clientId: z.string().trim().min(1, "Enter the client ID.").max(500).meta({ label: "Client ID" }),
  usePkce: z.boolean().default(true).meta({ label: "Use PKCE", help: "Send a PKCE challenge (S256). Turn off only for servers that reject it." }),
  clientAuth: z
    .enum(["client_secret_basic", "client_secret_post", "none"])
    .default("client_secret_basic")
    .meta({ label: "Client authentication", help: "How the client secret reaches the token endpoint; none for a public client without a secret." }),
  extraAuthorizationParams: z
    .string()
    .trim()
    .max(1000)
    .refine((v) => [...new URLSearchParams(v).keys()].every((k) => k && !reservedParams.has(k)), "Use name=value pairs joined with &, without response_type, client_id, redirect_uri, state, scope or code_challenge.")
    .optional()
    .meta({ label: "Extra authorization parameters", placeholder: "access_type=offline&prompt=consent", help: "Added to the sign-in URL." }),
  ...customWebhookConfigFields,
});

export const customOAuth2CredentialsSchema = z.object({
  clientSecret: z.string().trim().max(1000).optional().meta({ label: "Client secret", secret: true, help: "Leave empty for a public client (client authentication: none)." }),
  ...customWebhookCredentialFields,
});

export type CustomOAuth2Config = z.output<typeof customOAuth2ConfigSchema>;
export type CustomOAuth2Settings = CustomOAuth2Config & z.output<typeof customOAuth2CredentialsSchema>;

const nameOf = (c: Pick<CustomOAuth2Config, "serviceName" | "authorizationUrl">) => c.serviceName || new URL(c.authorizationUrl).hostname;

/**
 * Per-connection client options. OAuthSpec's `pkce` and `clientAuth` are static, so lib/connect reads
 * these for this provider: PKCE on or off, and how (or whether) the secret is sent.
 */
export function customOAuth2ClientOptions(c: Pick<CustomOAuth2Config, "usePkce" | "clientAuth">) {
  return { pkce: c.usePkce, clientAuth: c.clientAuth };
}

/** Where getClient's requests go: the API base URL, else the test URL's origin. */
export function customOAuth2ApiBase(c: Pick<CustomOAuth2Config, "apiBaseUrl" | "testUrl" | "serviceName" | "authorizationUrl">, connectionId: string): string {
  if (c.apiBaseUrl) return c.apiBaseUrl;
  if (c.testUrl) return new URL(c.testUrl).origin;
  throw new IntegrationUnavailableError(`The ${nameOf(c)} connection has no API base URL. An admin can set it at /connections/${connectionId}.`);
}

async function testCustomOAuth2(s: CustomOAuth2Settings, ctx: TestContext): Promise<TestResult> {
  const name = nameOf(s);
  if (s.clientAuth !== "none" && !s.clientSecret) return { ok: false, field: "clientSecret", message: `Enter the client secret, or set client authentication to none for a public client.` };
  const access = await currentAccessToken(ctx, name);
  if ("result" in access) return access.result;
  if (!s.testUrl) return { ok: true, message: `Authorized: Patchbay holds a current access token for ${name}. Add a test URL to check it against the API too.` };
  let res: EgressResponse;
  try {
    res = await egressFetch(s.testUrl, { ...egressOptions(KEY, ctx), headers: { authorization: `Bearer ${access.token}`, accept: "application/json" } });
  } catch (error) {
    return unreachable(error, name, "testUrl");
  }
  const text = res.text();
  if (res.status === 401) return rejectedToken(name);
  if (res.status === 403) return { ok: false, field: "scopes", message: `${name} accepted the access token but refused ${s.testUrl} (403)${text ? `: ${excerpt(text, [access.token])}` : ""}. Check the scopes, then reconnect.` };
  if (res.status === 404) return { ok: false, field: "testUrl", message: `${s.testUrl} does not exist (404).` };
  if (res.status < 200 || res.status >= 300) return { ok: false, message: `${name} answered ${res.status} for ${s.testUrl}${text ? `: ${excerpt(text, [access.token])}` : "."}` };
  const body = obj(jsonOrUndefined(text));
  const who = str(body.email) ?? str(body.preferred_username) ?? str(body.username) ?? str(body.login) ?? str(body.name) ?? str(body.sub);
  return { ok: true, message: `Authorized${who ? ` as ${who}` : ""}: ${s.testUrl} answered ${res.status}.`, details: { status: res.status, ms: res.ms } };
}

export const customOAuth2 = defineProvider({
  key: KEY,
  name: "Custom OAuth 2.0",
  category: "custom",
  description: "Connect any service that supports the OAuth 2.0 authorization code flow by entering its endpoints.",
  icon: "custom-oauth2.svg",
  docsUrl: "https://www.rfc-editor.org/rfc/rfc6749#section-4.1",
  popular: false,
  authModes: ["oauth2_code"],
  capabilities: ["api_calls", "webhooks_in"],
  webhook: { scheme: customWebhookScheme, secretField: "webhookSecret" },
  configSchema: customOAuth2ConfigSchema,
  credentialsSchema: customOAuth2CredentialsSchema,
  oauth: {
    grant: "authorization_code",
    authorizationEndpoint: (c) => c.authorizationUrl,
    tokenEndpoint: (c) => c.tokenUrl,
    revocationEndpoint: (c) => c.revocationUrl,
    scopes: (c) => splitScopes(c.scopes),
    authorizationParams: (c) => Object.fromEntries(new URLSearchParams(c.extraAuthorizationParams ?? "")),
    pkce: (c) => c.usePkce,
    clientAuth: (c) => c.clientAuth,
  },
  test: testCustomOAuth2,
  client: (s, ctx) => ({
    request: apiClient({ providerKey: KEY, name: nameOf(s), baseUrl: customOAuth2ApiBase(s, ctx.connectionId), ctx, auth: async () => bearer(await ctx.getAccessToken()) }).request,
  }),
});
