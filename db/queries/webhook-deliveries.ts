import "server-only";
import { and, asc, count, desc, eq, gt, inArray, isNull, max, min, or, sql, type SQL } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { integrations, webhookDeliveries, webhookDeliveryAttempts, type WebhookDeliveryStatus } from "@/db/schema";

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type DeliveryAttemptRow = typeof webhookDeliveryAttempts.$inferSelect;

export const OUTBOUND_PROVIDER_KEY = "outbound-webhook";

/** The organization's own enabled, active outbound endpoints (platform-wide ones never get an org's events). */
export async function listActiveEndpoints(orgId: string, opts: { connectionId?: string } = {}, db: Executor = getDb()) {
  const filters: SQL[] = [eq(integrations.orgId, orgId), eq(integrations.providerKey, OUTBOUND_PROVIDER_KEY), eq(integrations.enabled, true), eq(integrations.status, "active")];
  if (opts.connectionId) filters.push(eq(integrations.id, opts.connectionId));
  return db.select({ id: integrations.id, name: integrations.name, config: integrations.config }).from(integrations).where(and(...filters));
}

export async function insertDeliveries(rows: (typeof webhookDeliveries.$inferInsert)[], tx: Executor): Promise<DeliveryRow[]> {
  if (rows.length === 0) return [];
  return tx.insert(webhookDeliveries).values(rows).returning();
}

export async function getDelivery(id: string, db: Executor = getDb()): Promise<DeliveryRow | undefined> {
  const [row] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).limit(1);
  return row;
}

/** One delivery of an organization's endpoint (another organization's id reads as missing). */
export async function getOrgDelivery(orgId: string, id: string, db: Executor = getDb()): Promise<DeliveryRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.orgId, orgId)))
    .limit(1);
  return row;
}

export async function lockDelivery(id: string, tx: Executor): Promise<DeliveryRow | undefined> {
  const [row] = await tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).for("update").limit(1);
  return row;
}

export async function updateDelivery(id: string, patch: Partial<typeof webhookDeliveries.$inferInsert>, tx: Executor): Promise<void> {
  await tx.update(webhookDeliveries).set(patch).where(eq(webhookDeliveries.id, id));
}

export async function insertAttempt(row: typeof webhookDeliveryAttempts.$inferInsert, tx: Executor): Promise<void> {
  await tx.insert(webhookDeliveryAttempts).values(row);
}

/** Cancel every delivery of an endpoint that is still waiting for an attempt. Returns their ids. */
export async function cancelOpenDeliveries(integrationId: string, reason: string, tx: Executor): Promise<string[]> {
  const rows = await tx
    .update(webhookDeliveries)
    .set({ status: "cancelled", nextAttemptAt: null, lastError: reason })
    .where(and(eq(webhookDeliveries.integrationId, integrationId), inArray(webhookDeliveries.status, ["pending", "failed"])))
    .returning({ id: webhookDeliveries.id });
  return rows.map((r) => r.id);
}

/**
 * Since when an endpoint has done nothing but fail: the first failed attempt after its last
 * successful one, or null when its latest attempt succeeded (or it has none).
 */
export async function failingSince(integrationId: string, db: Executor = getDb()): Promise<Date | null> {
  const [ok] = await db
    .select({ at: max(webhookDeliveryAttempts.at) })
    .from(webhookDeliveryAttempts)
    .innerJoin(webhookDeliveries, eq(webhookDeliveries.id, webhookDeliveryAttempts.deliveryId))
    .where(and(eq(webhookDeliveries.integrationId, integrationId), eq(webhookDeliveryAttempts.ok, "ok")));
  const lastOk = ok?.at ?? null;
  const [failed] = await db
    .select({ at: min(webhookDeliveryAttempts.at) })
    .from(webhookDeliveryAttempts)
    .innerJoin(webhookDeliveries, eq(webhookDeliveries.id, webhookDeliveryAttempts.deliveryId))
    .where(and(eq(webhookDeliveries.integrationId, integrationId), eq(webhookDeliveryAttempts.ok, "failed"), lastOk ? gt(webhookDeliveryAttempts.at, lastOk) : undefined));
  return failed?.at ?? null;
}

export const deliverySortable = ["createdAt", "eventType", "status", "attempts", "nextAttemptAt"] as const;
export type DeliverySort = { id: (typeof deliverySortable)[number]; desc: boolean };

/** One page of an endpoint's deliveries, scoped to the organization. */
export async function listDeliveries(
  orgId: string,
  integrationId: string,
  opts: { page: number; perPage: number; sort: DeliverySort; status?: string | null; eventType?: string | null },
  db: Executor = getDb(),
): Promise<{ rows: DeliveryRow[]; total: number }> {
  const filters: SQL[] = [eq(webhookDeliveries.orgId, orgId), eq(webhookDeliveries.integrationId, integrationId)];
  if (opts.status) filters.push(eq(webhookDeliveries.status, opts.status as WebhookDeliveryStatus));
  if (opts.eventType) filters.push(sql`${webhookDeliveries.eventType} ilike ${`%${opts.eventType.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`);
  const where = and(...filters);
  const column = {
    createdAt: webhookDeliveries.createdAt,
    eventType: webhookDeliveries.eventType,
    status: webhookDeliveries.status,
    attempts: webhookDeliveries.attempts,
    nextAttemptAt: webhookDeliveries.nextAttemptAt,
  }[opts.sort.id];
  const order = opts.sort.desc ? sql`${column} desc nulls last` : sql`${column} asc nulls last`;
  const [rows, [totalRow]] = await Promise.all([
    db
      .select()
      .from(webhookDeliveries)
      .where(where)
      .orderBy(order, desc(webhookDeliveries.id))
      .limit(opts.perPage)
      .offset((opts.page - 1) * opts.perPage),
    db.select({ n: count() }).from(webhookDeliveries).where(where),
  ]);
  return { rows, total: totalRow?.n ?? 0 };
}

/** The attempts of some deliveries (an organization's: the deliveries are checked against orgId). */
export async function listAttempts(orgId: string, deliveryIds: string[], db: Executor = getDb()): Promise<DeliveryAttemptRow[]> {
  if (deliveryIds.length === 0) return [];
  return db
    .select({
      deliveryId: webhookDeliveryAttempts.deliveryId,
      attempt: webhookDeliveryAttempts.attempt,
      status: webhookDeliveryAttempts.status,
      ok: webhookDeliveryAttempts.ok,
      error: webhookDeliveryAttempts.error,
      responseExcerpt: webhookDeliveryAttempts.responseExcerpt,
      ms: webhookDeliveryAttempts.ms,
      at: webhookDeliveryAttempts.at,
    })
    .from(webhookDeliveryAttempts)
    .innerJoin(webhookDeliveries, eq(webhookDeliveries.id, webhookDeliveryAttempts.deliveryId))
    .where(and(eq(webhookDeliveries.orgId, orgId), inArray(webhookDeliveryAttempts.deliveryId, deliveryIds)))
    .orderBy(asc(webhookDeliveryAttempts.deliveryId), asc(webhookDeliveryAttempts.attempt));
}

/** Open deliveries whose next attempt was due before `olderThan` (their job was lost, or the queue is far behind). */
export async function listStalledDeliveries(olderThan: Date, limit: number, db: Executor = getDb()) {
  return db
    .select({ id: webhookDeliveries.id, orgId: webhookDeliveries.orgId, attempts: webhookDeliveries.attempts })
    .from(webhookDeliveries)
    .where(and(inArray(webhookDeliveries.status, ["pending", "failed"]), or(isNull(webhookDeliveries.nextAttemptAt), sql`${webhookDeliveries.nextAttemptAt} < ${olderThan}`)))
    .limit(limit);
}
