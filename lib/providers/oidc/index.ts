import "server-only";
import * as oauth from "oauth4webapi";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { AppError, isAppError } from "@/lib/errors";
import { isEgressError } from "@/lib/http/errors";
import type { EgressContext } from "@/lib/providers/_shared/egress";
import { classifyOAuthError } from "@/lib/providers/_shared/oauth-errors";
import { oauthHttpOptions } from "@/lib/providers/_shared/oauth-fetch";
import { scopesSchema, serviceUrl, splitScopes } from "@/lib/providers/_shared/url";

const KEY = "oidc";
const fromDiscovery = "Filled from discovery when empty.";

export const oidcConfigSchema = z.object({
  issuer: serviceUrl().meta({
    label: "Issuer",
    placeholder: "https://login.example.com/realms/acme",
    help: "The provider's issuer identifier, exactly as its discovery document states it (trailing slash included or not).",
  }),
  clientId: z.string().trim().min(1, "Enter the client ID.").max(500).meta({ label: "Client ID" }),
  scopes: scopesSchema
    .default("openid email profile")
    .refine((v) => splitScopes(v).includes("openid"), "The scopes must include openid.")
    .meta({ label: "Scopes", help: "Space-separated; openid is required." }),
  clientAuth: z
    .enum(["client_secret_basic", "client_secret_post"])
    .default("client_secret_basic")
    .meta({ label: "Client authentication", help: "How the client secret is sent to the token endpoint; client_secret_basic is the OpenID Connect default." }),
  authorizationEndpoint: serviceUrl({ allowQuery: true }).optional().meta({ label: "Authorization endpoint", help: fromDiscovery }),
  tokenEndpoint: serviceUrl().optional().meta({ label: "Token endpoint", help: fromDiscovery }),
  revocationEndpoint: serviceUrl().optional().meta({ label: "Revocation endpoint", help: `${fromDiscovery} Leave empty if the provider has none.` }),
  ssoEnabled: z
    .boolean()
    .default(false)
    .meta({ label: "Use for sign-in (SSO)", help: "Show “Sign in with …” on the sign-in page; members are matched by verified email. Needs the redirect URI /api/auth/callback/sso-<connection id> at the provider." }),
  ssoAllowSignup: z
    .boolean()
    .default(false)
    .meta({ label: "Add unknown users as members", help: "With SSO on: someone the provider vouches for who is not a member yet joins this organization as a member." }),
  ssoButtonLabel: z.string().trim().max(80).optional().meta({ label: "Sign-in button label", placeholder: "Acme SSO", help: "Shown as “Sign in with <label>”; the connection name when empty." }),
});

export const oidcCredentialsSchema = z.object({
  clientSecret: z.string().trim().min(1, "Enter the client secret.").max(1000).meta({ label: "Client secret", secret: true }),
});

export type OidcConfig = z.output<typeof oidcConfigSchema>;
export type OidcSettings = OidcConfig & z.output<typeof oidcCredentialsSchema>;

/** Why a discovery document was refused, in plain words (EgressErrors pass through unchanged). */
function discoveryFailure(error: unknown, wellKnown: string): unknown {
  if (isEgressError(error) || isAppError(error)) return error;
  const f = classifyOAuthError(error);
  if (f.kind === "transport") return f.error;
  if (f.kind === "oauth") return new AppError("upstream_error", `${wellKnown} answered ${f.status} (${f.error}) instead of a discovery document.`);
  if (f.status && f.status !== 200) return new AppError("upstream_error", `No discovery document at ${wellKnown} (status ${f.status}). Check the issuer.`);
  return new AppError("upstream_error", `${wellKnown} is not a valid OpenID Connect discovery document (${f.message}).`);
}

/**
 * OpenID Connect Discovery through egress. The document's `issuer` must equal the configured issuer
 * exactly (OpenID Connect Discovery §4.3; ID tokens are checked against the same string), which is
 * stricter than oauth4webapi's URL-normalised comparison. Throws AppError/EgressError with plain messages.
 */
export async function discover(issuer: string, ctx: EgressContext): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer);
  const wellKnown = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  let as: oauth.AuthorizationServer;
  try {
    const response = await oauth.discoveryRequest(url, { ...oauthHttpOptions(KEY, ctx, url), algorithm: "oidc" });
    as = await oauth.processDiscoveryResponse(url, response);
  } catch (error) {
    const cause = (error as { cause?: { attribute?: unknown; body?: { issuer?: unknown } } }).cause;
    if (error instanceof oauth.OperationProcessingError && cause?.attribute === "issuer") throw issuerMismatch(String(cause.body?.issuer), issuer, wellKnown);
    throw discoveryFailure(error, wellKnown);
  }
  if (as.issuer !== issuer) throw issuerMismatch(as.issuer, issuer, wellKnown);
  return as;
}

function issuerMismatch(found: string, configured: string, wellKnown: string): AppError {
  const loose = (v: string) => v.replace(/\/+$/, "").toLowerCase();
  return loose(found) === loose(configured)
    ? new AppError("bad_request", `The provider identifies itself as ${found}; enter the issuer exactly like that (it differs from ${configured}).`)
    : new AppError("bad_request", `The discovery document at ${wellKnown} belongs to issuer ${found}, not ${configured}.`);
}

/**
 * The config with every empty endpoint filled from discovery. lib/connect calls this before using the
 * OAuth spec (whose endpoint functions are synchronous and read the config only).
 */
export async function withDiscoveredEndpoints(
  config: OidcConfig,
  ctx: EgressContext,
): Promise<OidcConfig & { userinfoEndpoint?: string; jwksUri?: string; authorizationResponseIssParameterSupported: boolean }> {
  const as = await discover(config.issuer, ctx);
  return {
    ...config,
    authorizationEndpoint: config.authorizationEndpoint ?? as.authorization_endpoint,
    tokenEndpoint: config.tokenEndpoint ?? as.token_endpoint,
    revocationEndpoint: config.revocationEndpoint ?? as.revocation_endpoint,
    userinfoEndpoint: as.userinfo_endpoint,
    jwksUri: as.jwks_uri,
    // RFC 9207: only a server that says it sends `iss` in the authorization response may be required to.
    authorizationResponseIssParameterSupported: as.authorization_response_iss_parameter_supported === true,
  };
}

function required(value: string | undefined, what: string): string {
  if (!value) throw new AppError("bad_request", `The OpenID provider's ${what} is not known yet: it comes from discovery (run the connection test), or enter it.`);
  return value;
}

async function testOidc(s: OidcSettings, ctx: TestContext): Promise<TestResult> {
  let as: oauth.AuthorizationServer;
  try {
    as = await discover(s.issuer, ctx);
  } catch (error) {
    const message = isAppError(error) ? error.message : error instanceof Error ? error.message : String(error);
    if (error instanceof Error && error.name === "AbortError") return { ok: false, message: "The test was cancelled." };
    return { ok: false, field: "issuer", message: isEgressError(error) ? `Could not reach the OpenID provider: ${message}` : message };
  }
  const authorization = s.authorizationEndpoint ?? as.authorization_endpoint;
  const token = s.tokenEndpoint ?? as.token_endpoint;
  if (!authorization) return { ok: false, field: "authorizationEndpoint", message: "The discovery document lists no authorization endpoint; enter it." };
  if (!token) return { ok: false, field: "tokenEndpoint", message: "The discovery document lists no token endpoint; enter it." };
  if (as.response_types_supported && !as.response_types_supported.includes("code")) {
    return { ok: false, field: "issuer", message: "This provider does not support the authorization code flow (response type code)." };
  }
  const methods = as.token_endpoint_auth_methods_supported ?? ["client_secret_basic"];
  if (!methods.includes(s.clientAuth)) {
    return { ok: false, field: "clientAuth", message: `This provider accepts ${methods.join(", ")} at its token endpoint, not ${s.clientAuth}.` };
  }
  const notes: string[] = [];
  if (!as.code_challenge_methods_supported?.includes("S256")) notes.push("it does not advertise PKCE (S256); Patchbay sends it anyway");
  const unknownScopes = as.scopes_supported ? splitScopes(s.scopes).filter((x) => !as.scopes_supported!.includes(x)) : [];
  if (unknownScopes.length) notes.push(`it does not list the scope${unknownScopes.length > 1 ? "s" : ""} ${unknownScopes.join(", ")}`);
  return {
    ok: true,
    message: `Found the OpenID provider ${as.issuer}: authorization ${authorization}, token ${token}${as.userinfo_endpoint ? `, userinfo ${as.userinfo_endpoint}` : ""}.${notes.length ? ` Note: ${notes.join("; ")}.` : ""}`,
    details: {
      issuer: as.issuer,
      authorizationEndpoint: authorization,
      tokenEndpoint: token,
      revocationEndpoint: s.revocationEndpoint ?? as.revocation_endpoint,
      userinfoEndpoint: as.userinfo_endpoint,
      jwksUri: as.jwks_uri,
      endSessionEndpoint: as.end_session_endpoint,
      pkce: as.code_challenge_methods_supported?.includes("S256") ?? false,
      authorizationResponseIssParameterSupported: as.authorization_response_iss_parameter_supported === true,
    },
  };
}

export const oidc = defineProvider({
  key: KEY,
  name: "OpenID Connect",
  category: "identity",
  description: "Sign in with any OpenID Connect provider (Okta, Entra ID, Auth0, Keycloak, Google Workspace…), configured from its discovery document.",
  icon: "oidc.svg",
  docsUrl: "https://openid.net/specs/openid-connect-discovery-1_0.html",
  popular: false,
  authModes: ["oauth2_code"],
  capabilities: ["sso"],
  configSchema: oidcConfigSchema,
  credentialsSchema: oidcCredentialsSchema,
  oauth: {
    grant: "authorization_code",
    authorizationEndpoint: (c) => required(c.authorizationEndpoint, "authorization endpoint"),
    tokenEndpoint: (c) => required(c.tokenEndpoint, "token endpoint"),
    revocationEndpoint: (c) => c.revocationEndpoint,
    issuer: (c) => c.issuer,
    scopes: (c) => splitScopes(c.scopes),
    pkce: true,
    clientAuth: (c) => c.clientAuth,
    issParameterSupported: (c) => Boolean((c as { authorizationResponseIssParameterSupported?: boolean }).authorizationResponseIssParameterSupported),
    prepare: (c, ctx) => withDiscoveredEndpoints(c, ctx),
  },
  test: testOidc,
});

/** The OAuth client authentication this connection uses (the spec's static clientAuth cannot depend on config). */
export const oidcClientAuth = (c: Pick<OidcConfig, "clientAuth">) => c.clientAuth;
