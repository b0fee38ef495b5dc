import "server-only";
import { sql } from "drizzle-orm";
import { PgBoss, fromDrizzle, fromPglite } from "pg-boss";
import { dbHandle, type DbHandle, type Executor } from "@/db/client";
import { logger } from "@/lib/logger";
import { DEAD_LETTER_QUEUE, queueDefs, queueNames, type JobData, type QueueName } from "./queues";

export const BOSS_SCHEMA = "pgboss";

type BossState = { handle: DbHandle; boss: Promise<PgBoss>; ready?: PgBoss };
type GlobalWithBoss = typeof globalThis & { __patchbayBoss?: BossState };
const g = globalThis as GlobalWithBoss;

// A job whose worker died is found (expired → retried) by a supervise pass; pg-boss runs it once
// a minute by default, so a killed worker's health check came back only after 1.5-3.5 minutes.
// Every 15 s: a rerun within about expireInSeconds + 30 s.
const timing = { cronWorkerIntervalSeconds: 5, superviseIntervalSeconds: 15, monitorIntervalSeconds: 15 };

async function createBoss(handle: DbHandle): Promise<PgBoss> {
  const boss =
    handle.kind === "pglite"
      ? new PgBoss({ db: fromPglite(handle.pglite), backend: "pglite", schema: BOSS_SCHEMA, ...timing })
      : new PgBoss({ connectionString: handle.url, schema: BOSS_SCHEMA, max: 4, application_name: "patchbay-jobs", ...timing });
  boss.on("error", (err) => logger.error({ err }, "job queue error"));
  boss.on("warning", (w) => logger.warn({ warning: w }, "job queue warning"));
  await boss.start();
  await boss.createQueue(DEAD_LETTER_QUEUE, { retentionSeconds: 14 * 86_400 });
  for (const name of queueNames) {
    const { description: _d, cron: _c, ...options } = queueDefs[name];
    await boss.createQueue(name, options);
  }
  // Warm pg-boss's queue cache: on PGlite (one connection) a cache miss inside a caller's
  // transaction would wait for that transaction to end, i.e. forever.
  for (const name of [...queueNames, DEAD_LETTER_QUEUE]) await boss.findJobs(name, { id: "00000000-0000-0000-0000-000000000000" });
  return boss;
}

/** The process-wide pg-boss instance on the current database, started (and its schema migrated) once. */
export function getBoss(): Promise<PgBoss> {
  const handle = dbHandle();
  if (!g.__patchbayBoss || g.__patchbayBoss.handle !== handle) {
    const boss = createBoss(handle);
    const state: BossState = { handle, boss };
    g.__patchbayBoss = state;
    boss.then((b) => (state.ready = b)).catch(() => {});
    boss.catch(() => {
      if (g.__patchbayBoss?.boss === boss) g.__patchbayBoss = undefined;
    });
  }
  return g.__patchbayBoss.boss;
}

/** Stop this process's pg-boss (graceful: running jobs get `timeoutMs` to finish). */
export async function stopBoss(timeoutMs = 10_000): Promise<void> {
  const state = g.__patchbayBoss;
  if (!state) return;
  g.__patchbayBoss = undefined;
  const boss = await state.boss.catch(() => null);
  await boss?.stop({ graceful: true, timeout: timeoutMs, close: true });
}

export type EnqueueOptions = {
  /** At most one queued job per key on stately/singleton queues (a second send returns null). */
  singletonKey?: string;
  startAfter?: Date | number;
  /** Enqueue inside the caller's transaction: rolled back → no job. */
  tx?: Executor;
};

/** Put a job on a queue. Returns its id, or null when a singleton key already has one queued. */
export async function enqueue<Q extends QueueName>(name: Q, data: JobData[Q], opts: EnqueueOptions = {}): Promise<string | null> {
  const state = g.__patchbayBoss;
  if (opts.tx && dbHandle().kind === "pglite" && !(state?.handle === dbHandle() && state.ready)) {
    // Starting pg-boss issues statements outside the caller's transaction; on PGlite's single
    // connection they would wait for that transaction forever. boot() starts it first.
    throw new Error("The job queue is not started yet: call getBoss() before enqueueing inside a transaction.");
  }
  const boss = await getBoss();
  return boss.send(name, data, {
    singletonKey: opts.singletonKey,
    startAfter: opts.startAfter,
    db: opts.tx ? fromDrizzle(opts.tx as never, sql as never) : undefined,
  });
}
