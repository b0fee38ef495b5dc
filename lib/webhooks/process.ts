import "server-only";
import { getDb, type Tx } from "@/db/client";
import { getVisibleConnection, type ConnectionRow } from "@/db/queries/integrations";
import { claimWebhookEvent, markWebhookEventFailed, markWebhookEventsProcessed, type WebhookEventRow } from "@/db/queries/webhook-events";
import { EVENTS_CHANNEL, liveEventPayload, publishEvent } from "@/lib/events/publish";
import { logger } from "@/lib/logger";
import { listEnabledStreamsOfConnection } from "@/db/queries/sync";
import { batchMemo, providerWebhookHandlers, webhookListeners, type BatchMemo } from "./handlers";
import { triggerSyncFromWebhook } from "@/lib/sync/service";

export type ProcessOutcome = { status: "processed" | "skipped"; eventId: string };

/** Attempts per event (the first and 5 retries) before it is dead; a replay gives it a fresh budget. */
export const MAX_PROCESS_ATTEMPTS = 6;
/** How long a claimed event is reserved for its worker; after that another worker takes it over. */
export const PROCESS_LEASE_SECONDS = 120;

/** Backoff after the n-th failed attempt of a run: 5 s, 10 s, 20 s … at most 10 minutes. */
export function retryDelaySeconds(runAttempt: number): number {
  return Math.min(600, 5 * 2 ** Math.max(0, runAttempt - 1));
}

function loadConnection(event: WebhookEventRow, tx: Tx, memo: BatchMemo): Promise<ConnectionRow | undefined> {
  return memo(`connection:${event.orgId ?? ""}:${event.integrationId}`, () => getVisibleConnection(event.orgId ?? "", event.integrationId, tx));
}

type Done = { id: string; at: string; ms: number; note: string };

/** The provider's handler and the listeners, in the caller's transaction; what the "processed" mark needs. */
async function runHandlers(tx: Tx, event: WebhookEventRow, memo: BatchMemo = batchMemo()): Promise<Done> {
  const connection = await loadConnection(event, tx, memo);
  if (connection) {
    const ctx = { event, connection, memo };
    await providerWebhookHandlers[event.providerKey]?.(tx, ctx);
    for (const listener of webhookListeners) await listener(tx, ctx);
    const streams = await memo(`sync-streams:${connection.id}`, () => (connection.orgId ? listEnabledStreamsOfConnection(connection.orgId, connection.id, tx) : Promise.resolve([])));
    await triggerSyncFromWebhook(tx, { connection, payload: event.payload, streams });
  }
  const processedAt = new Date();
  const latencyMs = Math.max(0, processedAt.getTime() - event.receivedAt.getTime());
  const note = liveEventPayload({ orgId: event.orgId, type: "webhook.processed", data: { id: event.id, connectionId: event.integrationId, status: "processed", latencyMs } });
  return { id: event.id, at: processedAt.toISOString(), ms: latencyMs, note };
}

async function recordFailure(tx: Tx, event: WebhookEventRow, message: string, dead: boolean): Promise<void> {
  const nextAttemptAt = new Date(Date.now() + retryDelaySeconds(event.runAttempts) * 1000);
  await markWebhookEventFailed(event.id, { dead, lastError: message.slice(0, 2000), nextAttemptAt }, tx);
  await publishEvent(tx, { orgId: event.orgId, type: "webhook.processed", data: { id: event.id, connectionId: event.integrationId, status: dead ? "dead" : "failed" } });
}

const exhaustedMessage = (event: WebhookEventRow) => event.lastError ?? `Processing did not finish in ${MAX_PROCESS_ATTEMPTS} attempts (the worker stopped each time).`;

export type BatchResult = { processed: number; failed: number; dead: number; errors: Map<string, unknown> };

/**
 * Process events already claimed (status processing, attempt counted). The whole batch runs in ONE
 * transaction, its "processed" marks and live events in one statement at the end. If anything in
 * it throws, that transaction rolls back and each event runs again in its own transaction: the
 * failing one is recorded as failed (retried after its backoff) or, out of attempts, dead; the
 * others commit. An event claimed with its attempts already used up (its workers kept dying on
 * it) is dead without running again.
 */
export async function processClaimedEvents(events: WebhookEventRow[], opts: { deadOnFailure?: boolean } = {}): Promise<BatchResult> {
  const result: BatchResult = { processed: 0, failed: 0, dead: 0, errors: new Map() };
  const runnable = events.filter((e) => e.runAttempts <= MAX_PROCESS_ATTEMPTS);
  const exhausted = events.filter((e) => e.runAttempts > MAX_PROCESS_ATTEMPTS);
  if (exhausted.length) {
    await getDb().transaction(async (tx) => {
      for (const event of exhausted) await recordFailure(tx, event, exhaustedMessage(event), true);
    });
    result.dead += exhausted.length;
  }
  if (runnable.length > 1) {
    try {
      await getDb().transaction(async (tx) => {
        const done: Done[] = [];
        const memo = batchMemo();
        for (const event of runnable) done.push(await runHandlers(tx, event, memo));
        await markWebhookEventsProcessed(done, EVENTS_CHANNEL, tx);
      });
      result.processed += runnable.length;
      return result;
    } catch {
      // One event (or the database) failed: find out which, one event at a time.
    }
  }
  for (const event of runnable) {
    try {
      await getDb().transaction(async (tx) => markWebhookEventsProcessed([await runHandlers(tx, event)], EVENTS_CHANNEL, tx));
      result.processed++;
    } catch (err) {
      const dead = opts.deadOnFailure === true || event.runAttempts >= MAX_PROCESS_ATTEMPTS;
      const message = err instanceof Error ? err.message : String(err);
      logger.warn({ eventId: event.id, provider: event.providerKey, attempt: event.runAttempts, dead, err }, "webhook processing failed");
      await getDb().transaction((tx) => recordFailure(tx, event, message, dead));
      result.errors.set(event.id, err);
      if (dead) result.dead++;
      else result.failed++;
    }
  }
  return result;
}

/**
 * Process one stored event now (replays, tests, the sync trigger): it is claimed like the workers
 * claim (attempt counted first, in its own statement, so a crash still shows up), then handled. A
 * failure is recorded (failed, retried by the workers after its backoff; dead once out of
 * attempts or when `job.retryCount` says this was the last allowed retry) and rethrown.
 */
export async function processWebhookEvent(eventId: string, job: { retryCount: number } = { retryCount: 0 }): Promise<ProcessOutcome> {
  const event = await claimWebhookEvent(eventId, PROCESS_LEASE_SECONDS);
  if (!event) return { status: "skipped", eventId };
  const result = await processClaimedEvents([event], { deadOnFailure: job.retryCount >= MAX_PROCESS_ATTEMPTS - 1 });
  if (result.errors.has(eventId)) throw result.errors.get(eventId);
  return { status: "processed", eventId };
}
