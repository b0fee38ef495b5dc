import "server-only";
import { randomUUID } from "node:crypto";
import { getDb, type Tx } from "@/db/client";
import { insertDeliveries, listActiveEndpoints } from "@/db/queries/webhook-deliveries";
import { AppError } from "@/lib/errors";
import { publishEvent } from "@/lib/events/publish";
import { enqueue, getBoss } from "@/lib/jobs/boss";
import { eventTypeProblem, matchesEventTypes, parseEventTypeFilter } from "@/lib/webhooks/outbound-rules";

/** A JSON payload larger than this is refused: receivers, logs and the delivery table stay small. */
export const MAX_EVENT_DATA_BYTES = 256 * 1024;

export type EmitOptions = {
  /** Emit inside the caller's transaction: the deliveries (and their jobs) exist only if it commits. */
  tx?: Tx;
  /** Send to this one endpoint only, whatever its event-type filter (the "Send test event" button). */
  connectionId?: string;
  /**
   * The organization's active endpoints, already read in `tx` (the webhook processor reads them once
   * per batch); they are still filtered by event type here.
   */
  endpoints?: ActiveEndpoint[];
};

export type ActiveEndpoint = Awaited<ReturnType<typeof listActiveEndpoints>>[number];

export type EmitResult = { messageId: string; deliveries: number; deliveryIds: string[] };

/**
 * Send an event to every enabled, active outbound webhook endpoint of an organization whose
 * "Event types" setting matches `type`. One message id for the whole emit (each endpoint's
 * deliveries carry it as webhook-id on every attempt); each endpoint gets its own delivery row and
 * job, retried on the schedule in lib/webhooks/outbound-rules.ts. The body is
 * `{ type, timestamp, data }`, signed per Standard Webhooks.
 */
export async function emitEvent(orgId: string, type: string, data: Record<string, unknown>, opts: EmitOptions = {}): Promise<EmitResult> {
  const problem = eventTypeProblem(type);
  if (problem) throw new AppError("bad_request", problem);
  if (!data || typeof data !== "object" || Array.isArray(data)) throw new AppError("bad_request", "An event's data is a JSON object.");
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(data));
  } catch {
    throw new AppError("bad_request", "An event's data must be serialisable as JSON.");
  }
  if (size > MAX_EVENT_DATA_BYTES) throw new AppError("bad_request", `An event's data is limited to ${MAX_EVENT_DATA_BYTES / 1024} KiB; this one has ${Math.ceil(size / 1024)} KiB. Send an id and let the receiver fetch the rest.`);

  const messageId = `msg_${randomUUID().replace(/-/g, "")}`;
  const now = new Date();
  const payload = { type, timestamp: now.toISOString(), data: JSON.parse(JSON.stringify(data)) as Record<string, unknown> };
  const run = async (tx: Tx): Promise<EmitResult> => {
    const endpoints = (opts.endpoints && !opts.connectionId ? opts.endpoints : await listActiveEndpoints(orgId, { connectionId: opts.connectionId }, tx)).filter((e) => opts.connectionId || matchesEventTypes(parseEventTypeFilter(e.config.eventTypes as string | undefined), type));
    const rows = await insertDeliveries(
      endpoints.map((e) => ({ orgId, integrationId: e.id, messageId, eventType: type, payload, status: "pending" as const, nextAttemptAt: now })),
      tx,
    );
    for (const r of rows) {
      await enqueue("outbound-delivery", { deliveryId: r.id, orgId, attempt: 0 }, { tx, singletonKey: r.id });
      await publishEvent(tx, { orgId, type: "delivery.updated", data: { deliveryId: r.id, connectionId: r.integrationId, status: "pending", attempts: 0, eventType: type } });
    }
    return { messageId, deliveries: rows.length, deliveryIds: rows.map((r) => r.id) };
  };
  if (opts.tx) return run(opts.tx);
  // On PGlite pg-boss must be running before a transaction opens (one connection).
  await getBoss();
  return getDb().transaction(run);
}
