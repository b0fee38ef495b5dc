// The inbound-webhook queue: webhook_queue lists the events still to process. Claims in batches without
// double-taking, retries with backoff, dead after the attempt budget, takes over events whose worker
// died, isolates a failing event inside its batch, and the running queue is woken by the ingest's
// own NOTIFY (and finds by its sweep what no notification announced).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eq, inArray, sql } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { testDbKinds, useTestDb } from "@/db/testing";
import { claimDueWebhookEvents, resetForReplay } from "@/db/queries/webhook-events";
import { webhookEvents, webhookQueue } from "@/db/schema";
import { POST } from "@/app/api/webhooks/[connectionId]/route";
import { createConnection } from "@/lib/connections/service";
import { getBoss, stopBoss } from "@/lib/jobs/boss";
import { completeSetup } from "@/lib/organizations/setup";
import { stopEventBus, subscribe } from "@/lib/events/bus";
import { stripeDelivery } from "./testing/signers";
import { providerWebhookHandlers } from "./handlers";
import { MAX_PROCESS_ATTEMPTS, retryDelaySeconds } from "./process";
import { runWebhookQueueOnce, startWebhookQueue, stopWebhookQueue } from "./queue";

const SECRET = "whsec_queue_test_secret";
const BASE = "http://hub.test";

describe.each(testDbKinds())("webhook queue on %s", (kind) => {
  let handle: DbHandle;
  let connectionId: string;
  let orgId: string;
  let n = 0;

  const deliver = async (type = "invoice.paid") => {
    const id = `evt_q${++n}`;
    const d = await stripeDelivery(SECRET, { id, type, object: "event", data: { object: {} } });
    const res = await POST(new Request(`${BASE}/api/webhooks/${connectionId}`, { method: "POST", headers: d.headers, body: d.body }), { params: Promise.resolve({ connectionId }) });
    expect(res.status).toBe(202);
    const [row] = await handle.db.select().from(webhookEvents).where(eq(webhookEvents.deliveryId, id));
    return row!;
  };
  const event = async (id: string) => (await handle.db.select().from(webhookEvents).where(eq(webhookEvents.id, id)))[0]!;
  const queued = async () => (await handle.db.select().from(webhookQueue)).map((q) => q.eventId).sort();
  /** Time passes for these events: their lease or backoff has run out (on the queue row workers go by, and on the event). */
  const makeDue = async (ids: string[]) => {
    await handle.db.update(webhookQueue).set({ dueAt: sql`now() - interval '1 second'` }).where(inArray(webhookQueue.eventId, ids));
    await handle.db.update(webhookEvents).set({ nextAttemptAt: sql`now() - interval '1 second'` }).where(inArray(webhookEvents.id, ids));
  };
  const waitFor = async (what: () => Promise<boolean>, ms = 10_000) => {
    const until = Date.now() + ms;
    while (!(await what())) {
      if (Date.now() > until) throw new Error("timed out");
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    handle = await useTestDb(kind);
    await getBoss();
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    orgId = setup.org.id;
    const actor = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: true };
    connectionId = (await createConnection({ org: setup.org, actor, providerKey: "stripe", platformWide: false, name: "Stripe", values: { secretKey: "sk_test_q", webhookSecret: SECRET }, testBeforeSave: false, ip: null })).id;
  }, 120_000);
  beforeEach(async () => {
    // Each test starts with an empty queue.
    await handle.db.update(webhookEvents).set({ status: "processed" }).where(inArray(webhookEvents.status, ["received", "failed", "processing"]));
    await handle.db.delete(webhookQueue);
  });
  afterAll(async () => {
    await stopWebhookQueue();
    await stopBoss(1_000);
    await handle.close();
  });

  it("claims due events in batches: two claimers at once never take the same event; processed events leave the queue", async () => {
    const stored = [];
    for (let i = 0; i < 12; i++) stored.push((await deliver()).id);
    // The statement that stored each event queued it.
    expect(await queued()).toEqual([...stored].sort());
    const [a, b] = await Promise.all([claimDueWebhookEvents(8, 60), claimDueWebhookEvents(8, 60)]);
    const ids = [...a, ...b].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual([...stored].sort());
    expect([...a, ...b].every((e) => e.status === "processing" && e.attempts === 1 && e.runAttempts === 1 && e.nextAttemptAt.getTime() > Date.now() + 50_000)).toBe(true);
    const leases = await handle.db.select().from(webhookQueue).where(inArray(webhookQueue.eventId, stored));
    expect(leases.every((q) => q.dueAt.getTime() > Date.now() + 50_000)).toBe(true);
    // Held by a live lease: nobody else claims them.
    expect(await claimDueWebhookEvents(50, 60)).toEqual([]);
    // A lease that ran out (the worker died): taken over, the attempt counted again.
    await makeDue(stored);
    const pass = await runWebhookQueueOnce(50);
    expect(pass).toMatchObject({ claimed: 12, processed: 12, failed: 0, dead: 0 });
    for (const id of stored) expect(await event(id)).toMatchObject({ status: "processed", attempts: 2, lastError: null });
    expect(await queued()).toEqual([]);
    expect((await runWebhookQueueOnce(50)).claimed).toBe(0);
  });

  it("a batch commits together and announces each event: one webhook.received at ingest and one webhook.processed per event", async () => {
    const sub = await subscribe(orgId);
    try {
      const stored = [await deliver(), await deliver(), await deliver()];
      expect(await runWebhookQueueOnce(50)).toMatchObject({ claimed: 3, processed: 3, failed: 0 });
      const seen: { type: string; id: unknown; status?: unknown; latencyMs?: unknown }[] = [];
      while (seen.length < 6) {
        const m = await sub.next(5_000);
        if (m === "timeout" || m === null) break;
        if (m.kind === "event") seen.push({ type: m.event.type, id: m.event.data.id, status: m.event.data.status, latencyMs: m.event.data.latencyMs });
      }
      for (const e of stored) {
        expect(seen.filter((x) => x.id === e.id).map((x) => x.type)).toEqual(["webhook.received", "webhook.processed"]);
        const row = await event(e.id);
        expect(row).toMatchObject({ status: "processed", lastError: null });
        expect(row.processedAt!.getTime()).toBeGreaterThanOrEqual(row.receivedAt.getTime());
        expect(seen.find((x) => x.id === e.id && x.type === "webhook.processed")).toMatchObject({ status: "processed", latencyMs: row.latencyMs });
      }
    } finally {
      sub.close();
      await stopEventBus();
    }
  });

  it("a failing event is rolled back alone (the batch is retried one event at a time), retried after its backoff, and dead after the attempt budget", async () => {
    const good = await deliver("invoice.paid");
    const bad = await deliver("invoice.bad");
    const good2 = await deliver("invoice.paid");
    providerWebhookHandlers.stripe = async (tx, { event: e }) => {
      // A write that must vanish with the failing event's savepoint.
      await tx.update(webhookEvents).set({ eventType: "touched" }).where(eq(webhookEvents.id, e.id));
      if (e.eventType === "invoice.bad") throw new Error("downstream exploded");
    };
    try {
      const first = await runWebhookQueueOnce(50);
      expect(first).toMatchObject({ claimed: 3, processed: 2, failed: 1, dead: 0 });
      expect(await event(good.id)).toMatchObject({ status: "processed", eventType: "touched" });
      expect(await event(good2.id)).toMatchObject({ status: "processed", eventType: "touched" });
      const failed = await event(bad.id);
      expect(failed).toMatchObject({ status: "failed", eventType: "invoice.bad", attempts: 1, runAttempts: 1, lastError: "downstream exploded" });
      expect(failed.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + (retryDelaySeconds(1) - 1) * 1000);
      const [entry] = await handle.db.select().from(webhookQueue).where(eq(webhookQueue.eventId, bad.id));
      expect(entry!.dueAt.getTime()).toBe(failed.nextAttemptAt.getTime());
      // Still queued (waiting for its retry), but not due yet.
      expect(await queued()).toEqual([bad.id]);
      expect((await runWebhookQueueOnce(50)).claimed).toBe(0);
      for (let attempt = 2; attempt <= MAX_PROCESS_ATTEMPTS; attempt++) {
        await makeDue([bad.id]);
        const pass = await runWebhookQueueOnce(50);
        expect(pass.claimed).toBe(1);
        expect(await event(bad.id)).toMatchObject({ status: attempt === MAX_PROCESS_ATTEMPTS ? "dead" : "failed", attempts: attempt });
      }
      // Dead: off the queue.
      expect(await queued()).toEqual([]);
      expect(retryDelaySeconds(2)).toBe(10);
      expect(retryDelaySeconds(20)).toBe(600);
      await makeDue([bad.id]);
      expect((await runWebhookQueueOnce(50)).claimed).toBe(0);
    } finally {
      delete providerWebhookHandlers.stripe;
    }
  });

  it("an event whose workers kept dying on it is dead once its lease runs out past the budget, without running again", async () => {
    const e = await deliver();
    let ran = 0;
    providerWebhookHandlers.stripe = async () => {
      ran++;
    };
    try {
      await handle.db.update(webhookEvents).set({ status: "processing", runAttempts: MAX_PROCESS_ATTEMPTS, attempts: MAX_PROCESS_ATTEMPTS }).where(eq(webhookEvents.id, e.id));
      await makeDue([e.id]);
      expect(await runWebhookQueueOnce(50)).toMatchObject({ claimed: 1, dead: 1, processed: 0 });
      expect(ran).toBe(0);
      expect(await event(e.id)).toMatchObject({ status: "dead", attempts: MAX_PROCESS_ATTEMPTS + 1 });
      expect((await event(e.id)).lastError).toMatch(/did not finish in 6 attempts/);
    } finally {
      delete providerWebhookHandlers.stripe;
    }
  });

  it("no index of webhook_events covers a column that processing updates (the claim and the outcome stay HOT updates)", async () => {
    const updated = ["status", "attempts", "run_attempts", "next_attempt_at", "last_error", "processed_at", "latency_ms"];
    const res = await handle.db.execute(sql`
      select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def
      from pg_index i where i.indrelid = 'webhook_events'::regclass`);
    const indexes = (res as unknown as { rows: { name: string; def: string }[] }).rows;
    expect(indexes.length).toBeGreaterThanOrEqual(3);
    for (const { name, def } of indexes) for (const column of updated) expect(def.includes(column), `${name}: ${def}`).toBe(false);
  });

  const settle = () => new Promise((r) => setTimeout(r, 300));

  it("the running queue processes a delivery as soon as the ingest's NOTIFY arrives (no sweep in time)", async () => {
    await startWebhookQueue({ sweepMs: 60_000 });
    try {
      await settle(); // the pass that follows LISTEN is over
      const started = Date.now();
      const e = await deliver();
      await waitFor(async () => (await event(e.id)).status === "processed", 5_000);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await stopWebhookQueue();
    }
  });

  it("the sweep finds a row that no notification announced (a replay in another process, a missed NOTIFY)", async () => {
    const quiet = await deliver();
    await runWebhookQueueOnce(50);
    expect((await event(quiet.id)).status).toBe("processed");
    await startWebhookQueue({ sweepMs: 300 });
    try {
      await settle();
      // What a replay does to the rows (lib/webhooks/admin.ts also wakes its own process's workers).
      expect(await resetForReplay(orgId, [quiet.id], handle.db)).toEqual([{ id: quiet.id, orgId }]);
      expect(await queued()).toEqual([quiet.id]);
      await waitFor(async () => (await event(quiet.id)).status === "processed", 5_000);
      expect((await event(quiet.id)).attempts).toBe(2);
    } finally {
      await stopWebhookQueue();
    }
  });
});
