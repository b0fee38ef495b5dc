import "server-only";
import { and, asc, count, desc, eq, ilike, sql, type SQL } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { connectionHealth, healthChecks, healthStatusChanges, healthStatuses, integrations, type HealthStatus } from "@/db/schema";
import { visibleTo } from "./integrations";

// Everything here reads what an organization can see: its own connections and the platform-wide
// ones. The table reads the rolled-up connection_health columns only (one row per connection);
// health_checks is aggregated for a single connection at a time, on its (integration_id, checked_at) index.

export const healthSortable = ["name", "provider", "status", "lastCheck", "p50", "p95", "errorRate", "nextCheck"] as const;
export type HealthSortId = (typeof healthSortable)[number];
export type HealthSort = { id: HealthSortId; desc: boolean };

export type HealthListOptions = {
  page: number;
  perPage: number;
  sort: HealthSort;
  status?: HealthStatus | null;
  provider?: string | null;
  q?: string | null;
};

/** Worst first when sorted ascending: what needs attention comes to the top. */
const statusRank = sql`case ${integrations.healthStatus} when 'failing' then 0 when 'disconnected' then 1 when 'degraded' then 2 when 'unknown' then 3 when 'healthy' then 4 else 5 end`;

const sortColumns: Record<HealthSortId, SQL> = {
  name: sql`lower(${integrations.name})`,
  provider: sql`${integrations.providerKey}`,
  status: statusRank,
  lastCheck: sql`${connectionHealth.lastCheckAt}`,
  p50: sql`${connectionHealth.latencyP50Ms}`,
  p95: sql`${connectionHealth.latencyP95Ms}`,
  errorRate: sql`${connectionHealth.errorRate24h}`,
  nextCheck: sql`${connectionHealth.nextCheckAt}`,
};

function listFilters(orgId: string, opts: Pick<HealthListOptions, "status" | "provider" | "q">): SQL {
  const filters: (SQL | undefined)[] = [visibleTo(orgId)];
  if (opts.status) filters.push(eq(integrations.healthStatus, opts.status));
  if (opts.provider) filters.push(eq(integrations.providerKey, opts.provider));
  if (opts.q) filters.push(ilike(integrations.name, `%${escapeLike(opts.q)}%`));
  return and(...filters)!;
}

const listColumns = {
  id: integrations.id,
  name: integrations.name,
  providerKey: integrations.providerKey,
  orgId: integrations.orgId,
  enabled: integrations.enabled,
  connectionStatus: integrations.status,
  healthStatus: integrations.healthStatus,
  lastCheckAt: connectionHealth.lastCheckAt,
  lastOk: connectionHealth.lastOk,
  lastLatencyMs: connectionHealth.lastLatencyMs,
  lastMessage: connectionHealth.lastMessage,
  latencyP50Ms: connectionHealth.latencyP50Ms,
  latencyP95Ms: connectionHealth.latencyP95Ms,
  errorRate24h: connectionHealth.errorRate24h,
  checks24h: connectionHealth.checks24h,
  breakerState: connectionHealth.breakerState,
  nextCheckAt: connectionHealth.nextCheckAt,
  intervalSeconds: connectionHealth.intervalSeconds,
  statusSince: connectionHealth.statusSince,
  consecutiveFailures: connectionHealth.consecutiveFailures,
};

export type HealthListRow = {
  id: string;
  name: string;
  providerKey: string;
  orgId: string | null;
  enabled: boolean;
  connectionStatus: string;
  healthStatus: string;
  // Null when the connection has no health row yet (never scheduled nor checked).
  lastCheckAt: Date | null;
  lastOk: boolean | null;
  lastLatencyMs: number | null;
  lastMessage: string | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  errorRate24h: number | null;
  checks24h: number | null;
  breakerState: string | null;
  nextCheckAt: Date | null;
  intervalSeconds: number | null;
  statusSince: Date | null;
  consecutiveFailures: number | null;
};

/** One page of the organization's connections with their rolled-up health, and the total for the filters. */
export async function listConnectionHealth(orgId: string, opts: HealthListOptions, db: Executor = getDb()): Promise<{ rows: HealthListRow[]; total: number }> {
  const where = listFilters(orgId, opts);
  const column = sortColumns[opts.sort.id];
  const order = opts.sort.desc ? sql`${column} desc nulls last` : sql`${column} asc nulls last`;
  const [rows, [totalRow]] = await Promise.all([
    db
      .select(listColumns)
      .from(integrations)
      .leftJoin(connectionHealth, eq(connectionHealth.integrationId, integrations.id))
      .where(where)
      .orderBy(order, asc(sql`lower(${integrations.name})`), asc(integrations.id))
      .limit(opts.perPage)
      .offset((opts.page - 1) * opts.perPage),
    db.select({ n: count() }).from(integrations).where(where),
  ]);
  return { rows, total: totalRow?.n ?? 0 };
}

/** How many visible connections are in each health status (every status present, zero if none). */
export async function countHealthByStatus(orgId: string, db: Executor = getDb()): Promise<Record<HealthStatus, number>> {
  const rows = await db
    .select({ status: integrations.healthStatus, n: count() })
    .from(integrations)
    .where(visibleTo(orgId))
    .groupBy(integrations.healthStatus);
  const out = Object.fromEntries(healthStatuses.map((s) => [s, 0])) as Record<HealthStatus, number>;
  for (const r of rows) {
    const s = (healthStatuses as readonly string[]).includes(r.status) ? (r.status as HealthStatus) : "unknown";
    out[s] += r.n;
  }
  return out;
}

/** The providers of the organization's visible connections, for the provider filter. */
export async function listHealthProviders(orgId: string, db: Executor = getDb()): Promise<string[]> {
  const rows = await db.selectDistinct({ key: integrations.providerKey }).from(integrations).where(visibleTo(orgId)).orderBy(asc(integrations.providerKey));
  return rows.map((r) => r.key);
}

/** One visible connection with its health row, or undefined (another organization's id included). */
export async function getConnectionHealth(orgId: string, id: string, db: Executor = getDb()): Promise<HealthListRow | undefined> {
  const [row] = await db
    .select(listColumns)
    .from(integrations)
    .leftJoin(connectionHealth, eq(connectionHealth.integrationId, integrations.id))
    .where(and(eq(integrations.id, id), visibleTo(orgId)))
    .limit(1);
  return row;
}

export type HealthRange = "24h" | "7d";
export type HealthBucket = { at: Date; total: number; failed: number; p50: number | null; p95: number | null; successRate: number | null };

export const bucketSecondsFor: Record<HealthRange, number> = { "24h": 3600, "7d": 6 * 3600 };
const rangeSeconds: Record<HealthRange, number> = { "24h": 24 * 3600, "7d": 7 * 24 * 3600 };

/**
 * One connection's signals (checks and calls) bucketed by hour over 24 h or by 6 h over 7 days:
 * count, failures and latency percentiles per bucket. Every bucket of the range is returned,
 * oldest first; empty ones have total 0 and null latencies.
 */
export async function healthSeries(orgId: string, id: string, range: HealthRange, now: Date = new Date(), db: Executor = getDb()): Promise<HealthBucket[]> {
  const bucket = bucketSecondsFor[range];
  const endBucket = Math.floor(now.getTime() / 1000 / bucket) * bucket;
  const firstBucket = endBucket - (rangeSeconds[range] / bucket - 1) * bucket;
  const since = new Date(firstBucket * 1000);
  const result = await db.execute(sql`
    select (floor(extract(epoch from hc.checked_at) / ${bucket}) * ${bucket})::bigint as bucket,
           count(*)::int as total,
           count(*) filter (where not hc.ok)::int as failed,
           percentile_cont(0.5) within group (order by hc.latency_ms) as p50,
           percentile_cont(0.95) within group (order by hc.latency_ms) as p95
      from ${healthChecks} hc
      join ${integrations} i on i.id = hc.integration_id
     where hc.integration_id = ${id}
       and (i.org_id = ${orgId} or i.org_id is null)
       and hc.checked_at >= ${since}
       and hc.checked_at <= ${now}
     group by 1`);
  const rows = (result as unknown as { rows: { bucket: string | number; total: number; failed: number; p50: number | string | null; p95: number | string | null }[] }).rows;
  const byBucket = new Map(rows.map((r) => [Number(r.bucket), r]));
  const out: HealthBucket[] = [];
  for (let b = firstBucket; b <= endBucket; b += bucket) {
    const r = byBucket.get(b);
    const total = r ? Number(r.total) : 0;
    const failed = r ? Number(r.failed) : 0;
    out.push({
      at: new Date(b * 1000),
      total,
      failed,
      p50: r?.p50 == null ? null : Math.round(Number(r.p50)),
      p95: r?.p95 == null ? null : Math.round(Number(r.p95)),
      successRate: total ? (total - failed) / total : null,
    });
  }
  return out;
}

/** The connection's latest signals (checks, calls, refreshes), newest first. */
export async function listRecentSignals(orgId: string, id: string, limit: number, db: Executor = getDb()) {
  return db
    .select({
      id: healthChecks.id,
      kind: healthChecks.kind,
      trigger: healthChecks.trigger,
      ok: healthChecks.ok,
      status: healthChecks.status,
      latencyMs: healthChecks.latencyMs,
      message: healthChecks.message,
      checkedAt: healthChecks.checkedAt,
    })
    .from(healthChecks)
    .innerJoin(integrations, eq(integrations.id, healthChecks.integrationId))
    .where(and(eq(healthChecks.integrationId, id), visibleTo(orgId)))
    .orderBy(desc(healthChecks.checkedAt), desc(healthChecks.id))
    .limit(limit);
}

/** The connection's latest status transitions, newest first. */
export async function listStatusChanges(orgId: string, id: string, limit: number, db: Executor = getDb()) {
  return db
    .select({
      id: healthStatusChanges.id,
      fromStatus: healthStatusChanges.fromStatus,
      toStatus: healthStatusChanges.toStatus,
      reason: healthStatusChanges.reason,
      at: healthStatusChanges.at,
      alertedAt: healthStatusChanges.alertedAt,
      alertError: healthStatusChanges.alertError,
    })
    .from(healthStatusChanges)
    .innerJoin(integrations, eq(integrations.id, healthStatusChanges.integrationId))
    .where(and(eq(healthStatusChanges.integrationId, id), visibleTo(orgId)))
    .orderBy(desc(healthStatusChanges.at), desc(healthStatusChanges.id))
    .limit(limit);
}

/**
 * Set a visible connection's check interval; the next check moves to one interval after the last
 * one (now if that is already past, or if it was never checked). Returns the new schedule, or
 * undefined when the connection is not visible to the organization.
 */
export async function setCheckInterval(orgId: string, id: string, intervalSeconds: number, tx: Executor): Promise<{ previous: number; nextCheckAt: Date } | undefined> {
  const [conn] = await tx
    .select({ id: integrations.id, orgId: integrations.orgId })
    .from(integrations)
    .where(and(eq(integrations.id, id), visibleTo(orgId)))
    .limit(1);
  if (!conn) return undefined;
  await tx.insert(connectionHealth).values({ integrationId: conn.id, orgId: conn.orgId }).onConflictDoNothing();
  const [before] = await tx.select({ previous: connectionHealth.intervalSeconds }).from(connectionHealth).where(eq(connectionHealth.integrationId, conn.id)).for("update");
  const [after] = await tx
    .update(connectionHealth)
    .set({
      intervalSeconds,
      nextCheckAt: sql`greatest(now(), coalesce(${connectionHealth.lastCheckAt} + make_interval(secs => ${intervalSeconds}), now()))`,
      updatedAt: new Date(),
    })
    .where(eq(connectionHealth.integrationId, conn.id))
    .returning({ nextCheckAt: connectionHealth.nextCheckAt });
  return { previous: before!.previous, nextCheckAt: after!.nextCheckAt };
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
