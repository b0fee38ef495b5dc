import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { lockHealthRow, updateHealthRow, upsertWorkerHeartbeat } from "@/db/queries/health";
import { webhookEvents, webhookQueue } from "@/db/schema";
import { testDbKinds, useTestDb } from "@/db/testing";
import { GET as metricsRoute } from "@/app/api/metrics/route";
import { createConnection } from "@/lib/connections/service";
import { resetEnvForTests } from "@/lib/env";
import { getBoss, stopBoss } from "@/lib/jobs/boss";
import { completeSetup } from "@/lib/organizations/setup";
import { migrationsCheck, readiness } from "./readiness";

type Sample = { name: string; labels: Record<string, string>; value: number };

/** Prometheus text exposition → samples (comments skipped). */
function parseMetrics(text: string): Sample[] {
  return text
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((line) => {
      const m = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/);
      if (!m) throw new Error(`not a sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) => samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

async function scrape(headers: Record<string, string> = {}) {
  const res = await metricsRoute(new Request("http://patchbay.test/api/metrics", { headers }));
  return { res, samples: res.status === 200 ? parseMetrics(await res.text()) : [] };
}

describe.each(testDbKinds())("metrics and readiness on %s", (kind) => {
  let handle: DbHandle;
  let connectionId: string;

  beforeAll(async () => {
    handle = await useTestDb(kind);
    await getBoss();
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    const actor = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: true };
    const created = await createConnection({ org: setup.org, actor, providerKey: "smtp", platformWide: false, name: "Relay", values: { host: "smtp.example.com", port: "587", security: "starttls", fromAddress: "a@acme.test" }, testBeforeSave: false, ip: null });
    connectionId = created.id;
    await handle.db.transaction(async (tx) => {
      await lockHealthRow(connectionId, setup.org.id, tx);
      await updateHealthRow(connectionId, { breakerState: "open" }, tx);
    });
  }, 60_000);
  afterEach(() => {
    delete process.env.PATCHBAY_METRICS_TOKEN;
    resetEnvForTests();
  });
  afterAll(async () => {
    await stopBoss(1_000);
    await handle.close();
  });

  it("exposes connections, breaker states, job queues and live workers", async () => {
    await upsertWorkerHeartbeat({ id: "test-worker", host: "test", pid: 1, queues: ["health-check"] });
    const { res, samples } = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(find(samples, "patchbay_connections", { provider: "smtp", health: "unknown" })).toHaveLength(1);
    expect(find(samples, "patchbay_connections", { provider: "smtp" })[0]!.value).toBe(1);
    expect(find(samples, "patchbay_connection_breaker_state", { connection_id: connectionId, state: "open" })[0]).toMatchObject({ value: 1, labels: { provider: "smtp" } });
    expect(find(samples, "patchbay_connection_breaker_state", { connection_id: connectionId, state: "closed" })[0]!.value).toBe(0);
    for (const state of ["queued", "deferred", "active", "failed"]) {
      expect(find(samples, "patchbay_jobs", { queue: "health-check", state })).toHaveLength(1);
      expect(find(samples, "patchbay_jobs", { queue: "dead-letter", state })).toHaveLength(1);
    }
    expect(find(samples, "patchbay_jobs").filter((s) => s.labels.queue!.startsWith("__pgboss"))).toHaveLength(0);
    expect(find(samples, "patchbay_workers_alive")[0]!.value).toBe(1);
    for (const status of ["received", "processing", "failed"]) expect(find(samples, "patchbay_webhook_queue", { status })[0]!.value).toBe(0);
  });

  it("counts the inbound webhook events not processed yet, by status", async () => {
    const event = (deliveryId: string, status: string) => ({ integrationId: connectionId, providerKey: "smtp", deliveryId, eventType: "test", body: "{}", status: status as "received" });
    const rows = await handle.db
      .insert(webhookEvents)
      .values([event("d1", "received"), event("d2", "received"), event("d3", "failed"), event("d4", "processed"), event("d5", "dead"), event("d6", "processing")])
      .returning({ id: webhookEvents.id, status: webhookEvents.status });
    // The queue lists what is still to process (as the ingest, a failure and a claim leave it); processed and dead events are off it.
    await handle.db.insert(webhookQueue).values(rows.filter((r) => r.status !== "processed" && r.status !== "dead").map((r) => ({ eventId: r.id })));
    try {
      const { samples } = await scrape();
      expect(find(samples, "patchbay_webhook_queue", { status: "received" })[0]!.value).toBe(2);
      expect(find(samples, "patchbay_webhook_queue", { status: "failed" })[0]!.value).toBe(1);
      expect(find(samples, "patchbay_webhook_queue", { status: "processing" })[0]!.value).toBe(1);
    } finally {
      await handle.db.delete(webhookEvents);
    }
  });

  it("a failing collector is counted and leaves the rest of the scrape intact", async () => {
    await handle.db.execute(sql`alter table connection_health rename to connection_health_moved`);
    try {
      const { res, samples } = await scrape();
      expect(res.status).toBe(200);
      expect(find(samples, "patchbay_connection_breaker_state")).toHaveLength(0);
      expect(find(samples, "patchbay_metrics_collect_errors_total", { collector: "patchbay_connection_breaker_state" })[0]!.value).toBeGreaterThanOrEqual(1);
      expect(find(samples, "patchbay_connections", { provider: "smtp" })).toHaveLength(1);
    } finally {
      await handle.db.execute(sql`alter table connection_health_moved rename to connection_health`);
    }
  });

  it("requires the bearer token when PATCHBAY_METRICS_TOKEN is set", async () => {
    process.env.PATCHBAY_METRICS_TOKEN = "scrape-secret-123";
    resetEnvForTests();
    const none = await scrape();
    expect(none.res.status).toBe(401);
    expect(none.res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await none.res.json()).toMatchObject({ error: { code: "unauthorized" } });
    expect((await scrape({ authorization: "Bearer scrape-secret-12" })).res.status).toBe(401);
    expect((await scrape({ authorization: "Basic scrape-secret-123" })).res.status).toBe(401);
    const ok = await scrape({ authorization: "Bearer scrape-secret-123" });
    expect(ok.res.status).toBe(200);
    expect(find(ok.samples, "patchbay_workers_alive")).toHaveLength(1);
  });

  it("is ready with every migration applied, a started queue and a live worker", async () => {
    await upsertWorkerHeartbeat({ id: "test-worker", host: "test", pid: 1, queues: ["health-check"] });
    const r = await readiness();
    expect(r).toMatchObject({ ok: true, failing: [], checks: { database: { ok: true }, migrations: { ok: true }, jobQueue: { ok: true }, workers: { ok: true, alive: 1 } } });
    expect(r.checks.migrations.applied).toBe(r.checks.migrations.expected);
  });

  it("is not ready when the newest migration is not applied, or no worker reported lately", async () => {
    await handle.db.execute(sql`update worker_heartbeats set seen_at = now() - interval '2 minutes'`);
    const result = await handle.db.execute(sql`select id, hash, created_at::text as created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`);
    const [latest] = (result as unknown as { rows: { id: number; hash: string; created_at: string }[] }).rows;
    await handle.db.execute(sql`delete from drizzle.__drizzle_migrations where id = ${latest!.id}`);
    try {
      const check = await migrationsCheck();
      expect(check).toMatchObject({ ok: false });
      expect(check.message).toMatch(/Restart Patchbay to apply them/);
      const r = await readiness();
      expect(r.ok).toBe(false);
      expect(r.failing).toEqual(["migrations", "workers"]);
      expect(r.checks.workers.message).toMatch(/No job worker has reported in the last 45 s/);
    } finally {
      await handle.db.execute(sql`insert into drizzle.__drizzle_migrations (id, hash, created_at) values (${latest!.id}, ${latest!.hash}, ${latest!.created_at}::bigint)`);
    }
    expect((await migrationsCheck()).ok).toBe(true);
  });
});
