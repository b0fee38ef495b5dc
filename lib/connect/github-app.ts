import "server-only";
import { markDisconnected } from "@/lib/health/transition";
import { createHash, randomBytes } from "node:crypto";
import { getDb } from "@/db/client";
import { deleteSecret, getVisibleConnection, listSecretRows, lockVisibleConnection, updateConnectionRow, upsertSecret, type ConnectionRow } from "@/db/queries/integrations";
import { getMembership } from "@/db/queries/memberships";
import { allowlistEntriesFor } from "@/db/queries/network";
import { consumeOAuthState, getOAuthState, insertOAuthState } from "@/db/queries/oauth";
import { recordAudit, type AuditActor } from "@/lib/audit";
import { can } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";
import { egressFetch, isEgressError, type EgressResponse } from "@/lib/http";
import { logger } from "@/lib/logger";
import { openSecret, sealSecret } from "@/lib/lockbox";
import { createAppJwt, githubAppInstallUrl } from "@/lib/providers/github-app";
import { loadConnectionSettings } from "@/lib/settings";
import { IntegrationUnavailableError } from "@/lib/settings/errors";
import { invalidateLocally, notifySettingsChanged } from "@/lib/settings/invalidation";

export const GITHUB_PROVIDER_KEY = "github-app";
export const GITHUB_SETUP_PATH = "/api/github/setup";
export const INSTALL_STATE_TTL_MS = 10 * 60_000;
export const INSTALLATION_TOKEN_FIELD = "github_installation_token";
/** A cached installation token is reused until this long before it expires. */
export const INSTALLATION_TOKEN_AHEAD_MS = 5 * 60_000;
/** Sealed into oauth_states.code_verifier (the column is required; GitHub installs have no PKCE). */
const STATE_NONCE_FIELD = "github_install_nonce";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
export const githubInstallCookieName = (state: string) => `pb_ghinst_${sha256(state).slice(0, 16)}`;

type AppSettings = { appId: number; appSlug: string; baseUrl: string; privateKey: string };

export class GithubInstallError extends AppError {
  override name = "GithubInstallError";
  constructor(
    readonly reason: "invalid_state" | "expired" | "replayed" | "other_browser" | "wrong_user" | "invalid_request" | "foreign_installation" | "github_error",
    message: string,
    readonly connectionId?: string,
  ) {
    super("bad_request", message);
  }
}

const endpoint = (base: string, path: string) => `${base.replace(/\/+$/, "")}${path}`;
const githubHeaders = (jwt: string) => ({ authorization: `Bearer ${jwt}`, accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" });

function githubMessage(res: EgressResponse): string {
  try {
    const body = JSON.parse(res.text()) as { message?: unknown };
    return typeof body.message === "string" ? ` GitHub said: "${body.message.slice(0, 200)}"` : "";
  } catch {
    return "";
  }
}

async function appSettings(row: Pick<ConnectionRow, "id" | "providerKey">, orgId: string): Promise<AppSettings> {
  if (row.providerKey !== GITHUB_PROVIDER_KEY) throw new AppError("bad_request", "This connection is not a GitHub App connection.");
  const { settings } = await loadConnectionSettings(row.id, orgId);
  const s = settings as Partial<AppSettings>;
  if (!s.appId || !s.appSlug || !s.baseUrl || !s.privateKey) throw new AppError("bad_request", "Set the App ID, app slug, API base URL and private key first.");
  return { appId: s.appId, appSlug: s.appSlug, baseUrl: s.baseUrl, privateKey: s.privateKey };
}

async function githubCall(row: Pick<ConnectionRow, "id" | "orgId">, settings: AppSettings, path: string, method: "GET" | "POST"): Promise<EgressResponse> {
  const jwt = await createAppJwt(settings.appId, settings.privateKey);
  try {
    return await egressFetch(endpoint(settings.baseUrl, path), {
      method,
      headers: githubHeaders(jwt),
      allowPrivate: await allowlistEntriesFor(row.orgId),
      breakerKey: row.id,
      timeoutMs: 20_000,
      log: { providerKey: GITHUB_PROVIDER_KEY, connectionId: row.id, orgId: row.orgId },
    });
  } catch (e) {
    if (isEgressError(e)) throw new AppError("upstream_error", `GitHub could not be reached: ${e.message}`);
    throw e;
  }
}

/**
 * Step 1: a one-time state (stored hashed, 10 minutes) bound to this browser by a cookie, and the
 * GitHub page where an admin installs the app on an account or organization.
 */
export async function startGithubInstall(input: { orgId: string; actor: AuditActor & { id: string; isPlatformAdmin?: boolean }; connectionId: string; origin: string; ip: string | null }) {
  const row = await getVisibleConnection(input.orgId, input.connectionId);
  if (!row) throw new AppError("not_found", "That connection does not exist.");
  if (row.providerKey !== GITHUB_PROVIDER_KEY) throw new AppError("bad_request", "Only GitHub App connections can be installed on GitHub.");
  if (row.orgId === null && !input.actor.isPlatformAdmin) throw new AppError("forbidden", "Only platform admins can change platform-wide connections.");
  const settings = await appSettings(row, input.orgId);
  const state = randomBytes(32).toString("base64url");
  const browserNonce = randomBytes(24).toString("base64url");
  await getDb().transaction(async (tx) => {
    const sealed = await sealSecret(tx, { orgId: row.orgId, integrationId: row.id, field: STATE_NONCE_FIELD }, randomBytes(32).toString("base64url"));
    await insertOAuthState(
      {
        stateHash: sha256(state),
        browserHash: sha256(browserNonce),
        orgId: input.orgId,
        integrationId: row.id,
        userId: input.actor.id,
        providerKey: GITHUB_PROVIDER_KEY,
        codeVerifier: sealed.ciphertext,
        dekVersion: sealed.dekVersion,
        redirectUri: `${input.origin}${GITHUB_SETUP_PATH}`,
        expiresAt: new Date(Date.now() + INSTALL_STATE_TTL_MS),
      },
      tx,
    );
    await recordAudit(tx, { orgId: input.orgId, actor: input.actor, action: "connection.github_install_started", target: { type: "connection", id: row.id }, metadata: { provider: GITHUB_PROVIDER_KEY }, ip: input.ip });
  });
  const url = new URL(githubAppInstallUrl(settings));
  url.searchParams.set("state", state);
  return { url: url.toString(), cookie: { name: githubInstallCookieName(state), value: browserNonce, maxAge: INSTALL_STATE_TTL_MS / 1000 } };
}

type InstallationBody = { id?: number; app_id?: number; app_slug?: string; account?: { login?: string; type?: string } | null; target_type?: string; suspended_at?: string | null };

/**
 * Step 2, GitHub's redirect to the setup URL. Checks, in order and before any call to GitHub: the
 * state exists, is a GitHub install state, is unused and unexpired, was started in this browser by
 * this user, who can still manage connections; then asks GitHub (as the app) whether the
 * installation belongs to this app, since installation_id arrives in a URL anyone can forge.
 */
export async function completeGithubInstall(input: { url: URL; readCookie: (name: string) => string | undefined; userId: string | null; ip: string | null }): Promise<{ connectionId: string; installationId: number }> {
  const state = input.url.searchParams.get("state");
  if (!state || state.length > 200) throw new GithubInstallError("invalid_state", "This GitHub redirect carries no valid state. Start the installation again from the connection page.");
  const row = await getOAuthState(sha256(state));
  if (!row || row.providerKey !== GITHUB_PROVIDER_KEY) throw new GithubInstallError("invalid_state", "This GitHub redirect does not match any installation started here. Start the installation again from the connection page.");
  const cid = row.integrationId;
  if (row.usedAt) throw new GithubInstallError("replayed", "This GitHub redirect was already used. Start the installation again from the connection page.", cid);
  if (row.expiresAt <= new Date()) throw new GithubInstallError("expired", "This installation attempt expired (after 10 minutes). Start it again from the connection page.", cid);
  const nonce = input.readCookie(githubInstallCookieName(state));
  if (!nonce || sha256(nonce) !== row.browserHash) throw new GithubInstallError("other_browser", "This installation was started in another browser or its cookie is missing. Start it again here.", cid);
  if (!input.userId || input.userId !== row.userId) throw new GithubInstallError("wrong_user", "This installation was started by another user. Start it again from the connection page.", cid);
  const membership = await getMembership(row.orgId, input.userId);
  if (!membership || !can(membership.role, "connections.manage")) throw new GithubInstallError("wrong_user", "You can no longer manage connections of this organization.", cid);
  if (!(await consumeOAuthState(row.stateHash))) throw new GithubInstallError("replayed", "This GitHub redirect was already used. Start the installation again from the connection page.", cid);

  const setupAction = input.url.searchParams.get("setup_action");
  if (setupAction === "request") throw new GithubInstallError("invalid_request", "The installation was requested, not done: an owner of the GitHub organization must approve it. Install again once it is approved.", cid);
  const rawId = input.url.searchParams.get("installation_id") ?? "";
  if (!/^[1-9]\d{0,15}$/.test(rawId)) throw new GithubInstallError("invalid_request", "GitHub's redirect carries no valid installation_id. Start the installation again.", cid);
  const installationId = Number(rawId);

  const connection = await getVisibleConnection(row.orgId, row.integrationId);
  if (!connection || connection.providerKey !== GITHUB_PROVIDER_KEY) throw new GithubInstallError("invalid_state", "The connection was deleted meanwhile.");
  const settings = await appSettings(connection, row.orgId);
  const res = await githubCall(connection, settings, `/app/installations/${installationId}`, "GET");
  if (res.status === 404) throw new GithubInstallError("foreign_installation", `This installation does not belong to the app: GitHub App ${settings.appId} has no installation ${installationId}. Install the app from the connection page.`, cid);
  if (res.status === 401) throw new GithubInstallError("github_error", `GitHub rejected the app's credentials (HTTP 401): check the App ID and private key of this connection.${githubMessage(res)}`, cid);
  if (res.status !== 200) throw new GithubInstallError("github_error", `GitHub answered HTTP ${res.status} when checking installation ${installationId}.${githubMessage(res)}`, cid);
  let body: InstallationBody;
  try {
    body = res.json<InstallationBody>();
  } catch {
    throw new GithubInstallError("github_error", "GitHub's answer about the installation is not JSON. Check the API base URL.", cid);
  }
  if (body.id !== installationId || (body.app_id !== undefined && body.app_id !== settings.appId)) {
    throw new GithubInstallError("foreign_installation", `This installation does not belong to the app: GitHub App ${settings.appId} has no installation ${installationId}.`, cid);
  }
  const account = { login: body.account?.login ?? null, type: body.account?.type ?? body.target_type ?? null };

  await getDb().transaction(async (tx) => {
    const locked = await lockVisibleConnection(row.orgId, connection.id, tx);
    if (!locked) throw new GithubInstallError("invalid_state", "The connection was deleted meanwhile.");
    const previous = locked.config.installationId;
    // A token cached for another installation must not be served for this one.
    if (previous !== installationId) await deleteSecret(locked.id, INSTALLATION_TOKEN_FIELD, tx);
    await updateConnectionRow(
      locked.id,
      { status: "active", lastError: null, healthStatus: "healthy", lastCheckedAt: new Date(), config: { ...locked.config, installationId, installationAccount: account, installedAt: new Date().toISOString() } },
      tx,
    );
    await recordAudit(tx, {
      orgId: row.orgId,
      actor: { id: input.userId, email: null },
      action: "connection.github_installed",
      target: { type: "connection", id: locked.id },
      metadata: { provider: GITHUB_PROVIDER_KEY, installationId, account: account.login, accountType: account.type, setupAction, previousInstallationId: previous ?? null },
      ip: input.ip,
    });
    await notifySettingsChanged(tx, { providerKey: locked.providerKey, orgId: locked.orgId, connectionId: locked.id });
  });
  invalidateLocally({ providerKey: connection.providerKey, orgId: connection.orgId, connectionId: connection.id });
  return { connectionId: connection.id, installationId };
}

type CachedToken = { token: string; expiresAt: Date | null };

async function readCachedToken(row: Pick<ConnectionRow, "id" | "orgId">): Promise<CachedToken | undefined> {
  const secret = (await listSecretRows(row.id)).find((r) => r.field === INSTALLATION_TOKEN_FIELD);
  if (!secret) return undefined;
  return { token: await openSecret({ orgId: row.orgId, integrationId: row.id, field: INSTALLATION_TOKEN_FIELD, ciphertext: secret.ciphertext }), expiresAt: secret.expiresAt };
}

const usable = (t: CachedToken | undefined): t is CachedToken => Boolean(t) && t!.expiresAt !== null && t!.expiresAt.getTime() - Date.now() > INSTALLATION_TOKEN_AHEAD_MS;

type GlobalWithInflight = typeof globalThis & { __patchbayGithubTokenInflight?: Map<string, Promise<string>> };
const inflight = ((globalThis as GlobalWithInflight).__patchbayGithubTokenInflight ??= new Map());

function installationOf(row: ConnectionRow): number {
  const id = row.config.installationId;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0) {
    throw new IntegrationUnavailableError(`GitHub App connection "${row.name}" is not installed on any account yet. An admin can install it at /connections/${row.id}.`);
  }
  return id;
}

/**
 * An installation access token for a GitHub App connection. A token is cached sealed in
 * integration_secrets and reused until 5 minutes before it expires; concurrent callers in this
 * process share one mint. When GitHub answers 401/404 the connection is marked needs_reauth.
 */
export async function getInstallationToken(ref: { orgId: string; connectionId: string }): Promise<string> {
  const row = await getVisibleConnection(ref.orgId, ref.connectionId);
  if (!row) throw new AppError("not_found", "That connection does not exist.");
  if (row.providerKey !== GITHUB_PROVIDER_KEY) throw new AppError("bad_request", "This connection is not a GitHub App connection.");
  if (row.status === "needs_reauth") throw new IntegrationUnavailableError(`GitHub App connection "${row.name}" needs attention at /connections/${row.id}: ${row.lastError ?? "GitHub no longer accepts it."}`);
  installationOf(row);
  const cached = await readCachedToken(row);
  if (usable(cached)) return cached.token;
  const key = row.id;
  let p = inflight.get(key);
  if (!p) {
    p = mintInstallationToken(row, ref.orgId).finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  return p;
}

async function mintInstallationToken(row: ConnectionRow, orgId: string): Promise<string> {
  // Another caller may have minted between our read and taking the in-flight slot.
  const again = await readCachedToken(row);
  if (usable(again)) return again.token;
  const installationId = installationOf(row);
  const settings = await appSettings(row, orgId);
  let res: EgressResponse;
  try {
    res = await githubCall(row, settings, `/app/installations/${installationId}/access_tokens`, "POST");
  } catch (e) {
    if (e instanceof Error && /RSA|private key|PEM/i.test(e.message)) return markNeedsReauth(row, `The private key of this GitHub App connection cannot sign app JWTs: ${e.message} Update it at /connections/${row.id}.`, 0);
    throw e;
  }
  if (res.status === 401) return markNeedsReauth(row, `GitHub rejected the app's credentials (HTTP 401): the private key may have been revoked or the App ID changed. Update them at /connections/${row.id}.`, 401);
  if (res.status === 404) return markNeedsReauth(row, `GitHub no longer knows installation ${installationId} of app ${settings.appId}: the app was probably uninstalled. Install it again at /connections/${row.id}.`, 404);
  if (res.status !== 201 && res.status !== 200) {
    logger.warn({ connectionId: row.id, status: res.status }, "GitHub installation token request failed");
    throw new AppError("upstream_error", `GitHub answered HTTP ${res.status} to the installation token request.${githubMessage(res)}`);
  }
  let body: { token?: unknown; expires_at?: unknown };
  try {
    body = res.json();
  } catch {
    throw new AppError("upstream_error", "GitHub's installation token answer is not JSON. Check the API base URL.");
  }
  const expiresAt = typeof body.expires_at === "string" ? new Date(body.expires_at) : null;
  if (typeof body.token !== "string" || !body.token || !expiresAt || Number.isNaN(expiresAt.getTime())) throw new AppError("upstream_error", "GitHub's installation token answer lacks a token or expires_at.");
  const token = body.token;
  await getDb().transaction(async (tx) => {
    const sealed = await sealSecret(tx, { orgId: row.orgId, integrationId: row.id, field: INSTALLATION_TOKEN_FIELD }, token);
    await upsertSecret({ integrationId: row.id, field: INSTALLATION_TOKEN_FIELD, scope: sealed.scope, ciphertext: sealed.ciphertext, dekVersion: sealed.dekVersion, updatedBy: null, expiresAt }, tx);
  });
  return token;
}

async function markNeedsReauth(row: ConnectionRow, message: string, status: number): Promise<never> {
  await getDb().transaction(async (tx) => {
    await updateConnectionRow(row.id, { status: "needs_reauth", lastError: message }, tx);
    await markDisconnected(tx, row, message);
    await deleteSecret(row.id, INSTALLATION_TOKEN_FIELD, tx);
    await recordAudit(tx, { orgId: row.orgId, actor: { id: null, email: null }, action: "connection.needs_reauth", target: { type: "connection", id: row.id }, metadata: { provider: GITHUB_PROVIDER_KEY, httpStatus: status } });
    await notifySettingsChanged(tx, { providerKey: row.providerKey, orgId: row.orgId, connectionId: row.id });
  });
  invalidateLocally({ providerKey: row.providerKey, orgId: row.orgId, connectionId: row.id });
  throw new IntegrationUnavailableError(message);
}
