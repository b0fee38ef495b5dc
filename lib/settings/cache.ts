/**
 * Per-process settings cache keyed by (provider, org), with a short TTL as a safety net; the
 * real freshness comes from invalidation messages. A generation counter per key stops a read
 * that started before an invalidation from caching the stale value it fetched.
 *
 * Nested maps (provider → org → entry) so a hit builds no key string: this sits on the hot path
 * of every getSettings call.
 */
export type CacheEntry<T> = { value: T; expiresAt: number; generation: number };

export class SettingsCache<T> {
  private byProvider = new Map<string, Map<string, CacheEntry<T>>>();
  private generations = new Map<string, Map<string, number>>();
  private epoch = 0;

  constructor(private ttlMs: number) {}

  get(providerKey: string, orgId: string, now = Date.now()): T | undefined {
    const e = this.byProvider.get(providerKey)?.get(orgId);
    if (!e) return undefined;
    if (e.expiresAt <= now) {
      this.byProvider.get(providerKey)!.delete(orgId);
      return undefined;
    }
    return e.value;
  }

  /** A token to pass to set(); set() ignores the value if the key was invalidated since. */
  token(providerKey: string, orgId: string): string {
    return `${this.epoch}:${this.generations.get(providerKey)?.get(orgId) ?? 0}`;
  }

  set(providerKey: string, orgId: string, value: T, token: string, now = Date.now()): void {
    if (token !== this.token(providerKey, orgId)) return;
    let m = this.byProvider.get(providerKey);
    if (!m) this.byProvider.set(providerKey, (m = new Map()));
    m.set(orgId, { value, expiresAt: now + this.ttlMs, generation: 0 });
  }

  /** Drop one provider for one org, or (orgId null: a platform-wide change) for every org. */
  invalidate(providerKey: string, orgId: string | null): void {
    if (orgId === null) {
      this.byProvider.delete(providerKey);
      // In-flight reads of any org for this provider must not cache what they fetched.
      this.epoch++;
      return;
    }
    this.byProvider.get(providerKey)?.delete(orgId);
    let g = this.generations.get(providerKey);
    if (!g) this.generations.set(providerKey, (g = new Map()));
    g.set(orgId, (g.get(orgId) ?? 0) + 1);
  }

  clear(): void {
    this.byProvider.clear();
    this.epoch++;
  }

  get size(): number {
    let n = 0;
    for (const m of this.byProvider.values()) n += m.size;
    return n;
  }
}
