import "server-only";
import { and, desc, eq, gt, inArray, lte, sql } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { alertChannels, connectionHealth, healthChecks, healthStatusChanges, integrations, workerHeartbeats, type HealthSignalKind, type HealthStatus } from "@/db/schema";

export type ConnectionHealthRow = typeof connectionHealth.$inferSelect;

/**
 * A connection by id, whatever its organization: for the workers (they act for the system) and for
 * the webhook route (the URL names the connection; the signature, checked with that connection's
 * own secret, is the authentication). The one unscoped lookup: user-facing code uses
 * getVisibleConnection.
 */
export async function getConnectionForHealth(id: string, db: Executor = getDb()) {
  const [row] = await db.select().from(integrations).where(eq(integrations.id, id)).limit(1);
  return row;
}

/** The connection's health row, created on first use, locked for the rest of the transaction. */
export async function lockHealthRow(integrationId: string, orgId: string | null, tx: Executor): Promise<ConnectionHealthRow> {
  await tx.insert(connectionHealth).values({ integrationId, orgId }).onConflictDoNothing();
  const [row] = await tx.select().from(connectionHealth).where(eq(connectionHealth.integrationId, integrationId)).for("update");
  return row!;
}

export async function updateHealthRow(integrationId: string, patch: Partial<typeof connectionHealth.$inferInsert>, tx: Executor): Promise<void> {
  await tx
    .update(connectionHealth)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(connectionHealth.integrationId, integrationId));
}

/** Insert a signal; false when a check with this job id is already recorded (a rerun job). */
export async function insertSignal(
  row: { integrationId: string; orgId: string | null; kind: HealthSignalKind; trigger: "scheduled" | "manual" | "passive"; ok: boolean; status: string; latencyMs: number; message: string | null; jobId?: string | null; checkedAt?: Date },
  tx: Executor,
): Promise<boolean> {
  const inserted = await tx
    .insert(healthChecks)
    .values({ ...row, jobId: row.jobId ?? null })
    .onConflictDoNothing({ target: healthChecks.jobId })
    .returning({ id: healthChecks.id });
  return inserted.length === 1;
}

export async function insertSignals(rows: (typeof healthChecks.$inferInsert)[], db: Executor = getDb()): Promise<void> {
  if (rows.length) await db.insert(healthChecks).values(rows);
}

/** The latest checks (not passive calls), newest first. */
export async function recentChecks(integrationId: string, limit: number, db: Executor = getDb()) {
  return db
    .select({ ok: healthChecks.ok, status: healthChecks.status, at: healthChecks.checkedAt })
    .from(healthChecks)
    .where(and(eq(healthChecks.integrationId, integrationId), eq(healthChecks.kind, "check")))
    .orderBy(desc(healthChecks.checkedAt), desc(healthChecks.id))
    .limit(limit);
}

/** Passive signals since a moment, newest first (bounded). */
export async function signalsSince(integrationId: string, since: Date, db: Executor = getDb()) {
  return db
    .select({ ok: healthChecks.ok, status: healthChecks.status, at: healthChecks.checkedAt, kind: healthChecks.kind })
    .from(healthChecks)
    .where(and(eq(healthChecks.integrationId, integrationId), sql`${healthChecks.kind} <> 'check'`, gt(healthChecks.checkedAt, since)))
    .orderBy(desc(healthChecks.checkedAt))
    .limit(200);
}

/** Latency percentiles and error rate over the last 24 h (checks and calls; inbound deliveries have no latency of ours), one index range scan. */
export async function rollup24h(integrationId: string, db: Executor = getDb()) {
  const rows = await db.execute<{ p50: number | null; p95: number | null; total: number; failed: number }>(sql`
    select percentile_cont(0.5) within group (order by latency_ms) as p50,
           percentile_cont(0.95) within group (order by latency_ms) as p95,
           count(*)::int as total,
           count(*) filter (where not ok)::int as failed
      from health_checks
     where integration_id = ${integrationId} and checked_at > now() - interval '24 hours' and kind <> 'inbound'`);
  const r = (rows as unknown as { rows: { p50: number | null; p95: number | null; total: number; failed: number }[] }).rows[0]!;
  return {
    p50: r.p50 === null ? null : Math.round(Number(r.p50)),
    p95: r.p95 === null ? null : Math.round(Number(r.p95)),
    total: Number(r.total),
    errorRate: Number(r.total) ? Number(r.failed) / Number(r.total) : null,
  };
}

export async function insertStatusChange(row: { integrationId: string; orgId: string | null; fromStatus: HealthStatus; toStatus: HealthStatus; reason: string }, tx: Executor) {
  const [r] = await tx.insert(healthStatusChanges).values(row).returning({ id: healthStatusChanges.id });
  return r!.id;
}

/** Enabled connections whose next check is due, oldest due first; pushes their next check out by `leaseSeconds`. */
export async function claimDueChecks(limit: number, db: Executor = getDb()) {
  // Missing health rows (connections created before this table, or by a path that skipped it) are made here.
  await db.execute(sql`
    insert into connection_health (integration_id, org_id, next_check_at)
    select i.id, i.org_id, now() from integrations i
     where not exists (select 1 from connection_health h where h.integration_id = i.id)
    on conflict do nothing`);
  const rows = await db.execute<{ integration_id: string; org_id: string | null }>(sql`
    update connection_health h
       set next_check_at = now() + make_interval(secs => h.interval_seconds * (0.9 + random() * 0.2))
      from integrations i
     where h.integration_id in (
             select h2.integration_id from connection_health h2
               join integrations i2 on i2.id = h2.integration_id
              where h2.next_check_at <= now() and i2.enabled
              order by h2.next_check_at
              limit ${limit}
              for update of h2 skip locked)
       and i.id = h.integration_id
    returning h.integration_id, h.org_id`);
  return (rows as unknown as { rows: { integration_id: string; org_id: string | null }[] }).rows.map((r) => ({ connectionId: r.integration_id, orgId: r.org_id }));
}

export async function setBreakerState(integrationId: string, state: "closed" | "open" | "half-open", db: Executor = getDb()) {
  await db.update(connectionHealth).set({ breakerState: state, updatedAt: new Date() }).where(eq(connectionHealth.integrationId, integrationId));
}

export async function pruneSignals(olderThan: Date, batch: number, db: Executor = getDb()): Promise<number> {
  const r = await db.execute(sql`delete from health_checks where id in (select id from health_checks where checked_at < ${olderThan} limit ${batch})`);
  return (r as unknown as { rowCount?: number; affectedRows?: number }).rowCount ?? (r as unknown as { affectedRows?: number }).affectedRows ?? 0;
}

export async function upsertWorkerHeartbeat(row: { id: string; host: string; pid: number; queues: string[] }, db: Executor = getDb()) {
  await db
    .insert(workerHeartbeats)
    .values(row)
    .onConflictDoUpdate({ target: workerHeartbeats.id, set: { seenAt: new Date() } });
}

export async function deleteWorkerHeartbeat(id: string, db: Executor = getDb()) {
  await db.delete(workerHeartbeats).where(eq(workerHeartbeats.id, id));
}

export async function liveWorkers(withinSeconds: number, db: Executor = getDb()) {
  return db
    .select()
    .from(workerHeartbeats)
    .where(gt(workerHeartbeats.seenAt, sql`now() - make_interval(secs => ${withinSeconds})`));
}

export async function pruneWorkerHeartbeats(db: Executor = getDb()) {
  await db.delete(workerHeartbeats).where(lte(workerHeartbeats.seenAt, sql`now() - interval '1 day'`));
}

/** These connections' organization and health status (integrations.health_status). */
export async function healthStatusOf(ids: string[], db: Executor = getDb()) {
  if (!ids.length) return [];
  return db.select({ id: integrations.id, orgId: integrations.orgId, healthStatus: integrations.healthStatus }).from(integrations).where(inArray(integrations.id, ids));
}

export async function healthRowsFor(ids: string[], db: Executor = getDb()) {
  if (!ids.length) return [];
  return db.select().from(connectionHealth).where(inArray(connectionHealth.integrationId, ids));
}

export async function hasAlertChannels(orgId: string, db: Executor = getDb()): Promise<boolean> {
  const [r] = await db
    .select({ id: alertChannels.id })
    .from(alertChannels)
    .where(and(eq(alertChannels.orgId, orgId), eq(alertChannels.enabled, true)))
    .limit(1);
  return Boolean(r);
}
