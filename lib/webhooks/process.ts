import "server-only";
import { getDb, type Tx } from "@/db/client";
import { getVisibleConnection, type ConnectionRow } from "@/db/queries/integrations";
import { lockWebhookEvent, updateWebhookEvent, type WebhookEventRow } from "@/db/queries/webhook-events";
import { publishEvent } from "@/lib/events/publish";
import { queueDefs } from "@/lib/jobs/queues";
import { logger } from "@/lib/logger";
import { providerWebhookHandlers, webhookListeners } from "./handlers";
import { triggerSyncFromWebhook } from "@/lib/sync/service";

export type ProcessOutcome = { status: "processed" | "skipped"; eventId: string };

async function loadConnection(event: WebhookEventRow, tx: Tx): Promise<ConnectionRow | undefined> {
  return getVisibleConnection(event.orgId ?? "", event.integrationId, tx);
}

/**
 * Process one stored event (the `webhook-process` job). The attempt is counted first, in its own
 * transaction, so a crash still shows up; the provider's handler and the "processed" mark then
 * commit together. A failure is recorded and rethrown for pg-boss to retry with backoff; the last
 * allowed attempt marks the event dead as the job moves to the dead-letter queue.
 */
export async function processWebhookEvent(eventId: string, job: { retryCount: number }): Promise<ProcessOutcome> {
  const started = await getDb().transaction(async (tx) => {
    const event = await lockWebhookEvent(eventId, tx);
    if (!event || event.status === "processed") return null;
    await updateWebhookEvent(eventId, { status: "processing", attempts: event.attempts + 1 }, tx);
    return event;
  });
  if (!started) return { status: "skipped", eventId };
  try {
    await getDb().transaction(async (tx) => {
      const connection = await loadConnection(started, tx);
      if (connection) {
        await providerWebhookHandlers[started.providerKey]?.(tx, { event: started, connection });
        for (const listener of webhookListeners) await listener(tx, { event: started, connection });
        await triggerSyncFromWebhook(tx, { connection, payload: started.payload });
      }
      const processedAt = new Date();
      const latencyMs = Math.max(0, processedAt.getTime() - started.receivedAt.getTime());
      await updateWebhookEvent(eventId, { status: "processed", processedAt, latencyMs, lastError: null }, tx);
      await publishEvent(tx, { orgId: started.orgId, type: "webhook.processed", data: { id: eventId, connectionId: started.integrationId, status: "processed", latencyMs } });
    });
    return { status: "processed", eventId };
  } catch (err) {
    const dead = job.retryCount >= (queueDefs["webhook-process"].retryLimit ?? 0);
    const message = err instanceof Error ? err.message : String(err);
    logger.warn({ eventId, provider: started.providerKey, attempt: job.retryCount + 1, dead, err }, "webhook processing failed");
    await getDb().transaction(async (tx) => {
      await updateWebhookEvent(eventId, { status: dead ? "dead" : "failed", lastError: message.slice(0, 2000) }, tx);
      await publishEvent(tx, { orgId: started.orgId, type: "webhook.processed", data: { id: eventId, connectionId: started.integrationId, status: dead ? "dead" : "failed" } });
    });
    throw err;
  }
}

