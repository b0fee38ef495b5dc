/**
 * Per-process settings cache keyed by (provider, org), with a short TTL as a safety net; the
 * real freshness comes from invalidation messages. A generation counter per key stops a read
 * that started before an invalidation from caching the stale value it fetched.
 */
export type CacheEntry<T> = { value: T; expiresAt: number };

export class SettingsCache<T> {
  private entries = new Map<string, CacheEntry<T>>();
  private generations = new Map<string, number>();
  private epoch = 0;

  constructor(private ttlMs: number) {}

  static key(providerKey: string, orgId: string): string {
    return `${providerKey}\u0000${orgId}`;
  }

  get(key: string, now = Date.now()): T | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** A token to pass to set(); set() ignores the value if the key was invalidated since. */
  token(key: string): string {
    return `${this.epoch}:${this.generations.get(key) ?? 0}`;
  }

  set(key: string, value: T, token: string, now = Date.now()): void {
    if (token !== this.token(key)) return;
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
  }

  /** Drop one provider for one org, or (orgId null: a platform-wide change) for every org. */
  invalidate(providerKey: string, orgId: string | null): void {
    if (orgId === null) {
      const prefix = `${providerKey}\u0000`;
      for (const k of [...this.entries.keys(), ...this.generations.keys()]) {
        if (k.startsWith(prefix)) this.bump(k);
      }
      // Keys never read yet carry no generation; a platform change must still win against an
      // in-flight read of them, so bump the epoch for this provider's unseen keys too.
      this.epoch++;
      return;
    }
    this.bump(SettingsCache.key(providerKey, orgId));
  }

  clear(): void {
    this.entries.clear();
    this.epoch++;
  }

  get size(): number {
    return this.entries.size;
  }

  private bump(key: string): void {
    this.entries.delete(key);
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
  }
}
