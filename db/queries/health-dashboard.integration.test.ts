import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { testDbKinds, useTestDb } from "@/db/testing";
import { connectionHealth, healthChecks, healthStatusChanges, integrations, organizations, type HealthStatus } from "@/db/schema";
import { countHealthByStatus, getConnectionHealth, healthSeries, listConnectionHealth, listHealthProviders, listRecentSignals, listStatusChanges, setCheckInterval, type HealthSort } from "./health-dashboard";

const HOUR = 3600_000;

describe.each(testDbKinds())("health dashboard queries on %s", (kind) => {
  let handle: DbHandle;
  const acme = "org-acme";
  const globex = "org-globex";
  const now = new Date();

  // Acme: 6 own connections; platform: 1; Globex: 2 (never visible to Acme).
  const conns: { id: string; orgId: string | null; name: string; provider: string; health: HealthStatus; p50: number | null; p95: number | null; err: number | null; lastCheckMinAgo: number | null }[] = [
    { id: "c-alpha", orgId: acme, name: "Alpha mail", provider: "smtp", health: "healthy", p50: 40, p95: 90, err: 0, lastCheckMinAgo: 5 },
    { id: "c-bravo", orgId: acme, name: "Bravo slack", provider: "slack", health: "failing", p50: 900, p95: 2000, err: 1, lastCheckMinAgo: 1 },
    { id: "c-charlie", orgId: acme, name: "Charlie stripe", provider: "stripe", health: "degraded", p50: 300, p95: 700, err: 0.25, lastCheckMinAgo: 30 },
    { id: "c-delta", orgId: acme, name: "Delta mail_box", provider: "smtp", health: "disconnected", p50: 55, p95: 60, err: 0.5, lastCheckMinAgo: 10 },
    { id: "c-echo", orgId: acme, name: "Echo hubspot", provider: "hubspot", health: "unknown", p50: null, p95: null, err: null, lastCheckMinAgo: null },
    { id: "c-foxtrot", orgId: acme, name: "Foxtrot slack", provider: "slack", health: "healthy", p50: 120, p95: 130, err: 0.1, lastCheckMinAgo: 2 },
    { id: "c-platform", orgId: null, name: "Platform mail", provider: "smtp", health: "healthy", p50: 10, p95: 20, err: 0, lastCheckMinAgo: 3 },
    { id: "g-one", orgId: globex, name: "Globex mail", provider: "smtp", health: "failing", p50: 1, p95: 2, err: 1, lastCheckMinAgo: 1 },
    { id: "g-two", orgId: globex, name: "Globex pager", provider: "pagerduty", health: "healthy", p50: 1, p95: 2, err: 0, lastCheckMinAgo: 1 },
  ];
  const list = (opts: Partial<Parameters<typeof listConnectionHealth>[1]> & { sort?: HealthSort } = {}, org = acme) =>
    listConnectionHealth(org, { page: 1, perPage: 20, sort: { id: "name", desc: false }, ...opts });

  beforeAll(async () => {
    handle = await useTestDb(kind);
    const db = handle.db;
    await db.insert(organizations).values([
      { id: acme, name: "Acme", slug: "acme" },
      { id: globex, name: "Globex", slug: "globex" },
    ]);
    await db.insert(integrations).values(conns.map((c) => ({ id: c.id, orgId: c.orgId, name: c.name, providerKey: c.provider, status: "active" as const, healthStatus: c.health })));
    // Echo has no health row at all (never scheduled): it must still be listed.
    await db.insert(connectionHealth).values(
      conns
        .filter((c) => c.id !== "c-echo")
        .map((c, i) => ({
          integrationId: c.id,
          orgId: c.orgId,
          latencyP50Ms: c.p50,
          latencyP95Ms: c.p95,
          errorRate24h: c.err,
          lastCheckAt: c.lastCheckMinAgo === null ? null : new Date(now.getTime() - c.lastCheckMinAgo * 60_000),
          nextCheckAt: new Date(now.getTime() + (i + 1) * 60_000),
          intervalSeconds: 300,
        })),
    );
    // Alpha: signals over the last 3 hours and one 3 days ago; Globex's g-one gets its own signals.
    const signals: (typeof healthChecks.$inferInsert)[] = [];
    for (let h = 0; h < 3; h++) {
      for (let k = 0; k < 4; k++) {
        signals.push({ integrationId: "c-alpha", orgId: acme, kind: k === 3 ? "call" : "check", trigger: "scheduled", ok: k !== 0 || h !== 1, status: k !== 0 || h !== 1 ? "ok" : "error", latencyMs: 100 * (k + 1), message: `h${h}k${k}`, checkedAt: new Date(now.getTime() - h * HOUR - k * 60_000 - 1000) });
      }
    }
    signals.push({ integrationId: "c-alpha", orgId: acme, kind: "check", trigger: "manual", ok: true, status: "ok", latencyMs: 50, message: "old", checkedAt: new Date(now.getTime() - 72 * HOUR) });
    signals.push({ integrationId: "g-one", orgId: globex, kind: "check", trigger: "manual", ok: false, status: "error", latencyMs: 5, message: "globex secret-ish", checkedAt: new Date(now.getTime() - 60_000) });
    await db.insert(healthChecks).values(signals);
    await db.insert(healthStatusChanges).values([
      { integrationId: "c-alpha", orgId: acme, fromStatus: "unknown", toStatus: "healthy", reason: "The last check passed.", at: new Date(now.getTime() - 2 * HOUR) },
      { integrationId: "c-alpha", orgId: acme, fromStatus: "healthy", toStatus: "degraded", reason: "The last check failed.", at: new Date(now.getTime() - HOUR) },
      { integrationId: "g-one", orgId: globex, fromStatus: "healthy", toStatus: "failing", reason: "x", at: now },
    ]);
  });
  afterAll(async () => {
    await handle.close();
  });

  it("lists the organization's own and platform-wide connections, never another organization's", async () => {
    const { rows, total } = await list();
    expect(total).toBe(7);
    expect(rows.map((r) => r.id)).toEqual(["c-alpha", "c-bravo", "c-charlie", "c-delta", "c-echo", "c-foxtrot", "c-platform"]);
    const globexRows = await list({}, globex);
    expect(globexRows.rows.map((r) => r.id).sort()).toEqual(["c-platform", "g-one", "g-two"]);
    // A connection without a health row is listed with empty figures.
    expect(rows.find((r) => r.id === "c-echo")).toMatchObject({ healthStatus: "unknown", latencyP50Ms: null, nextCheckAt: null });
  });

  it("pages with a total for the whole filter", async () => {
    const p1 = await list({ perPage: 3, page: 1 });
    const p3 = await list({ perPage: 3, page: 3 });
    expect(p1.total).toBe(7);
    expect(p1.rows.map((r) => r.id)).toEqual(["c-alpha", "c-bravo", "c-charlie"]);
    expect(p3.rows.map((r) => r.id)).toEqual(["c-platform"]);
    expect((await list({ perPage: 3, page: 9 })).rows).toEqual([]);
  });

  it("filters by status, provider and name (LIKE characters taken literally)", async () => {
    expect((await list({ status: "failing" })).rows.map((r) => r.id)).toEqual(["c-bravo"]);
    const smtp = await list({ provider: "smtp" });
    expect(smtp.rows.map((r) => r.id)).toEqual(["c-alpha", "c-delta", "c-platform"]);
    expect(smtp.total).toBe(3);
    expect((await list({ provider: "smtp", status: "healthy" })).rows.map((r) => r.id)).toEqual(["c-alpha", "c-platform"]);
    expect((await list({ q: "SLACK" })).rows.map((r) => r.id)).toEqual(["c-bravo", "c-foxtrot"]);
    expect((await list({ q: "o_s" })).rows.map((r) => r.id)).toEqual([]);
    expect((await list({ q: "mail_box" })).rows.map((r) => r.id)).toEqual(["c-delta"]);
    expect((await list({ q: "%" })).total).toBe(0);
    // Another organization's provider and names match nothing.
    expect((await list({ provider: "pagerduty" })).total).toBe(0);
    expect((await list({ q: "Globex" })).total).toBe(0);
  });

  it("sorts on every sortable column, empty figures last either way", async () => {
    const ids = async (sort: HealthSort) => (await list({ sort })).rows.map((r) => r.id);
    expect(await ids({ id: "name", desc: true })).toEqual(["c-platform", "c-foxtrot", "c-echo", "c-delta", "c-charlie", "c-bravo", "c-alpha"]);
    expect((await ids({ id: "provider", desc: false })).slice(0, 1)).toEqual(["c-echo"]);
    expect(await ids({ id: "status", desc: false })).toEqual(["c-bravo", "c-delta", "c-charlie", "c-echo", "c-alpha", "c-foxtrot", "c-platform"]);
    expect(await ids({ id: "p50", desc: false })).toEqual(["c-platform", "c-alpha", "c-delta", "c-foxtrot", "c-charlie", "c-bravo", "c-echo"]);
    expect(await ids({ id: "p50", desc: true })).toEqual(["c-bravo", "c-charlie", "c-foxtrot", "c-delta", "c-alpha", "c-platform", "c-echo"]);
    expect(await ids({ id: "p95", desc: true })).toEqual(["c-bravo", "c-charlie", "c-foxtrot", "c-alpha", "c-delta", "c-platform", "c-echo"]);
    expect(await ids({ id: "errorRate", desc: true })).toEqual(["c-bravo", "c-delta", "c-charlie", "c-foxtrot", "c-alpha", "c-platform", "c-echo"]);
    expect(await ids({ id: "lastCheck", desc: true })).toEqual(["c-bravo", "c-foxtrot", "c-platform", "c-alpha", "c-delta", "c-charlie", "c-echo"]);
    expect((await ids({ id: "nextCheck", desc: false })).at(-1)).toBe("c-echo");
  });

  it("counts connections per status for the summary cards, scoped", async () => {
    expect(await countHealthByStatus(acme)).toEqual({ healthy: 3, degraded: 1, failing: 1, disconnected: 1, unknown: 1 });
    expect(await countHealthByStatus(globex)).toEqual({ healthy: 2, degraded: 0, failing: 1, disconnected: 0, unknown: 0 });
    expect(await listHealthProviders(acme)).toEqual(["hubspot", "slack", "smtp", "stripe"]);
  });

  it("reads one connection's health, signals and transitions only when it is visible", async () => {
    expect(await getConnectionHealth(acme, "c-alpha")).toMatchObject({ name: "Alpha mail", latencyP50Ms: 40 });
    expect(await getConnectionHealth(acme, "c-platform")).toMatchObject({ orgId: null });
    expect(await getConnectionHealth(acme, "g-one")).toBeUndefined();
    const signals = await listRecentSignals(acme, "c-alpha", 5);
    expect(signals).toHaveLength(5);
    expect(signals[0]!.message).toBe("h0k0");
    expect(signals.map((s) => s.checkedAt.getTime())).toEqual([...signals.map((s) => s.checkedAt.getTime())].sort((a, b) => b - a));
    expect(await listRecentSignals(acme, "g-one", 5)).toEqual([]);
    expect((await listStatusChanges(acme, "c-alpha", 10)).map((c) => c.toStatus)).toEqual(["degraded", "healthy"]);
    expect(await listStatusChanges(acme, "g-one", 10)).toEqual([]);
  });

  it("buckets one connection's signals by hour over 24 h and by 6 h over 7 days", async () => {
    const day = await healthSeries(acme, "c-alpha", "24h", now);
    expect(day).toHaveLength(24);
    expect(day.reduce((n, b) => n + b.total, 0)).toBe(12);
    expect(day.reduce((n, b) => n + b.failed, 0)).toBe(1);
    const filled = day.filter((b) => b.total > 0);
    for (const b of filled) expect(b.p50).not.toBeNull();
    expect(day.filter((b) => b.total === 0).every((b) => b.p50 === null && b.successRate === null)).toBe(true);
    // Buckets are whole hours, oldest first, the last one holding now.
    expect(day.every((b) => b.at.getTime() % HOUR === 0)).toBe(true);
    expect(day.at(-1)!.at.getTime()).toBeLessThanOrEqual(now.getTime());
    expect(now.getTime() - day.at(-1)!.at.getTime()).toBeLessThan(HOUR);

    const week = await healthSeries(acme, "c-alpha", "7d", now);
    expect(week).toHaveLength(28);
    expect(week.reduce((n, b) => n + b.total, 0)).toBe(13);
    expect(week.every((b) => b.at.getTime() % (6 * HOUR) === 0)).toBe(true);

    const foreign = await healthSeries(acme, "g-one", "24h", now);
    expect(foreign.reduce((n, b) => n + b.total, 0)).toBe(0);
  });

  it("sets a check interval for a visible connection only, creating the health row if needed", async () => {
    const r = await handle.db.transaction((tx) => setCheckInterval(acme, "c-echo", 3600, tx));
    expect(r?.previous).toBe(300);
    // Never checked: the next check is now.
    expect(Math.abs(r!.nextCheckAt.getTime() - Date.now())).toBeLessThan(60_000);
    const alpha = await handle.db.transaction((tx) => setCheckInterval(acme, "c-alpha", 7200, tx));
    // Last checked 5 minutes ago: next check 2 h after that.
    expect(alpha!.nextCheckAt.getTime()).toBeGreaterThan(now.getTime() + HOUR);
    expect((await getConnectionHealth(acme, "c-alpha"))?.intervalSeconds).toBe(7200);
    expect(await handle.db.transaction((tx) => setCheckInterval(acme, "g-two", 3600, tx))).toBeUndefined();
    expect((await getConnectionHealth(globex, "g-two"))?.intervalSeconds).toBe(300);
  });
});
