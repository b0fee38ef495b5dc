import "server-only";
import { sql } from "drizzle-orm";
import type { Executor } from "@/db/client";

/** The Postgres NOTIFY channel that carries real-time events to every process (and on to SSE clients). */
export const EVENTS_CHANNEL = "patchbay_events";

export type LiveEventType = "webhook.received" | "webhook.processed" | "connection.health_changed" | "connection.changed" | "delivery.updated" | "sync.progress";

/**
 * A real-time event for one organization (orgId null: every organization that can see a
 * platform-wide connection). Published inside the transaction that makes the change: delivered on
 * commit, never on rollback. Payloads stay small (ids, statuses, names; never secrets): NOTIFY
 * payloads are capped at 8000 bytes, and clients refetch details they need.
 */
export async function publishEvent(tx: Executor, event: { orgId: string | null; type: LiveEventType; data: Record<string, unknown> }): Promise<void> {
  await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${liveEventPayload(event)})`);
}

/** The NOTIFY payload of a live event, for a statement that sends its own pg_notify (the webhook ingest). */
export function liveEventPayload(event: { orgId: string | null; type: LiveEventType; data: Record<string, unknown> }): string {
  const payload = JSON.stringify({ ...event, at: new Date().toISOString() });
  if (payload.length > 7500) throw new Error(`live event ${event.type} is too large for NOTIFY (${payload.length} bytes)`);
  return payload;
}
