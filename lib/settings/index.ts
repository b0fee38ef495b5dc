import "server-only";
import type { z } from "zod";
import { getOrgName, loadConnectionWithSecrets, loadDefaultsWithSecrets } from "@/db/queries/integrations";
import type { ConnectionStatus } from "@/db/schema";
import { builtinProviders, getProvider, type ProviderKey } from "@/lib/catalog/registry";
import type { ProviderDefinition } from "@/lib/catalog/define-provider";
import { LockboxError, openSecret } from "@/lib/lockbox";
import { logger } from "@/lib/logger";
import { SettingsCache } from "./cache";
import { IntegrationDisabledError, IntegrationNotConfiguredError, IntegrationUnavailableError } from "./errors";
import { onSettingsChange } from "./invalidation";

export { IntegrationDisabledError, IntegrationNotConfiguredError, IntegrationUnavailableError } from "./errors";

export type SettingsFor<K extends ProviderKey> = z.output<(typeof builtinProviders)[K]["configSchema"]> & z.output<(typeof builtinProviders)[K]["credentialsSchema"]>;

export type ResolvedSettings<T = Record<string, unknown>> = {
  settings: T;
  connection: { id: string; name: string; scope: "organization" | "platform"; status: ConnectionStatus; healthStatus: string };
  /** Where each field's value came from. */
  sources: Record<string, "organization" | "platform" | "default" | "unset">;
};

type Row = Awaited<ReturnType<typeof loadDefaultsWithSecrets>>[number];

const CACHE_TTL_MS = 30_000;
type GlobalWithCache = typeof globalThis & { __patchbaySettingsCache?: SettingsCache<ResolvedSettings> };
const g = globalThis as GlobalWithCache;

function cache(): SettingsCache<ResolvedSettings> {
  if (!g.__patchbaySettingsCache) {
    const c = new SettingsCache<ResolvedSettings>(CACHE_TTL_MS);
    g.__patchbaySettingsCache = c;
    onSettingsChange((change) => (change === "reset" ? c.clear() : c.invalidate(change.providerKey, change.orgId)));
  }
  return g.__patchbaySettingsCache;
}

/** Tests and benchmarks: drop the process cache. */
export function resetSettingsCache(): void {
  g.__patchbaySettingsCache?.clear();
}

function pageFor(providerKey: string) {
  return `/integrations/${providerKey}`;
}

async function orgLabel(orgId: string): Promise<string> {
  return (await getOrgName(orgId)) ?? `organization ${orgId}`;
}

/** Decrypt and validate one connection's rows into typed settings. */
async function build(provider: ProviderDefinition, rows: Row[]): Promise<ResolvedSettings> {
  const first = rows[0]!;
  const scope = first.orgId ? "organization" : "platform";
  const secrets: Record<string, string> = {};
  for (const r of rows) {
    if (!r.field || !r.ciphertext) continue;
    try {
      secrets[r.field] = await openSecret({ orgId: first.orgId, integrationId: first.id, field: r.field, ciphertext: r.ciphertext });
    } catch (e) {
      if (e instanceof LockboxError && e.code === "retired_key") {
        throw new RetiredKeyRace(new IntegrationUnavailableError(`${provider.name} connection "${first.name}": the stored ${r.field} uses a retired key. Try again.`));
      }
      if (e instanceof LockboxError) {
        logger.error({ connectionId: first.id, field: r.field, code: e.code }, "a sealed value could not be opened");
        throw new IntegrationUnavailableError(`${provider.name} connection "${first.name}": the stored ${r.field} cannot be decrypted (${e.code}). An admin can re-enter it at /connections/${first.id}.`);
      }
      throw e;
    }
  }
  const config = provider.configSchema.safeParse(first.config);
  const creds = provider.credentialsSchema.safeParse(secrets);
  if (!config.success || !creds.success) {
    const issue = (config.error ?? creds.error)!.issues[0]!;
    throw new IntegrationUnavailableError(`${provider.name} connection "${first.name}" has invalid settings (${String(issue.path[0] ?? "")}: ${issue.message}). An admin can fix it at /connections/${first.id}.`);
  }
  const sources: ResolvedSettings["sources"] = {};
  const stored = { ...first.config, ...secrets };
  for (const name of [...Object.keys(provider.configSchema.shape), ...Object.keys(provider.credentialsSchema.shape)]) {
    const value = (config.data as Record<string, unknown>)[name] ?? (creds.data as Record<string, unknown>)[name];
    sources[name] = stored[name] !== undefined && stored[name] !== "" ? scope : value !== undefined ? "default" : "unset";
  }
  return {
    settings: { ...(config.data as object), ...(creds.data as object) },
    connection: { id: first.id, name: first.name, scope, status: first.status, healthStatus: first.healthStatus },
    sources,
  };
}

function usable(provider: ProviderDefinition, resolved: ResolvedSettings, enabled: boolean): ResolvedSettings {
  const c = resolved.connection;
  const where = c.scope === "platform" ? "platform-wide " : "";
  if (!enabled) throw new IntegrationDisabledError(`The ${where}${provider.name} connection "${c.name}" is disabled. An admin can enable it at /connections/${c.id}.`);
  if (c.status === "needs_reauth") throw new IntegrationUnavailableError(`The ${where}${provider.name} connection "${c.name}" needs to be reconnected. An admin can do it at /connections/${c.id}.`);
  if (c.status === "pending" || c.status === "configuring") throw new IntegrationUnavailableError(`The ${where}${provider.name} connection "${c.name}" is not set up yet. An admin can finish it at /connections/${c.id}.`);
  return resolved;
}

type Cached = ResolvedSettings & { enabled?: boolean };

/**
 * Resolve a provider's settings for an organization with their provenance: the organization's
 * default connection first, then the platform-wide one. One query when not cached.
 */
export async function resolveSettings(providerKey: string, opts: { orgId: string; connectionId?: string }): Promise<ResolvedSettings> {
  const provider = getProvider(providerKey);
  if (!provider) throw new IntegrationNotConfiguredError(`There is no provider "${providerKey}".`);

  if (opts.connectionId) {
    // Not an id we issued, or a connection of another provider: the same "no such connection".
    const rows = opts.connectionId.length <= 100 ? (await loadConnectionWithSecrets(opts.connectionId, opts.orgId)).filter((r) => r.providerKey === providerKey) : [];
    if (rows.length === 0) throw new IntegrationNotConfiguredError(`There is no ${provider.name} connection ${opts.connectionId} for ${await orgLabel(opts.orgId)}.`);
    return usable(provider, await build(provider, rows), rows[0]!.enabled);
  }

  const c = cache();
  const hit = c.get(providerKey, opts.orgId) as Cached | undefined;
  if (hit) return usable(provider, hit, hit.enabled ?? true);

  for (let attempt = 0; ; attempt++) {
    const token = c.token(providerKey, opts.orgId);
    const rows = await loadDefaultsWithSecrets(providerKey, opts.orgId);
    const own = rows.filter((r) => r.orgId !== null);
    const chosen = own.length > 0 ? own : rows.filter((r) => r.orgId === null);
    if (chosen.length === 0) {
      throw new IntegrationNotConfiguredError(`${provider.name} is not configured for ${await orgLabel(opts.orgId)}. An admin can set it up at ${pageFor(providerKey)}.`);
    }
    try {
      const resolved: Cached = { ...(await build(provider, chosen)), enabled: chosen[0]!.enabled };
      c.set(providerKey, opts.orgId, resolved, token);
      return usable(provider, resolved, resolved.enabled!);
    } catch (e) {
      // A data-key rotation may retire the key between our read and the decryption: the row has
      // been re-encrypted by then, so one fresh read succeeds.
      if (attempt === 0 && e instanceof RetiredKeyRace) continue;
      throw e instanceof RetiredKeyRace ? e.original : e;
    }
  }
}

class RetiredKeyRace extends Error {
  constructor(readonly original: Error) {
    super(original.message);
  }
}

/** One connection's settings and provenance, whatever its state (for tests and the connection page). */
export async function loadConnectionSettings(connectionId: string, orgId: string): Promise<ResolvedSettings & { enabled: boolean; providerKey: string }> {
  const rows = await loadConnectionWithSecrets(connectionId, orgId);
  if (rows.length === 0) throw new IntegrationNotConfiguredError(`There is no connection ${connectionId} for ${await orgLabel(orgId)}.`);
  const provider = getProvider(rows[0]!.providerKey);
  if (!provider) throw new IntegrationUnavailableError(`Connection ${connectionId} uses an unknown provider "${rows[0]!.providerKey}".`);
  return { ...(await build(provider, rows)), enabled: rows[0]!.enabled, providerKey: provider.key };
}

/**
 * Typed, validated, decrypted settings for a provider: the organization's default connection,
 * else the platform-wide one. Throws IntegrationNotConfiguredError / IntegrationDisabledError /
 * IntegrationUnavailableError with a message that names the page where an admin fixes it.
 */
export function getSettings<K extends ProviderKey>(providerKey: K, opts: { orgId: string; connectionId?: string }): Promise<SettingsFor<K>> {
  // Hot path: a cached, usable value is returned without entering another async function.
  if (!opts.connectionId) {
    const hit = g.__patchbaySettingsCache?.get(providerKey, opts.orgId) as Cached | undefined;
    if (hit && (hit.enabled ?? true) && hit.connection.status !== "needs_reauth" && hit.connection.status !== "pending" && hit.connection.status !== "configuring") {
      return Promise.resolve(hit.settings as SettingsFor<K>);
    }
  }
  return resolveSettings(providerKey, opts).then((r) => r.settings as SettingsFor<K>);
}
