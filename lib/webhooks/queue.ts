import "server-only";
import { claimDueWebhookEvents } from "@/db/queries/webhook-events";
import { listenChannel, type ChannelListener } from "@/lib/events/listen";
import { EVENTS_CHANNEL } from "@/lib/events/publish";
import { logger } from "@/lib/logger";
import { PROCESS_LEASE_SECONDS, processClaimedEvents, type BatchResult } from "./process";

/**
 * The inbound-webhook queue is the webhook_queue table: the statement that stores an event also
 * queues it (due now); no job is inserted per delivery. Each worker process claims due
 * rows in batches (`FOR UPDATE SKIP LOCKED`, see claimDueWebhookEvents), woken by the NOTIFY the
 * ingest statement already sends for the live event, plus a periodic sweep for what it missed
 * (a notification sent while its listener was reconnecting), retries whose backoff ran out and
 * events whose worker died (lease expired).
 */
export const SWEEP_MS = 2_000;
/** Events claimed (and processed in one transaction) per pass. */
export const BATCH_SIZE = 50;
/** After a wake-up, wait this long so that deliveries arriving together are processed together. */
const COALESCE_MS = 20;

type State = { stopped: boolean; again: boolean; running?: Promise<void>; pending?: NodeJS.Timeout; sweep: NodeJS.Timeout; listener: ChannelListener; batchSize: number };
type GlobalWithQueue = typeof globalThis & { __patchbayWebhookQueue?: State };
const g = globalThis as GlobalWithQueue;

const RECEIVED = '"type":"webhook.received"';

/** One pass: claim up to `limit` due events and process them. Exported for tests. */
export async function runWebhookQueueOnce(limit = BATCH_SIZE): Promise<BatchResult & { claimed: number }> {
  const claimed = await claimDueWebhookEvents(limit, PROCESS_LEASE_SECONDS);
  return { claimed: claimed.length, ...(await processClaimedEvents(claimed)) };
}

async function drain(s: State): Promise<void> {
  do {
    s.again = false;
    try {
      // Full batches: there may be more right behind them.
      while (!s.stopped && (await runWebhookQueueOnce(s.batchSize)).claimed === s.batchSize);
    } catch (err) {
      // The database is away: the rows stay queued; the next sweep tries again.
      logger.warn({ err }, "webhook queue pass failed; retrying at the next sweep");
      return;
    }
  } while (s.again && !s.stopped);
}

function wake(s: State, delayMs: number): void {
  if (s.stopped) return;
  if (s.running) {
    s.again = true;
    return;
  }
  if (s.pending) return;
  s.pending = setTimeout(() => {
    s.pending = undefined;
    s.running = drain(s).finally(() => {
      s.running = undefined;
      if (s.again) wake(s, 0);
    });
  }, delayMs);
}

/** Start claiming and processing stored webhook events in this process (idempotent). Resolves once it listens. */
export function startWebhookQueue(opts: { batchSize?: number; sweepMs?: number } = {}): Promise<void> {
  if (g.__patchbayWebhookQueue && !g.__patchbayWebhookQueue.stopped) return g.__patchbayWebhookQueue.listener.ready;
  const s = { stopped: false, again: false, batchSize: opts.batchSize ?? BATCH_SIZE } as State;
  s.listener = listenChannel(EVENTS_CHANNEL, {
    name: "webhook queue",
    onNotification: (payload) => {
      if (payload?.includes(RECEIVED)) wake(s, COALESCE_MS);
    },
    // Notifications may have been missed: look at once.
    onReset: () => wake(s, 0),
  });
  s.sweep = setInterval(() => wake(s, 0), opts.sweepMs ?? SWEEP_MS);
  s.sweep.unref();
  g.__patchbayWebhookQueue = s;
  return s.listener.ready;
}

/** Wake this process's webhook workers now (after a replay); nothing when they do not run here (the sweep finds the rows). */
export function wakeWebhookQueue(): void {
  const s = g.__patchbayWebhookQueue;
  if (s) wake(s, 0);
}

/** Stop: no new passes; the one running finishes (what it did not reach stays queued). */
export async function stopWebhookQueue(): Promise<void> {
  const s = g.__patchbayWebhookQueue;
  if (!s) return;
  s.stopped = true;
  clearInterval(s.sweep);
  clearTimeout(s.pending);
  await s.listener.stop();
  await s.running;
  if (g.__patchbayWebhookQueue === s) g.__patchbayWebhookQueue = undefined;
}
