import "server-only";
import { markDisconnected } from "@/lib/health/transition";
import { emitTokenRefresh } from "@/lib/connect/events";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import * as oauth from "oauth4webapi";
import { getDb } from "@/db/client";
import { getVisibleConnection, listSecretRows, updateConnectionRow, upsertSecret, type ConnectionRow } from "@/db/queries/integrations";
import { consumeOAuthState, getOAuthState, insertOAuthState, releaseLease, tryAcquireLease } from "@/db/queries/oauth";
import { getMembership } from "@/db/queries/memberships";
import { recordAudit, type AuditActor } from "@/lib/audit";
import { can } from "@/lib/auth/roles";
import type { OAuthSpec, ProviderDefinition } from "@/lib/catalog/define-provider";
import { getProvider } from "@/lib/catalog/registry";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { openSecret, sealSecret } from "@/lib/lockbox";
import { loadConnectionSettings } from "@/lib/settings";
import { IntegrationUnavailableError } from "@/lib/settings/errors";
import { invalidateLocally, notifySettingsChanged } from "@/lib/settings/invalidation";
import { oauthHttpOptions } from "@/lib/providers/_shared/oauth-fetch";
import { allowlistEntriesFor } from "@/db/queries/network";

export const CALLBACK_PATH = "/api/oauth/callback";
export const STATE_TTL_MS = 10 * 60_000;
export const REFRESH_AHEAD_MS = 5 * 60_000;
export const ACCESS_TOKEN_FIELD = "oauth_access_token";
export const REFRESH_TOKEN_FIELD = "oauth_refresh_token";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
export const browserCookieName = (state: string) => `pb_oauth_${sha256(state).slice(0, 16)}`;

type Settings = Record<string, unknown> & { clientId?: string; clientSecret?: string };

function oauthSpecOf(provider: ProviderDefinition): OAuthSpec<Record<string, unknown>> {
  if (!provider.oauth) throw new AppError("bad_request", `${provider.name} does not use OAuth.`);
  return provider.oauth as OAuthSpec<Record<string, unknown>>;
}

function authorizationServer(spec: OAuthSpec<Record<string, unknown>>, config: Settings): oauth.AuthorizationServer {
  const token = spec.tokenEndpoint(config);
  return {
    issuer: spec.issuer?.(config) ?? new URL(token).origin,
    authorization_endpoint: spec.authorizationEndpoint?.(config),
    token_endpoint: token,
    revocation_endpoint: spec.revocationEndpoint?.(config),
    // RFC 9207: when the server says it sends `iss`, a response without the right one is refused.
    authorization_response_iss_parameter_supported: spec.issParameterSupported?.(config) ?? false,
  };
}

function clientAuthOf(spec: OAuthSpec<Record<string, unknown>>, settings: Settings): oauth.ClientAuth {
  const mode = typeof spec.clientAuth === "function" ? spec.clientAuth(settings) : (spec.clientAuth ?? "client_secret_post");
  if (mode === "none" || !settings.clientSecret) return oauth.None();
  return mode === "client_secret_basic" ? oauth.ClientSecretBasic(settings.clientSecret) : oauth.ClientSecretPost(settings.clientSecret);
}

const usesPkce = (spec: OAuthSpec<Record<string, unknown>>, config: Settings) => (typeof spec.pkce === "function" ? spec.pkce(config) : spec.pkce !== false);

/** Everything an OAuth call needs for one connection: its prepared config (discovery), server, client and HTTP options. */
async function oauthContext(provider: ProviderDefinition, row: Pick<ConnectionRow, "id" | "orgId">, orgId: string) {
  const spec = oauthSpecOf(provider);
  const { settings } = await loadConnectionSettings(row.id, orgId);
  const ctx = { connectionId: row.id, orgId: row.orgId, signal: AbortSignal.timeout(60_000), allowPrivate: await allowlistEntriesFor(row.orgId) };
  const config = (spec.prepare ? await spec.prepare(settings, ctx) : settings) as Settings;
  const as = authorizationServer(spec, config);
  const client: oauth.Client = { client_id: String(config.clientId ?? "") };
  return { spec, config, as, client, auth: clientAuthOf(spec, config), pkce: usesPkce(spec, config), http: (url: string) => oauthHttpOptions(provider.key, ctx, url) };
}

export class OAuthFlowError extends AppError {
  override name = "OAuthFlowError";
  constructor(
    readonly reason: "invalid_state" | "expired" | "replayed" | "other_browser" | "wrong_user" | "provider_error" | "token_error",
    message: string,
    readonly connectionId?: string,
  ) {
    super("bad_request", message);
  }
}

/** Step 1: a one-time state bound to this browser, a sealed PKCE verifier, and the provider's authorization URL. */
export async function startAuthorization(input: { orgId: string; actor: AuditActor & { id: string }; connectionId: string; origin: string; ip: string | null }) {
  const row = await getVisibleConnection(input.orgId, input.connectionId);
  if (!row) throw new AppError("not_found", "That connection does not exist.");
  const provider = getProvider(row.providerKey);
  if (!provider) throw new AppError("not_found", `Unknown provider ${row.providerKey}.`);
  const { spec, config, pkce } = await oauthContext(provider, row, input.orgId);
  if (spec.grant !== "authorization_code" || !spec.authorizationEndpoint) throw new AppError("bad_request", `${provider.name} does not use a browser sign-in.`);
  if (!config.clientId) throw new AppError("bad_request", "Set the client ID first.");
  const state = oauth.generateRandomState();
  const verifier = oauth.generateRandomCodeVerifier();
  const browserNonce = randomBytes(24).toString("base64url");
  const redirectUri = `${input.origin}${CALLBACK_PATH}`;
  await getDb().transaction(async (tx) => {
    const sealed = await sealSecret(tx, { orgId: row.orgId, integrationId: row.id, field: "oauth_code_verifier" }, verifier);
    await insertOAuthState(
      {
        stateHash: sha256(state),
        browserHash: sha256(browserNonce),
        orgId: input.orgId,
        integrationId: row.id,
        userId: input.actor.id,
        providerKey: provider.key,
        codeVerifier: sealed.ciphertext,
        dekVersion: sealed.dekVersion,
        redirectUri,
        expiresAt: new Date(Date.now() + STATE_TTL_MS),
      },
      tx,
    );
    await updateConnectionRow(row.id, { status: row.status === "active" ? "active" : "configuring" }, tx);
    await recordAudit(tx, { orgId: input.orgId, actor: input.actor, action: "connection.authorization_started", target: { type: "connection", id: row.id }, metadata: { provider: provider.key }, ip: input.ip });
  });
  const url = new URL(spec.authorizationEndpoint(config));
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", config.clientId);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("state", state);
  const scopes = spec.scopes(config);
  if (scopes.length) url.searchParams.set("scope", scopes.join(" "));
  if (pkce) {
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set("code_challenge_method", "S256");
  }
  for (const [k, v] of Object.entries(spec.authorizationParams?.(config) ?? {})) url.searchParams.set(k, v);
  return { url: url.toString(), cookie: { name: browserCookieName(state), value: browserNonce, maxAge: STATE_TTL_MS / 1000 } };
}

async function storeTokens(row: Pick<ConnectionRow, "id" | "orgId" | "providerKey" | "config">, tokens: oauth.TokenEndpointResponse, actorId: string | null, keepRefresh: boolean) {
  const expiresAt = typeof tokens.expires_in === "number" ? new Date(Date.now() + tokens.expires_in * 1000) : null;
  await getDb().transaction(async (tx) => {
    const access = await sealSecret(tx, { orgId: row.orgId, integrationId: row.id, field: ACCESS_TOKEN_FIELD }, tokens.access_token);
    await upsertSecret({ integrationId: row.id, field: ACCESS_TOKEN_FIELD, scope: access.scope, ciphertext: access.ciphertext, dekVersion: access.dekVersion, updatedBy: actorId, expiresAt }, tx);
    // A refresh response without a new refresh token keeps the old one (RFC 6749 §6).
    if (tokens.refresh_token || !keepRefresh) {
      if (tokens.refresh_token) {
        const refresh = await sealSecret(tx, { orgId: row.orgId, integrationId: row.id, field: REFRESH_TOKEN_FIELD }, tokens.refresh_token);
        await upsertSecret({ integrationId: row.id, field: REFRESH_TOKEN_FIELD, scope: refresh.scope, ciphertext: refresh.ciphertext, dekVersion: refresh.dekVersion, updatedBy: actorId }, tx);
      }
    }
    const info = { scope: tokens.scope ?? null, tokenType: tokens.token_type, obtainedAt: new Date().toISOString(), expiresAt: expiresAt?.toISOString() ?? null, ...(typeof tokens.instance_url === "string" ? { instanceUrl: tokens.instance_url } : {}) };
    // Salesforce and similar return the API base for this account with the token.
    const instanceUrl = typeof tokens.instance_url === "string" ? { instanceUrl: tokens.instance_url } : {};
    await updateConnectionRow(row.id, { status: "active", lastError: null, config: { ...row.config, ...instanceUrl, oauthToken: info } }, tx);
    await notifySettingsChanged(tx, { providerKey: row.providerKey, orgId: row.orgId, connectionId: row.id });
  });
  invalidateLocally({ providerKey: row.providerKey, orgId: row.orgId, connectionId: row.id });
}

/**
 * Step 2, the callback. Checks, in order and before any token call: the state exists, is not
 * expired, was started in this browser by this user, and is used for the first time. Then the
 * authorization response (error, iss) and the code exchange with the PKCE verifier.
 */
export async function completeAuthorization(input: { url: URL; readCookie: (name: string) => string | undefined; userId: string | null; ip: string | null }): Promise<{ connectionId: string }> {
  const state = input.url.searchParams.get("state");
  if (!state || state.length > 200) throw new OAuthFlowError("invalid_state", "This sign-in response carries no valid state. Start the connection again.");
  const row = await getOAuthState(sha256(state));
  if (!row) throw new OAuthFlowError("invalid_state", "This sign-in response does not match any connection attempt. Start the connection again.");
  const cid = row.integrationId;
  if (row.usedAt) throw new OAuthFlowError("replayed", "This sign-in response was already used. Start the connection again.", cid);
  if (row.expiresAt <= new Date()) throw new OAuthFlowError("expired", "This sign-in attempt expired (after 10 minutes). Start the connection again.", cid);
  const nonce = input.readCookie(browserCookieName(state));
  if (!nonce || sha256(nonce) !== row.browserHash) throw new OAuthFlowError("other_browser", "This sign-in was started in another browser or its cookie is missing. Start the connection again here.", cid);
  if (!input.userId || input.userId !== row.userId) throw new OAuthFlowError("wrong_user", "This sign-in was started by another user. Start the connection again.", cid);
  const membership = await getMembership(row.orgId, input.userId);
  if (!membership || !can(membership.role, "connections.manage")) throw new OAuthFlowError("wrong_user", "You can no longer manage connections of this organization.", cid);
  if (!(await consumeOAuthState(row.stateHash))) throw new OAuthFlowError("replayed", "This sign-in response was already used. Start the connection again.", cid);

  const connection = await getVisibleConnection(row.orgId, row.integrationId);
  const provider = connection ? getProvider(connection.providerKey) : undefined;
  if (!connection || !provider) throw new OAuthFlowError("invalid_state", "The connection was deleted meanwhile.");
  const { as, client, auth, pkce, http } = await oauthContext(provider, connection, row.orgId);

  const providerError = input.url.searchParams.get("error");
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(as, client, input.url, state);
  } catch (e) {
    const description = input.url.searchParams.get("error_description");
    const message =
      providerError === "access_denied"
        ? `${provider.name} sign-in was cancelled or denied${description ? `: ${description}` : ""}.`
        : providerError
          ? `${provider.name} returned an error: ${providerError}${description ? ` (${description})` : ""}.`
          : `${provider.name}'s response failed validation: ${(e as Error).message}.`;
    await markError(connection, message);
    throw new OAuthFlowError("provider_error", message, connection.id);
  }
  const verifier = await openSecret({ orgId: connection.orgId, integrationId: connection.id, field: "oauth_code_verifier", ciphertext: row.codeVerifier });
  try {
    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, row.redirectUri, pkce ? verifier : oauth.nopkce, http(as.token_endpoint!));
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { requireIdToken: false });
    await storeTokens(connection, tokens, input.userId, false);
  } catch (e) {
    const message = `${provider.name} refused the code exchange: ${describeOAuthError(e)}`;
    await markError(connection, message);
    throw new OAuthFlowError("token_error", message, connection.id);
  }
  await getDb().transaction((tx) =>
    recordAudit(tx, { orgId: row.orgId, actor: { id: input.userId, email: null }, action: "connection.authorized", target: { type: "connection", id: connection.id }, metadata: { provider: provider.key }, ip: input.ip }),
  );
  return { connectionId: connection.id };
}

function describeOAuthError(e: unknown): string {
  if (e instanceof oauth.ResponseBodyError) return `${e.error}${e.error_description ? ` (${e.error_description})` : ""}`;
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof Response) return `the server answered HTTP ${cause.status}`;
  return (e as Error).message;
}

async function markError(connection: Pick<ConnectionRow, "id" | "status">, message: string) {
  await updateConnectionRow(connection.id, { lastError: message, status: connection.status === "active" ? "active" : "error" }, getDb());
}

type TokenState = { access?: string; refresh?: string; expiresAt: Date | null; obtainedAt?: Date };

async function readTokens(row: Pick<ConnectionRow, "id" | "orgId">): Promise<TokenState> {
  const rows = await listSecretRows(row.id);
  const out: TokenState = { expiresAt: null };
  for (const r of rows) {
    if (r.field === ACCESS_TOKEN_FIELD) {
      out.access = await openSecret({ orgId: row.orgId, integrationId: row.id, field: r.field, ciphertext: r.ciphertext });
      out.expiresAt = r.expiresAt;
      out.obtainedAt = r.updatedAt;
    } else if (r.field === REFRESH_TOKEN_FIELD) {
      out.refresh = await openSecret({ orgId: row.orgId, integrationId: row.id, field: r.field, ciphertext: r.ciphertext });
    }
  }
  return out;
}

/** Fresh unless within the refresh-ahead window, capped at half the token's lifetime (5-minute tokens exist). */
function isFresh(t: TokenState, aheadMs: number): boolean {
  if (!t.access) return false;
  if (t.expiresAt === null) return true;
  const lifetime = t.obtainedAt ? t.expiresAt.getTime() - t.obtainedAt.getTime() : Number.POSITIVE_INFINITY;
  return t.expiresAt.getTime() - Date.now() > Math.min(aheadMs, lifetime / 2);
}

type GlobalWithInflight = typeof globalThis & { __patchbayTokenInflight?: Map<string, Promise<string>> };
const inflight = ((globalThis as GlobalWithInflight).__patchbayTokenInflight ??= new Map());

/**
 * A current access token. Refreshes 5 minutes ahead of expiry under a per-connection lease in
 * Postgres (re-reading the token after taking it), so concurrent callers in any number of
 * processes cause one refresh. invalid_grant marks the connection needs_reauth: no retry storm.
 */
export async function getAccessToken(ref: { orgId: string; connectionId: string }, opts: { aheadMs?: number; rejected?: string } = {}): Promise<string> {
  // Keyed by organization too: a caller naming another organization must not join a refresh.
  const key = `${ref.orgId}\u0000${ref.connectionId}${opts.rejected ? "\u0000rejected" : ""}`;
  const running = inflight.get(key);
  if (running) return running;
  const p = accessTokenUncoalesced(ref, opts.aheadMs ?? REFRESH_AHEAD_MS, opts.rejected).finally(() => inflight.delete(key));
  inflight.set(key, p);
  return p;
}

type GlobalWithBackoff = typeof globalThis & { __patchbayRefreshBackoff?: Map<string, { failures: number; until: number }> };
const refreshBackoff = ((globalThis as GlobalWithBackoff).__patchbayRefreshBackoff ??= new Map());

/** After a provider error (5xx, network) a connection waits 2, 4, 8 … s (at most 5 min) before the next refresh try. */
function noteRefreshFailure(connectionId: string): number {
  const failures = (refreshBackoff.get(connectionId)?.failures ?? 0) + 1;
  const waitMs = Math.min(300_000, 1000 * 2 ** failures);
  refreshBackoff.set(connectionId, { failures, until: Date.now() + waitMs });
  return waitMs;
}

/**
 * `rejected`: the access token the provider just answered 401 to. It is refreshed even if it looks
 * fresh, unless another caller already replaced it (then the newer token is returned).
 */
async function accessTokenUncoalesced(ref: { orgId: string; connectionId: string }, aheadMs: number, rejected?: string): Promise<string> {
  const fresh = (t: TokenState, ahead: number) => isFresh(t, ahead) && (rejected === undefined || t.access !== rejected);
  const row = await getVisibleConnection(ref.orgId, ref.connectionId);
  if (!row) throw new AppError("not_found", "That connection does not exist.");
  const provider = getProvider(row.providerKey);
  if (!provider?.oauth) throw new AppError("bad_request", "This connection does not use OAuth.");
  if (row.status === "needs_reauth") throw new IntegrationUnavailableError(`${provider.name} connection "${row.name}" needs to be reconnected at /connections/${row.id}.`);
  let tokens = await readTokens(row);
  if (fresh(tokens, aheadMs)) return tokens.access!;
  const spec = oauthSpecOf(provider);
  if (spec.grant === "authorization_code" && !tokens.refresh) {
    if (tokens.access && tokens.access !== rejected && tokens.expiresAt && tokens.expiresAt > new Date()) return tokens.access;
    throw new IntegrationUnavailableError(`${provider.name} connection "${row.name}" is not authorized. An admin can connect it at /connections/${row.id}.`);
  }
  const backoff = refreshBackoff.get(row.id);
  if (backoff && backoff.until > Date.now()) {
    throw new AppError("unavailable", `${provider.name} token refresh is paused after a provider error; the next try is in ${Math.ceil((backoff.until - Date.now()) / 1000)} s.`);
  }
  const owner = randomUUID();
  const deadline = Date.now() + 30_000;
  while (!(await tryAcquireLease(row.id, owner, 30_000))) {
    if (Date.now() > deadline) throw new AppError("unavailable", "Timed out waiting for another process to refresh the token.");
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 50));
    tokens = await readTokens(row);
    if (fresh(tokens, aheadMs)) return tokens.access!;
  }
  try {
    // Another process may have refreshed between our read and the lease, or found the grant dead.
    tokens = await readTokens(row);
    if (fresh(tokens, aheadMs)) return tokens.access!;
    const current = await getVisibleConnection(ref.orgId, row.id);
    if (!current) throw new AppError("not_found", "That connection does not exist.");
    if (current.status === "needs_reauth") throw new IntegrationUnavailableError(current.lastError ?? `${provider.name} connection "${row.name}" needs to be reconnected at /connections/${row.id}.`);
    const { config, as, client, auth, http } = await oauthContext(provider, row, ref.orgId);
    const options = http(as.token_endpoint!);
    let response: Response;
    const started = performance.now();
    const report = (ok: boolean, reauth: boolean, message?: string) => emitTokenRefresh({ connectionId: row.id, orgId: row.orgId, ok, reauth, ms: Math.round(performance.now() - started), message });
    try {
      if (spec.grant === "client_credentials") {
        const scopes = spec.scopes(config);
        response = await oauth.clientCredentialsGrantRequest(as, client, auth, scopes.length ? { scope: scopes.join(" ") } : {}, options);
        const t = await oauth.processClientCredentialsResponse(as, client, response);
        await storeTokens(row, t, null, true);
        report(true, false);
        return t.access_token;
      }
      response = await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh!, options);
      const t = await oauth.processRefreshTokenResponse(as, client, response);
      await storeTokens(row, t, null, true);
      refreshBackoff.delete(row.id);
      report(true, false);
      return t.access_token;
    } catch (e) {
      if (e instanceof oauth.ResponseBodyError && (e.error === "invalid_grant" || e.error === "invalid_client" || e.error === "unauthorized_client")) {
        const message = `${provider.name} rejected the stored authorization (${e.error}). Reconnect at /connections/${row.id}.`;
        await markNeedsReauth(row, message, e.error);
        report(false, true, message);
        throw new IntegrationUnavailableError(message);
      }
      const waitMs = noteRefreshFailure(row.id);
      report(false, false, describeOAuthError(e));
      logger.warn({ connectionId: row.id, provider: provider.key, err: describeOAuthError(e), backoffMs: waitMs }, "token refresh failed; backing off");
      throw new AppError("upstream_error", `${provider.name} token refresh failed: ${describeOAuthError(e)}. Retrying in ${Math.round(waitMs / 1000)} s at the earliest.`);
    }
  } finally {
    await releaseLease(row.id, owner);
  }
}

/**
 * The provider refuses this connection's authorization (a dead grant, or a freshly refreshed token
 * answered 401 again): the connection needs a person to reconnect it; calls stop until then.
 */
export async function markNeedsReauth(row: ConnectionRow, message: string, reason: string): Promise<void> {
  await getDb().transaction(async (tx) => {
    await updateConnectionRow(row.id, { status: "needs_reauth", lastError: message }, tx);
    await markDisconnected(tx, row, message);
    await recordAudit(tx, { orgId: row.orgId, actor: { id: null, email: null }, action: "connection.needs_reauth", target: { type: "connection", id: row.id }, metadata: { provider: row.providerKey, error: reason } });
    await notifySettingsChanged(tx, { providerKey: row.providerKey, orgId: row.orgId, connectionId: row.id });
  });
  invalidateLocally({ providerKey: row.providerKey, orgId: row.orgId, connectionId: row.id });
}

/** RFC 7009 revocation on disconnect; failures are logged, never block the deletion. */
export async function revokeTokensBestEffort(row: ConnectionRow): Promise<{ revoked: number; failed: number }> {
  const provider = getProvider(row.providerKey);
  if (!provider?.oauth?.revocationEndpoint) return { revoked: 0, failed: 0 };
  let revoked = 0;
  let failed = 0;
  try {
    const tokens = await readTokens(row);
    const { as, client, auth, http } = await oauthContext(provider, row, row.orgId ?? "");
    if (!as.revocation_endpoint) return { revoked, failed };
    for (const token of [tokens.refresh, tokens.access].filter(Boolean) as string[]) {
      try {
        const res = await oauth.revocationRequest(as, client, auth, token, http(as.revocation_endpoint));
        await oauth.processRevocationResponse(res);
        revoked++;
      } catch (e) {
        failed++;
        logger.warn({ connectionId: row.id, provider: provider.key, err: describeOAuthError(e) }, "token revocation failed; deleting local credentials anyway");
      }
    }
  } catch (e) {
    failed++;
    logger.warn({ connectionId: row.id, err: (e as Error).message }, "token revocation could not run; deleting local credentials anyway");
  }
  return { revoked, failed };
}
