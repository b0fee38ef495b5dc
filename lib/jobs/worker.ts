import "server-only";
import { randomUUID } from "node:crypto";
import os from "node:os";
import { deleteWorkerHeartbeat, upsertWorkerHeartbeat } from "@/db/queries/health";
import { startPassiveHealth, stopPassiveHealth } from "@/lib/health/passive";
import { logger } from "@/lib/logger";
import { startWebhookQueue, stopWebhookQueue } from "@/lib/webhooks/queue";
import { getBoss, stopBoss } from "./boss";
import { handlers, type Handler } from "./handlers";
import { queueDefs, queueNames, type JobData, type QueueName } from "./queues";

export const HEARTBEAT_MS = 10_000;

type WorkerState = { id: string; heartbeat: NodeJS.Timeout };
type GlobalWithWorkers = typeof globalThis & { __patchbayWorkers?: Promise<WorkerState> };
const g = globalThis as GlobalWithWorkers;

async function startOnce(opts: { concurrency: number }): Promise<WorkerState> {
  const boss = await getBoss();
  for (const name of queueNames) {
    const handler = handlers[name] as Handler<QueueName>;
    await boss.work<JobData[QueueName]>(name, { localConcurrency: opts.concurrency, pollingIntervalSeconds: 1 }, async ([job]) => {
      const started = performance.now();
      try {
        const result = await handler(job!);
        logger.debug({ queue: name, jobId: job!.id, ms: Math.round(performance.now() - started) }, "job done");
        return result;
      } catch (err) {
        logger.warn({ queue: name, jobId: job!.id, err: (err as Error).message }, "job failed; it is retried per the queue's policy");
        throw err;
      }
    });
    const cron = queueDefs[name].cron;
    // Kept in the database: every instance schedules the same key, pg-boss sends once per tick.
    // singletonSeconds: a retried send of the same tick (its pass expired under load) lands in the same
    // one-minute slot and is dropped, instead of becoming a second job of that minute.
    if (cron) await boss.schedule(name, cron, {}, { singletonKey: `cron:${name}`, singletonSeconds: 60 });
  }
  // Inbound webhook events are queued in their own table, not in pg-boss (lib/webhooks/queue.ts).
  startWebhookQueue();
  startPassiveHealth();
  const id = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const beat = () => upsertWorkerHeartbeat({ id, host: os.hostname(), pid: process.pid, queues: queueNames }).catch((err) => logger.warn({ err }, "worker heartbeat failed"));
  await beat();
  const heartbeat = setInterval(beat, HEARTBEAT_MS);
  heartbeat.unref();
  logger.info({ worker: id, queues: queueNames.length }, "job workers started");
  return { id, heartbeat };
}

/** Start this process's job workers (idempotent). `npm start` runs them beside the web server. */
export function startWorkers(opts: { concurrency?: number } = {}): Promise<WorkerState> {
  g.__patchbayWorkers ??= startOnce({ concurrency: opts.concurrency ?? 4 });
  return g.__patchbayWorkers;
}

/** Stop the workers: running jobs get `timeoutMs` to finish; unfinished ones are retried elsewhere. */
export async function stopWorkers(timeoutMs = 10_000): Promise<void> {
  const running = g.__patchbayWorkers;
  g.__patchbayWorkers = undefined;
  const state = await running?.catch(() => null);
  stopPassiveHealth();
  await stopWebhookQueue();
  if (state) {
    clearInterval(state.heartbeat);
    await deleteWorkerHeartbeat(state.id).catch(() => {});
  }
  await stopBoss(timeoutMs);
}
