import { describe, expect, it } from "vitest";
import { OrgSnapshotCache } from "./state";

function setup(ttlMs = 10_000) {
  let clock = 1_000;
  const loads: string[] = [];
  let version = 0;
  const gates: (() => void)[] = [];
  let gated = false;
  const cache = new OrgSnapshotCache<{ orgId: string; version: number }>({
    ttlMs,
    now: () => clock,
    load: async (orgId) => {
      loads.push(orgId);
      const v = ++version;
      if (gated) await new Promise<void>((r) => gates.push(r));
      return { orgId, version: v };
    },
  });
  return {
    cache,
    loads,
    advance: (ms: number) => (clock += ms),
    gate: (on: boolean) => (gated = on),
    release: () => gates.splice(0).forEach((r) => r()),
    releaseAt: (i: number) => gates[i]!(),
  };
}

describe("OrgSnapshotCache", () => {
  it("serves a hit without loading again until the TTL ends", async () => {
    const t = setup(10_000);
    expect(await t.cache.get("a")).toEqual({ orgId: "a", version: 1 });
    t.advance(9_999);
    expect(await t.cache.get("a")).toEqual({ orgId: "a", version: 1 });
    expect(t.loads).toEqual(["a"]);
    t.advance(1);
    expect(await t.cache.get("a")).toEqual({ orgId: "a", version: 2 });
    expect(t.loads).toEqual(["a", "a"]);
  });

  it("keeps organizations apart: one org's value is never served to another, and invalidating one keeps the other", async () => {
    const t = setup();
    const a = await t.cache.get("a");
    const b = await t.cache.get("b");
    expect(a.orgId).toBe("a");
    expect(b.orgId).toBe("b");
    expect((await t.cache.get("b")).orgId).toBe("b");
    t.cache.invalidate("a");
    expect(await t.cache.get("b")).toBe(b);
    expect(await t.cache.get("a")).not.toBe(a);
    expect(t.loads).toEqual(["a", "b", "a"]);
  });

  it("invalidate(null) and clear() drop every organization", async () => {
    const t = setup();
    await t.cache.get("a");
    await t.cache.get("b");
    t.cache.invalidate(null);
    expect(t.cache.size).toBe(0);
    await t.cache.get("a");
    await t.cache.get("b");
    expect(t.loads).toEqual(["a", "b", "a", "b"]);
  });

  it("shares one load between concurrent misses", async () => {
    const t = setup();
    t.gate(true);
    const p1 = t.cache.get("a");
    const p2 = t.cache.get("a");
    t.release();
    expect(await p1).toBe(await p2);
    expect(t.loads).toEqual(["a"]);
  });

  it("does not store what a load read when the organization was invalidated meanwhile", async () => {
    const t = setup();
    t.gate(true);
    const stale = t.cache.get("a");
    await Promise.resolve();
    t.cache.invalidate("a");
    const fresh = t.cache.get("a");
    await new Promise((r) => setTimeout(r, 0));
    // The fresh load finishes first; the stale one, finishing last, must not overwrite it.
    t.releaseAt(1);
    expect((await fresh).version).toBe(2);
    t.releaseAt(0);
    expect((await stale).version).toBe(1);
    t.gate(false);
    expect((await t.cache.get("a")).version).toBe(2);
    expect(t.loads).toEqual(["a", "a"]);
  });

  it("caches no failure", async () => {
    let fail = true;
    const cache = new OrgSnapshotCache<number>({ ttlMs: 10_000, load: async () => (fail ? Promise.reject(new Error("db down")) : 7) });
    await expect(cache.get("a")).rejects.toThrow("db down");
    fail = false;
    expect(await cache.get("a")).toBe(7);
  });

  it("holds at most maxEntries organizations", async () => {
    const cache = new OrgSnapshotCache<string>({ ttlMs: 10_000, maxEntries: 2, load: async (o) => o });
    await cache.get("a");
    await cache.get("b");
    await cache.get("c");
    expect(cache.size).toBe(2);
  });
});
