import "server-only";
import { sql } from "drizzle-orm";
import { Counter, Gauge } from "prom-client";
import { getDb } from "@/db/client";
import { breakerStates } from "@/db/schema";
import { countQueuedWebhookEvents } from "@/db/queries/webhook-events";
import { countLiveWorkers } from "@/lib/jobs/admin";
import { getBoss } from "@/lib/jobs/boss";
import { DEAD_LETTER_QUEUE, queueNames } from "@/lib/jobs/queues";
import { logger } from "@/lib/logger";
import { metricsRegistry, registerOnce as once } from "./registry";

/** A collector that has not answered by then is skipped for this scrape (and counted as an error). */
export const COLLECT_TIMEOUT_MS = 2_000;

/** The collectors of the scrape in progress. */
const inflight = new Set<Promise<void>>();

export const collectErrors = once(
  "patchbay_metrics_collect_errors_total",
  () =>
    new Counter({
      name: "patchbay_metrics_collect_errors_total",
      help: "Scrape-time collectors that failed or timed out (their gauges are left empty for that scrape).",
      labelNames: ["collector"] as const,
      registers: [metricsRegistry],
      // The registry starts every metric's collect() in one synchronous pass, this one first: let
      // the others start, then wait for them, so a failure shows in the same scrape.
      async collect() {
        await new Promise((resolve) => setImmediate(resolve));
        await Promise.allSettled([...inflight]);
      },
    }),
);

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A gauge filled at scrape time by one query. It is reset first, so a failed or slow query leaves
 * it empty (absent series) rather than repeating stale values; the failure is counted, never thrown:
 * a scrape must not fail because one source is down.
 */
function scrapeGauge<L extends string>(name: string, help: string, labelNames: readonly L[], load: () => Promise<{ labels: Record<L, string>; value: number }[]>) {
  return once(
    name,
    () =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [metricsRegistry],
        collect() {
          const run = (async () => {
            this.reset();
            try {
              const samples = await withTimeout(load(), COLLECT_TIMEOUT_MS);
              for (const s of samples) this.set(s.labels as never, s.value);
            } catch (err) {
              collectErrors.inc({ collector: name });
              logger.warn({ collector: name, err: (err as Error).message }, "metrics collector failed");
            }
          })();
          inflight.add(run);
          return run.finally(() => inflight.delete(run));
        },
      }),
  );
}

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

export function registerCollectors(): void {
  scrapeGauge("patchbay_connections", "Connections by provider, lifecycle status and health status.", ["provider", "status", "health"], async () => {
    const rows = rowsOf<{ provider: string; status: string; health: string; n: number }>(
      await getDb().execute(sql`select provider_key as provider, status, health_status as health, count(*)::int as n from integrations group by 1, 2, 3`),
    );
    return rows.map((r) => ({ labels: { provider: r.provider, status: r.status, health: r.health }, value: Number(r.n) }));
  });

  scrapeGauge(
    "patchbay_connection_breaker_state",
    "Circuit breaker of each connection that has health data: 1 for its current state (closed, open or half-open), 0 for the others.",
    ["connection_id", "provider", "state"],
    async () => {
      const rows = rowsOf<{ id: string; provider: string; state: string }>(
        await getDb().execute(sql`select h.integration_id as id, i.provider_key as provider, h.breaker_state as state from connection_health h join integrations i on i.id = h.integration_id`),
      );
      return rows.flatMap((r) => breakerStates.map((state) => ({ labels: { connection_id: r.id, provider: r.provider, state }, value: r.state === state ? 1 : 0 })));
    },
  );

  scrapeGauge(
    "patchbay_jobs",
    "Jobs per queue and state as last counted by the queue's monitor: queued (ready now), deferred (scheduled later), active, failed (retained, recent).",
    ["queue", "state"],
    async () => {
      const queues = await (await getBoss()).getQueues([...queueNames, DEAD_LETTER_QUEUE]);
      return queues.flatMap((q) => [
        { labels: { queue: q.name, state: "queued" }, value: q.readyCount },
        { labels: { queue: q.name, state: "deferred" }, value: q.deferredCount },
        { labels: { queue: q.name, state: "active" }, value: q.activeCount },
        { labels: { queue: q.name, state: "failed" }, value: q.failedCount },
      ]);
    },
  );

  scrapeGauge(
    "patchbay_webhook_queue",
    "Inbound webhook events not processed yet: received (due or waiting for a worker), processing (claimed), failed (waiting for a retry).",
    ["status"],
    async () => {
      const counts = new Map((await countQueuedWebhookEvents()).map((r) => [r.status as string, Number(r.n)]));
      return ["received", "processing", "failed"].map((status) => ({ labels: { status }, value: counts.get(status) ?? 0 }));
    },
  );

  scrapeGauge("patchbay_workers_alive", "Job worker processes that sent a heartbeat in the last 45 seconds.", [], async () => [{ labels: {}, value: await countLiveWorkers() }]);
}
