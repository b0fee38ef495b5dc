import "server-only";
import { and, asc, eq, isNotNull } from "drizzle-orm";
import type { OIDCConfig } from "next-auth/providers";
import { getDb } from "@/db/client";
import { integrations, organizations, users } from "@/db/schema";
import { getMembership, addMembership } from "@/db/queries/memberships";
import { listUserOrganizations } from "@/db/queries/organizations";
import { getUserByEmail, normalizeEmail } from "@/db/queries/users";
import { recordAudit } from "@/lib/audit";
import { requestIp } from "@/lib/request";
import { logger } from "@/lib/logger";
import type { OidcSettings } from "@/lib/providers/oidc";
import { splitScopes } from "@/lib/providers/_shared/url";
import { loadConnectionSettings } from "@/lib/settings";
import { onSettingsChange } from "@/lib/settings/invalidation";

/** An organization's OIDC connection that is switched on as a sign-in method. */
export type SsoConnection = {
  connectionId: string;
  providerId: string;
  orgId: string;
  orgName: string;
  /** What the sign-in button names: the configured label, else the connection name. */
  label: string;
  allowSignup: boolean;
  settings: OidcSettings;
};

const PREFIX = "sso-";
const CACHE_TTL_MS = 30_000;

export function ssoProviderId(connectionId: string): string {
  return `${PREFIX}${connectionId}`;
}

/** The connection id of an Auth.js provider id made by ssoProviderId, or null for any other provider. */
export function connectionIdOfProvider(providerId: string | undefined): string | null {
  return providerId?.startsWith(PREFIX) ? providerId.slice(PREFIX.length) : null;
}

type Cache = { value?: Promise<SsoConnection[]>; at: number; generation: number; subscribed: boolean };
type GlobalWithSso = typeof globalThis & { __patchbaySsoCache?: Cache };
const g = globalThis as GlobalWithSso;

function cache(): Cache {
  return (g.__patchbaySsoCache ??= { at: 0, generation: 0, subscribed: false });
}

/** Drop the cached list (tests; and every settings change of an OIDC connection). */
export function resetSsoCache(): void {
  const c = cache();
  c.value = undefined;
  c.generation++;
}

function subscribe(c: Cache): void {
  if (c.subscribed) return;
  c.subscribed = true;
  // Enabling, disabling, editing, deleting or re-authorizing a connection all announce a change.
  onSettingsChange((change) => {
    if (change === "reset" || change.providerKey === "oidc") resetSsoCache();
  });
}

/**
 * Every enabled, active, organization-scoped OIDC connection with "Use for sign-in" on, decrypted.
 * Platform-wide connections never count: a sign-in method must belong to one organization. Cached
 * for 30 s and dropped on any settings change. A connection whose settings cannot be read is
 * skipped (and logged) rather than breaking sign-in for everyone.
 */
export function listSsoConnections(): Promise<SsoConnection[]> {
  const c = cache();
  subscribe(c);
  if (c.value && Date.now() - c.at < CACHE_TTL_MS) return c.value;
  const generation = c.generation;
  const value = load();
  c.value = value;
  c.at = Date.now();
  value.catch(() => {
    if (c.value === value) c.value = undefined;
  });
  // A change announced while loading: the next caller reads again.
  void value.then(() => {
    if (c.generation !== generation && c.value === value) c.value = undefined;
  }, () => {});
  return value;
}

async function load(): Promise<SsoConnection[]> {
  const rows = await getDb()
    .select({ id: integrations.id, orgId: integrations.orgId, name: integrations.name, config: integrations.config, orgName: organizations.name })
    .from(integrations)
    .innerJoin(organizations, eq(organizations.id, integrations.orgId))
    .where(and(eq(integrations.providerKey, "oidc"), isNotNull(integrations.orgId), eq(integrations.enabled, true), eq(integrations.status, "active")))
    .orderBy(asc(organizations.name), asc(integrations.name));
  const out: SsoConnection[] = [];
  for (const row of rows) {
    if ((row.config as { ssoEnabled?: unknown }).ssoEnabled !== true) continue;
    try {
      const resolved = await loadConnectionSettings(row.id, row.orgId!);
      if (!resolved.enabled || resolved.connection.status !== "active" || resolved.connection.scope !== "organization") continue;
      const settings = resolved.settings as OidcSettings;
      if (!settings.ssoEnabled) continue;
      out.push({
        connectionId: row.id,
        providerId: ssoProviderId(row.id),
        orgId: row.orgId!,
        orgName: row.orgName,
        label: settings.ssoButtonLabel || row.name,
        allowSignup: settings.ssoAllowSignup,
        settings,
      });
    } catch (err) {
      logger.warn({ connectionId: row.id, err: (err as Error).message }, "an SSO connection was skipped: its settings cannot be read");
    }
  }
  return out;
}

export async function findSsoConnection(connectionId: string): Promise<SsoConnection | undefined> {
  return (await listSsoConnections()).find((c) => c.connectionId === connectionId);
}

/** Auth.js OpenID Connect provider configs, one per SSO connection. */
export async function ssoProviders(): Promise<OIDCConfig<Record<string, unknown>>[]> {
  try {
    return (await listSsoConnections()).map(toAuthProvider);
  } catch (err) {
    // Password sign-in (and every session check) must keep working when the list cannot be read.
    logger.error({ err: (err as Error).message }, "the SSO connections could not be listed");
    return [];
  }
}

export function toAuthProvider(c: SsoConnection): OIDCConfig<Record<string, unknown>> {
  const s = c.settings;
  return {
    id: c.providerId,
    name: c.label,
    type: "oidc",
    issuer: s.issuer,
    clientId: s.clientId,
    clientSecret: s.clientSecret,
    client: { token_endpoint_auth_method: s.clientAuth },
    authorization: { params: { scope: splitScopes(s.scopes).join(" ") } },
    checks: ["pkce", "state", "nonce"],
    // Emails are stored lower-cased (normalizeEmail): the adapter must find the existing user.
    profile: (p) => ({
      id: String(p.sub),
      name: typeof p.name === "string" ? p.name : null,
      email: typeof p.email === "string" ? normalizeEmail(p.email) : null,
      image: typeof p.picture === "string" ? p.picture : null,
    }),
    // Linking by email is normally dangerous: a provider that lets anyone claim any address would
    // take over that account. It is safe here only because the signIn callback (lib/auth/index.ts)
    // refuses an SSO sign-in unless the ID token says email_verified: true, and the provider was
    // configured by an admin of the organization the user must belong to (or be allowed to join).
    allowDangerousEmailAccountLinking: true,
  };
}

/** Why an SSO sign-in was refused; the sign-in page turns the code into a sentence. */
export type SsoRefusal = "sso_unverified" | "sso_not_member" | "sso_unavailable";

export function refusalUrl(code: SsoRefusal, connectionId: string, email?: string): string {
  const q = new URLSearchParams({ error: code, connection: connectionId });
  if (email) q.set("email", email);
  return `/sign-in?${q.toString()}`;
}

/**
 * The Auth.js signIn callback's decision for an SSO provider: true, or the sign-in page URL with
 * the reason. Requires a verified email. A user who exists must already be a member of the
 * connection's organization: "Add unknown users as members" only admits people without an
 * account (or with no organization at all), so an organization's identity provider can never
 * pull in, and sign in as, a user of another organization.
 */
export async function authorizeSsoSignIn(providerId: string, profile: Record<string, unknown> | undefined, authUser?: { id?: string }): Promise<true | string> {
  const connectionId = connectionIdOfProvider(providerId)!;
  const conn = await findSsoConnection(connectionId);
  if (!conn) return refusalUrl("sso_unavailable", connectionId);
  const rawEmail = typeof profile?.email === "string" ? profile.email : "";
  if (!rawEmail || profile?.email_verified !== true) return refusalUrl("sso_unverified", connectionId);
  const email = normalizeEmail(rawEmail);
  // Auth.js passes the user already linked to this provider account, else a fresh random id: the
  // linked user is who signs in (even if the provider's email changed since), otherwise the
  // user with this email (linked by email) or a new one.
  const linked = authUser?.id ? await getUserById(authUser.id) : undefined;
  const user = linked ?? (await getUserByEmail(email));
  if (user && (await getMembership(conn.orgId, user.id))) return true;
  if (conn.allowSignup && (!user || (await mayJoin(user)))) return true;
  return refusalUrl("sso_not_member", connectionId, email);
}

async function getUserById(id: string): Promise<{ id: string; isPlatformAdmin: boolean } | undefined> {
  const [row] = await getDb().select({ id: users.id, isPlatformAdmin: users.isPlatformAdmin }).from(users).where(eq(users.id, id)).limit(1);
  return row;
}

async function mayJoin(user: { id: string; isPlatformAdmin: boolean }): Promise<boolean> {
  return !user.isPlatformAdmin && (await listUserOrganizations(user.id)).length === 0;
}

/**
 * After Auth.js created or found the user (events.signIn): add the membership when the
 * organization admits unknown users, and audit the sign-in. Runs only after authorizeSsoSignIn
 * said yes; the membership is checked again (it is not an upsert).
 */
export async function completeSsoSignIn(providerId: string, user: { id?: string; email?: string | null }): Promise<void> {
  const connectionId = connectionIdOfProvider(providerId);
  if (!connectionId || !user.id) return;
  const conn = await findSsoConnection(connectionId);
  if (!conn) return;
  const userId = user.id;
  const email = user.email ? normalizeEmail(user.email) : null;
  const ip = await requestIp();
  await getDb().transaction(async (tx) => {
    if (!(await getMembership(conn.orgId, userId, tx)) && conn.allowSignup) {
      await addMembership(conn.orgId, userId, "member", tx);
      await recordAudit(tx, {
        orgId: conn.orgId,
        actor: { id: userId, email },
        action: "member.added",
        target: { type: "user", id: userId },
        metadata: { email, role: "member", via: "sso", connectionId },
        ip,
      });
    }
    await recordAudit(tx, { orgId: conn.orgId, actor: { id: userId, email }, action: "auth.sign_in", metadata: { method: "sso", connectionId }, ip });
  });
}
