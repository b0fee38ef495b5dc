import { z } from "zod";

declare module "zod" {
  interface GlobalMeta {
    /** Form label. Every provider field has one. */
    label?: string;
    /** Help text under the field. */
    help?: string;
    placeholder?: string;
    /** Sealed in the lockbox, masked in the UI, never logged. Only credential fields may be secret. */
    secret?: boolean;
    /** Render as a multi-line text area (PEM keys, JSON). */
    multiline?: boolean;
  }
}

export const categories = ["email", "chat", "source-control", "crm", "payments", "messaging", "monitoring", "storage", "identity", "e-signature", "ticketing", "webhooks", "custom"] as const;
export type Category = (typeof categories)[number];
export const authModes = ["none", "api_key", "basic", "oauth2_code", "oauth2_client_credentials", "github_app", "service_account", "jwt_bearer"] as const;
export type AuthMode = (typeof authModes)[number];
export const capabilities = ["send_email", "send_message", "webhooks_in", "webhooks_out", "sync", "sso", "api_calls", "storage"] as const;
export type Capability = (typeof capabilities)[number];

export type TestResult = { ok: true; message: string; details?: Record<string, unknown> } | { ok: false; message: string; field?: string; reauth?: boolean };
export type TestContext = {
  connectionId: string | null;
  orgId: string | null;
  signal: AbortSignal;
  /** Private hosts/CIDRs an owner allowed for egress (Settings → Network); pass to egressFetch's allowPrivate. */
  allowPrivate: readonly string[];
  /**
   * For OAuth providers: a current access token for this connection (refreshed ahead of expiry by
   * lib/connect). Throws an AppError with a clear message when the connection was never authorized.
   */
  getAccessToken?: () => Promise<string>;
};

/**
 * OAuth metadata. Client id lives in config as `clientId`, the client secret in credentials as
 * `clientSecret`; tokens are managed by lib/connect and sealed as their own fields.
 */
export type OAuthSpec<Config> = {
  grant: "authorization_code" | "client_credentials";
  authorizationEndpoint?: (config: Config) => string;
  tokenEndpoint: (config: Config) => string;
  revocationEndpoint?: (config: Config) => string | undefined;
  /** Issuer identifier, for the RFC 9207 `iss` check where the server sends it. */
  issuer?: (config: Config) => string | undefined;
  scopes: (config: Config) => string[];
  /** Extra parameters for the authorization request (e.g. `access_type=offline`). */
  authorizationParams?: (config: Config) => Record<string, string>;
  /** How the client secret reaches the token endpoint; may depend on the connection's config. */
  clientAuth?: OAuthClientAuth | ((config: Config) => OAuthClientAuth);
  /** PKCE S256 (default true); may depend on the connection's config. */
  pkce?: boolean | ((config: Config) => boolean);
  /** Whether the server sends `iss` in authorization responses (RFC 9207); then it must match. */
  issParameterSupported?: (config: Config) => boolean;
  /** Fill in what the config leaves to discovery (e.g. OIDC endpoints) before any OAuth call. */
  prepare?: (config: Config, ctx: { connectionId: string | null; orgId: string | null; signal: AbortSignal; allowPrivate: readonly string[] }) => Promise<Config>;
};
export type OAuthClientAuth = "client_secret_post" | "client_secret_basic" | "none";

/** What a provider's `client` factory gets besides the settings; built by lib/runtime/clients. */
export type ClientContext = {
  connectionId: string;
  /** The organization the client acts for (a platform-wide connection serves many). */
  orgId: string;
  /** Private hosts/CIDRs the connection's owner allowed for egress (Settings → Network). */
  allowPrivate: readonly string[];
  /**
   * The connection's current access token: OAuth (refreshed ahead of expiry by lib/connect) or a
   * GitHub App installation token. Throws an AppError naming the page to fix it when there is none.
   */
  getAccessToken: () => Promise<string>;
};

type AnyObject = z.ZodObject<z.ZodRawShape>;

/** How inbound webhooks are signed; each scheme has a verifier in lib/webhooks/verify. */
export const webhookSchemes = ["github", "slack", "stripe", "pagerduty", "standard", "twilio", "hmac"] as const;
export type WebhookScheme = (typeof webhookSchemes)[number];

/** A generic HMAC scheme's parameters, read from a connection's config. */
export type GenericHmacConfig = {
  header: string;
  algorithm: "sha1" | "sha256" | "sha512";
  encoding: "hex" | "base64";
  prefix: string;
  timestampHeader?: string;
  /** The header carrying the sender's delivery id (deduplication); else the payload's id, else a body hash. */
  idHeader?: string;
};

/** Inbound webhooks (POST /api/webhooks/{connectionId}): how they are verified. */
export type WebhookSpec<Config, Creds> = {
  /** The credential field holding the signing secret. No value stored → every delivery is refused (401). */
  secretField: keyof Creds & string;
  /**
   * The scheme: fixed, or chosen by the connection's config (custom providers), with the generic
   * HMAC scheme's parameters. null: this connection is not set up to receive webhooks.
   */
  scheme: WebhookScheme | ((config: Config) => { scheme: WebhookScheme; hmac?: GenericHmacConfig } | null);
};

export type ProviderDefinition<C extends AnyObject = AnyObject, S extends AnyObject = AnyObject, Client = unknown> = {
  key: string;
  name: string;
  category: Category;
  description: string;
  /** File name under public/providers/, e.g. "smtp.svg". */
  icon: string;
  docsUrl: string;
  popular: boolean;
  authModes: readonly AuthMode[];
  capabilities: readonly Capability[];
  configSchema: C;
  credentialsSchema: S;
  /** Calls the provider's documented endpoint with these settings; never throws for provider errors. */
  test?: (settings: z.output<C> & z.output<S>, ctx: TestContext) => Promise<TestResult>;
  oauth?: OAuthSpec<z.output<C>>;
  /**
   * A ready client for the platform's own code (lib/runtime getClient): its calls go through
   * egressFetch with the connection's auth, allowlist, breaker and log tags. Cheap: no I/O here.
   */
  client?: (settings: z.output<C> & z.output<S>, ctx: ClientContext) => Client;
  webhook?: WebhookSpec<z.output<C>, z.output<S>>;
};

export type SettingsOf<P> = P extends ProviderDefinition<infer C, infer S> ? z.output<C> & z.output<S> : never;
/** The type a provider's `client` factory returns; never when it has none. */
export type FactoryClientOf<P> = P extends { client?: (...args: never[]) => infer Client } ? Client : never;

export class ProviderDefinitionError extends Error {
  override name = "ProviderDefinitionError";
}

/**
 * Declare a provider. The definition is checked here, at load: a bad definition fails the start,
 * not an admin's form. The zod schemas drive the connection form, validation, masking and the
 * type that getSettings returns.
 */
export function defineProvider<const C extends AnyObject, const S extends AnyObject, Client = never>(def: ProviderDefinition<C, S, Client>): ProviderDefinition<C, S, Client> {
  const fail = (msg: string): never => {
    throw new ProviderDefinitionError(`Provider "${def.key}": ${msg}`);
  };
  if (!/^[a-z][a-z0-9-]{1,40}$/.test(def.key)) fail("key must be a lowercase slug");
  if (!def.name.trim()) fail("name is required");
  if (!categories.includes(def.category)) fail(`unknown category ${def.category}`);
  if (def.authModes.length === 0) fail("at least one auth mode is required");
  const configFields = Object.keys(def.configSchema.shape);
  for (const [name, schema] of Object.entries(def.configSchema.shape)) {
    const meta = (schema as z.ZodType).meta();
    if (!meta?.label) fail(`config field "${name}" has no label`);
    if (meta?.secret) fail(`config field "${name}" is marked secret; secrets belong in credentialsSchema`);
  }
  for (const [name, schema] of Object.entries(def.credentialsSchema.shape)) {
    const meta = (schema as z.ZodType).meta();
    if (!meta?.label) fail(`credential field "${name}" has no label`);
    if (configFields.includes(name)) fail(`field "${name}" is in both schemas`);
  }
  if (def.webhook) {
    if (typeof def.webhook.scheme === "string" && !webhookSchemes.includes(def.webhook.scheme)) fail(`unknown webhook scheme ${def.webhook.scheme}`);
    const secret = (def.credentialsSchema.shape as Record<string, z.ZodType>)[def.webhook.secretField];
    if (!secret?.meta()?.secret) fail(`webhook secret field "${def.webhook.secretField}" must be a secret credential field`);
    if (def.webhook.scheme === "hmac") fail("the hmac webhook scheme needs its options: make scheme a function of the config");
  }
  return def;
}
