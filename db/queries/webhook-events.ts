import "server-only";
import { and, asc, count, desc, eq, ilike, inArray, lte, ne, or, sql, type SQL } from "drizzle-orm";
import { dbHandle, getDb, type DbHandle, type Executor } from "@/db/client";
import { integrations, webhookEvents, webhookQueue, type WebhookEventStatus } from "@/db/schema";

export type WebhookEventRow = typeof webhookEvents.$inferSelect;

/** What the store statement needs; ids are made here so the live event can name the row. */
export type WebhookEventStore = {
  id: string;
  orgId: string | null;
  integrationId: string;
  providerKey: string;
  deliveryId: string;
  eventType: string;
  /** JSON text of the redacted headers. */
  headersJson: string;
  body: string;
  /** JSON text of the payload (the body itself when it is JSON), or null. */
  payloadJson: string | null;
};

const STORE_SQL = `
  with ins as (
    insert into webhook_events (id, org_id, integration_id, provider_key, delivery_id, event_type, headers, body, payload)
    values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::jsonb)
    on conflict (integration_id, delivery_id) do nothing
    returning id
  ), queued as (
    insert into webhook_queue (event_id) select id from ins
  )
  select id, pg_notify($10, $11) from ins`;

/**
 * Store an event once per (connection, delivery id), queue it and announce it, in ONE statement run
 * on its own (autocommit: atomic, one round trip, one commit): the insert, its `webhook_queue` row
 * and a NOTIFY, for a new event only. The NOTIFY carries the live event for the UI and wakes the
 * workers (the event is received and due now). Returns false for a duplicate, which sends no NOTIFY. On
 * PostgreSQL it is a named prepared statement (parsed and planned once per pooled connection).
 */
export async function storeWebhookEvent(row: WebhookEventStore, notify: { channel: string; payload: string }, handle: DbHandle = dbHandle()): Promise<boolean> {
  const values = [row.id, row.orgId, row.integrationId, row.providerKey, row.deliveryId, row.eventType, row.headersJson, row.body, row.payloadJson, notify.channel, notify.payload];
  const res = handle.kind === "postgres" ? await handle.pool.query({ name: "patchbay_webhook_store", text: STORE_SQL, values }) : await handle.pglite.query(STORE_SQL, values);
  return res.rows.length > 0;
}

/** A claim's change to the event: processing until the lease runs out, the attempt counted. */
const claimed = (lease: SQL) => ({ status: "processing" as const, attempts: sql`${webhookEvents.attempts} + 1`, runAttempts: sql`${webhookEvents.runAttempts} + 1`, nextAttemptAt: lease });
const leaseEnd = (leaseSeconds: number) => sql`now() + make_interval(secs => ${leaseSeconds})`;

/**
 * Claim up to `limit` due events for this worker in one statement: the queued ones that are waiting
 * (received, or failed and past their backoff) or stalled (processing, lease run out: their worker
 * died), in due order. Queue rows another worker is claiming are skipped, never waited for or taken
 * twice. Each claimed event is marked processing with a lease (on its queue row too) and its attempt
 * counted before any work, so a crash shows.
 */
export async function claimDueWebhookEvents(limit: number, leaseSeconds: number, db: Executor = getDb()): Promise<WebhookEventRow[]> {
  const lease = leaseEnd(leaseSeconds);
  const due = db.select({ id: webhookQueue.eventId }).from(webhookQueue).where(lte(webhookQueue.dueAt, sql`now()`)).orderBy(asc(webhookQueue.dueAt)).limit(limit).for("update", { skipLocked: true });
  const leased = db.$with("leased").as(db.update(webhookQueue).set({ dueAt: lease }).where(inArray(webhookQueue.eventId, due)).returning({ id: webhookQueue.eventId }));
  return db
    .with(leased)
    .update(webhookEvents)
    .set(claimed(lease))
    .where(inArray(webhookEvents.id, db.select({ id: leased.id }).from(leased)))
    .returning();
}

/**
 * Claim one event by id (replays, tests), whatever its due time; null when it is processed, held by
 * a worker whose lease still runs, or gone.
 */
export async function claimWebhookEvent(id: string, leaseSeconds: number, db: Executor = getDb()): Promise<WebhookEventRow | null> {
  const lease = leaseEnd(leaseSeconds);
  // One transaction: an event marked processing always has the queue row that lets a worker take it over.
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhookEvents)
      .set(claimed(lease))
      .where(and(eq(webhookEvents.id, id), ne(webhookEvents.status, "processed"), or(ne(webhookEvents.status, "processing"), lte(webhookEvents.nextAttemptAt, sql`now()`))))
      .returning();
    if (!row) return null;
    // Held by this worker now: the others skip it until the lease runs out (a dead event is queued again here).
    await tx.insert(webhookQueue).values({ eventId: id, dueAt: lease }).onConflictDoUpdate({ target: webhookQueue.eventId, set: { dueAt: lease } });
    return row;
  });
}

/**
 * Mark processed events, with their processing time and latency, take them off the queue and NOTIFY
 * each one's live event (`note`), in one statement for a whole batch.
 */
export async function markWebhookEventsProcessed(done: { id: string; at: string; ms: number; note: string }[], channel: string, tx: Executor): Promise<void> {
  if (done.length === 0) return;
  await tx.execute(sql`
    with upd as (
      update webhook_events w set status = 'processed', processed_at = v.at, latency_ms = v.ms, last_error = null
      from jsonb_to_recordset(${JSON.stringify(done)}::jsonb) as v(id text, at timestamptz, ms integer, note text)
      where w.id = v.id
      returning w.id, v.note
    ), dequeued as (
      delete from webhook_queue q using upd where q.event_id = upd.id
    )
    select pg_notify(${channel}, note) from upd`);
}

/** Record a failed attempt: failed (back in line after its backoff, still queued) or dead (off the queue). */
export async function markWebhookEventFailed(id: string, outcome: { dead: boolean; lastError: string; nextAttemptAt: Date }, tx: Executor): Promise<void> {
  await tx.update(webhookEvents).set({ status: outcome.dead ? "dead" : "failed", lastError: outcome.lastError, ...(outcome.dead ? {} : { nextAttemptAt: outcome.nextAttemptAt }) }).where(eq(webhookEvents.id, id));
  if (outcome.dead) await tx.delete(webhookQueue).where(eq(webhookQueue.eventId, id));
  else await tx.update(webhookQueue).set({ dueAt: outcome.nextAttemptAt }).where(eq(webhookQueue.eventId, id));
}

/** The events still to process by status (received, processing, failed and waiting): the queue gauge. */
export async function countQueuedWebhookEvents(db: Executor = getDb()): Promise<{ status: WebhookEventStatus; n: number }[]> {
  return db
    .select({ status: webhookEvents.status, n: count() })
    .from(webhookQueue)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookQueue.eventId))
    .groupBy(webhookEvents.status);
}

/** Events an organization may see: its own connections' (a platform-wide connection's events belong to no organization). */
const visibleEvents = (orgId: string) => eq(webhookEvents.orgId, orgId);

export const webhookEventSortable = ["receivedAt", "latencyMs", "attempts"] as const;
export type WebhookEventSort = { id: (typeof webhookEventSortable)[number]; desc: boolean };
export type WebhookEventFilters = { provider?: string | null; connection?: string | null; type?: string | null; status?: string | null };

function filterWhere(orgId: string, f: WebhookEventFilters): SQL {
  const filters: SQL[] = [visibleEvents(orgId)];
  if (f.provider) filters.push(eq(webhookEvents.providerKey, f.provider));
  if (f.connection) filters.push(eq(webhookEvents.integrationId, f.connection));
  if (f.type) filters.push(ilike(webhookEvents.eventType, `%${f.type.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
  if (f.status) filters.push(eq(webhookEvents.status, f.status as WebhookEventStatus));
  return and(...filters)!;
}

export async function listWebhookEvents(orgId: string, opts: { page: number; perPage: number; sort: WebhookEventSort } & WebhookEventFilters, db: Executor = getDb()) {
  const where = filterWhere(orgId, opts);
  const column = { receivedAt: webhookEvents.receivedAt, latencyMs: webhookEvents.latencyMs, attempts: webhookEvents.attempts }[opts.sort.id];
  const order = opts.sort.desc ? sql`${column} desc nulls last` : asc(column);
  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: webhookEvents.id,
        integrationId: webhookEvents.integrationId,
        connectionName: integrations.name,
        providerKey: webhookEvents.providerKey,
        deliveryId: webhookEvents.deliveryId,
        eventType: webhookEvents.eventType,
        status: webhookEvents.status,
        attempts: webhookEvents.attempts,
        lastError: webhookEvents.lastError,
        receivedAt: webhookEvents.receivedAt,
        processedAt: webhookEvents.processedAt,
        latencyMs: webhookEvents.latencyMs,
      })
      .from(webhookEvents)
      .innerJoin(integrations, eq(integrations.id, webhookEvents.integrationId))
      .where(where)
      .orderBy(order, desc(webhookEvents.id))
      .limit(opts.perPage)
      .offset((opts.page - 1) * opts.perPage),
    db.select({ n: count() }).from(webhookEvents).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

/** One event of an organization, with its connection's name. */
export async function getWebhookEvent(orgId: string, id: string, db: Executor = getDb()) {
  const [row] = await db
    .select({ event: webhookEvents, connectionName: integrations.name })
    .from(webhookEvents)
    .innerJoin(integrations, eq(integrations.id, webhookEvents.integrationId))
    .where(and(visibleEvents(orgId), eq(webhookEvents.id, id)))
    .limit(1);
  return row;
}

/** The ids (newest first, at most `limit`) of the events matching the table's filters. */
export async function listWebhookEventIds(orgId: string, f: WebhookEventFilters, limit: number, db: Executor = getDb()): Promise<string[]> {
  const rows = await db.select({ id: webhookEvents.id }).from(webhookEvents).where(filterWhere(orgId, f)).orderBy(desc(webhookEvents.receivedAt)).limit(limit);
  return rows.map((r) => r.id);
}

/**
 * Reset events for a replay: back in the queue, due now, with a fresh attempt budget. Only events
 * at rest (processed, failed, dead) are reset: one already waiting or running is left alone, so
 * two replays at once queue it once.
 */
export async function resetForReplay(orgId: string, ids: string[], tx: Executor): Promise<{ id: string; orgId: string | null }[]> {
  if (ids.length === 0) return [];
  const reset = await tx
    .update(webhookEvents)
    .set({ status: "received", lastError: null, processedAt: null, latencyMs: null, runAttempts: 0, nextAttemptAt: sql`now()` })
    .where(and(visibleEvents(orgId), inArray(webhookEvents.id, ids), inArray(webhookEvents.status, ["processed", "failed", "dead"])))
    .returning({ id: webhookEvents.id, orgId: webhookEvents.orgId });
  // Due now: a failed event is still queued (its backoff is cut short), processed and dead ones are queued again.
  if (reset.length) await tx.insert(webhookQueue).values(reset.map((r) => ({ eventId: r.id, dueAt: sql`now()` }))).onConflictDoUpdate({ target: webhookQueue.eventId, set: { dueAt: sql`now()` } });
  return reset;
}

/** Providers and connections that have events in this organization, for the table's filters. */
export async function listWebhookFilterOptions(orgId: string, db: Executor = getDb()) {
  const rows = await db
    .selectDistinct({ providerKey: webhookEvents.providerKey, integrationId: webhookEvents.integrationId, name: integrations.name })
    .from(webhookEvents)
    .innerJoin(integrations, eq(integrations.id, webhookEvents.integrationId))
    .where(visibleEvents(orgId));
  return rows;
}
