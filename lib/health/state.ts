import "server-only";
import { countConnectionsByHealth, listRecentStatusChanges, type RecentStatusChange } from "@/db/queries/health-summary";
import { healthStatuses, type HealthStatus } from "@/db/schema/health";
import { onSettingsChange } from "@/lib/settings/invalidation";

/**
 * A per-organization snapshot cache: a hit costs no query; an entry lives `ttlMs` at most and is
 * dropped at once by invalidate(). Concurrent misses for one organization share one load, and a
 * load that started before an invalidation does not store what it read (it may be stale).
 */
export class OrgSnapshotCache<T> {
  private entries = new Map<string, { value: T; expiresAt: number }>();
  private inflight = new Map<string, { promise: Promise<T>; token: string }>();
  private generations = new Map<string, number>();
  private epoch = 0;
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(private readonly opts: { ttlMs: number; load: (orgId: string) => Promise<T>; now?: () => number; maxEntries?: number }) {
    this.now = opts.now ?? Date.now;
    this.maxEntries = opts.maxEntries ?? 1000;
  }

  private token(orgId: string): string {
    return `${this.epoch}:${this.generations.get(orgId) ?? 0}`;
  }

  get(orgId: string): Promise<T> {
    const hit = this.entries.get(orgId);
    if (hit && hit.expiresAt > this.now()) return Promise.resolve(hit.value);
    if (hit) this.entries.delete(orgId);
    const token = this.token(orgId);
    const running = this.inflight.get(orgId);
    if (running && running.token === token) return running.promise;
    const promise = this.opts.load(orgId).then((value) => {
      if (this.token(orgId) === token) {
        if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
        this.entries.set(orgId, { value, expiresAt: this.now() + this.opts.ttlMs });
      }
      return value;
    });
    const settle = () => {
      if (this.inflight.get(orgId)?.promise === promise) this.inflight.delete(orgId);
    };
    promise.then(settle, settle);
    this.inflight.set(orgId, { promise, token });
    return promise;
  }

  /** Drop one organization's snapshot, or (null) every organization's. */
  invalidate(orgId: string | null): void {
    if (orgId === null) return this.clear();
    this.entries.delete(orgId);
    this.generations.set(orgId, (this.generations.get(orgId) ?? 0) + 1);
  }

  clear(): void {
    this.entries.clear();
    this.epoch++;
  }

  get size(): number {
    return this.entries.size;
  }
}

export type HealthState = {
  /** Connections of the organization per health status (disabled ones count as unknown). */
  byHealth: Record<HealthStatus, number>;
  /** Per lifecycle status; disabled connections count under "disabled". */
  byLifecycle: { status: string; n: number }[];
  total: number;
  recentChanges: RecentStatusChange[];
  loadedAt: Date;
};

export const HEALTH_STATE_TTL_MS = 10_000;
export const RECENT_CHANGES = 10;

async function loadHealthState(orgId: string): Promise<HealthState> {
  const [counts, recent] = await Promise.all([countConnectionsByHealth(orgId), listRecentStatusChanges(orgId, RECENT_CHANGES)]);
  const byHealth = Object.fromEntries(healthStatuses.map((s) => [s, 0])) as Record<HealthStatus, number>;
  const lifecycle = new Map<string, number>();
  let total = 0;
  for (const r of counts) {
    const health = (healthStatuses as readonly string[]).includes(r.health) ? (r.health as HealthStatus) : "unknown";
    byHealth[health] += r.n;
    const key = r.enabled ? r.status : "disabled";
    lifecycle.set(key, (lifecycle.get(key) ?? 0) + r.n);
    total += r.n;
  }
  const byLifecycle = [...lifecycle].map(([status, n]) => ({ status, n })).sort((a, b) => b.n - a.n || a.status.localeCompare(b.status));
  return { byHealth, byLifecycle, total, recentChanges: recent as RecentStatusChange[], loadedAt: new Date() };
}

type Holder = { cache: OrgSnapshotCache<HealthState>; unsubscribe: () => void };
type GlobalWithHealthState = typeof globalThis & { __patchbayHealthState?: Holder };
const g = globalThis as GlobalWithHealthState;

function holder(): Holder {
  if (!g.__patchbayHealthState) {
    const cache = new OrgSnapshotCache<HealthState>({ ttlMs: HEALTH_STATE_TTL_MS, load: loadHealthState });
    // Connection changes from any process (created, deleted, enabled, tested into another lifecycle status).
    const unsubscribe = onSettingsChange((change) => (change === "reset" ? cache.clear() : cache.invalidate(change.orgId)));
    g.__patchbayHealthState = { cache, unsubscribe };
  }
  return g.__patchbayHealthState;
}

/** The home page's health snapshot for one organization, at most HEALTH_STATE_TTL_MS old. */
export function getHealthState(orgId: string): Promise<HealthState> {
  return holder().cache.get(orgId);
}

/** Drop an organization's snapshot in this process; call after committing a status change. */
export function invalidateHealthState(orgId: string | null): void {
  g.__patchbayHealthState?.cache.invalidate(orgId);
}

/** Tests: forget the cache and its subscription (before the database it subscribed to closes). */
export function resetHealthState(): void {
  g.__patchbayHealthState?.unsubscribe();
  delete g.__patchbayHealthState;
}
