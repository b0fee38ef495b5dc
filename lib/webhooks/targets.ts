import "server-only";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { getConnectionForHealth } from "@/db/queries/health";
import { integrationSecrets } from "@/db/schema";
import type { ProviderDefinition } from "@/lib/catalog/define-provider";
import { getProvider } from "@/lib/catalog/registry";
import { openSecret } from "@/lib/lockbox";
import { onSettingsChange } from "@/lib/settings/invalidation";
import { webhookSchemeFor, type ResolvedWebhook } from "./ingest-scheme";

export type WebhookTarget = {
  connection: NonNullable<Awaited<ReturnType<typeof getConnectionForHealth>>>;
  provider: ProviderDefinition | undefined;
  resolved: ResolvedWebhook | null;
  /** The opened webhook secret; undefined when none is set. */
  secret?: string;
  /** Why the secret could not be opened (then nothing verifies). */
  secretError?: string;
};

/** As long as settings are cached: a missed notification heals itself within this. */
export const TARGET_TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

type Entry = { target: WebhookTarget | null; at: number };
type Cache = { entries: Map<string, Entry>; generation: number; subscribed: boolean; loading: Map<string, Promise<WebhookTarget | null>> };
type GlobalWithTargets = typeof globalThis & { __patchbayWebhookTargets?: Cache };
const g = globalThis as GlobalWithTargets;

function cache(): Cache {
  const c = (g.__patchbayWebhookTargets ??= { entries: new Map(), generation: 0, subscribed: false, loading: new Map() });
  if (!c.subscribed) {
    c.subscribed = true;
    // A save, secret rotation, enable/disable or delete (in any process) drops what this process
    // cached about that connection; a change without a connection id drops everything.
    onSettingsChange((change) => {
      c.generation++;
      // A load already running may have read the old state: later callers start a new one.
      if (change === "reset" || !change.connectionId) {
        c.entries.clear();
        c.loading.clear();
      } else {
        c.entries.delete(change.connectionId);
        c.loading.delete(change.connectionId);
      }
    });
  }
  return c;
}

async function load(id: string): Promise<WebhookTarget | null> {
  const connection = await getConnectionForHealth(id);
  if (!connection) return null;
  const provider = getProvider(connection.providerKey);
  const resolved = provider ? webhookSchemeFor(provider, connection.config) : null;
  const target: WebhookTarget = { connection, provider, resolved };
  if (!resolved) return target;
  // Only the webhook secret is opened: not the connection's other credentials (a private key, say).
  const [row] = await getDb()
    .select({ ciphertext: integrationSecrets.ciphertext })
    .from(integrationSecrets)
    .where(and(eq(integrationSecrets.integrationId, id), eq(integrationSecrets.field, resolved.secretField)))
    .limit(1);
  if (row) {
    try {
      const value = await openSecret({ orgId: connection.orgId, integrationId: id, field: resolved.secretField, ciphertext: row.ciphertext });
      target.secret = value.trim() || undefined;
    } catch (err) {
      target.secretError = `the stored ${resolved.secretLabel} could not be opened (${(err as Error).message}); an admin can set it again at /connections/${id}.`;
    }
  }
  return target;
}

/**
 * What the webhook route needs to verify a delivery for a connection: the connection, its scheme and
 * its opened webhook secret. Cached per process (one lookup + one decryption per connection, not
 * per delivery), dropped at once on any change to the connection through the settings
 * notifications. Database errors propagate (the route answers 503).
 */
export async function webhookTarget(id: string): Promise<WebhookTarget | null> {
  const c = cache();
  const hit = c.entries.get(id);
  if (hit && Date.now() - hit.at < TARGET_TTL_MS) return hit.target;
  // One load per connection at a time: the deliveries that arrive while it runs wait for it
  // instead of each reading and decrypting the same rows.
  let loading = c.loading.get(id);
  if (!loading) {
    const generation = c.generation;
    loading = load(id)
      .then((target) => {
        // A change that landed while this was loading may not be in what was read: do not keep it.
        if (generation === c.generation) {
          if (c.entries.size >= MAX_ENTRIES) c.entries.delete(c.entries.keys().next().value!);
          c.entries.set(id, { target, at: Date.now() });
        }
        return target;
      })
      .finally(() => {
        if (c.loading.get(id) === loading) c.loading.delete(id);
      });
    c.loading.set(id, loading);
  }
  return loading;
}

/** Tests: forget everything. */
export function clearWebhookTargets(): void {
  g.__patchbayWebhookTargets?.entries.clear();
  g.__patchbayWebhookTargets?.loading.clear();
}
