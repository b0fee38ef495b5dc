import "server-only";
import { desc, eq, sql } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { healthStatusChanges, integrations, type HealthStatus } from "@/db/schema";

/** The organization's own connections counted by health status, lifecycle status and enabled flag (one grouped scan). */
export async function countConnectionsByHealth(orgId: string, db: Executor = getDb()) {
  return db
    .select({ health: integrations.healthStatus, status: integrations.status, enabled: integrations.enabled, n: sql<number>`count(*)::int` })
    .from(integrations)
    .where(eq(integrations.orgId, orgId))
    .groupBy(integrations.healthStatus, integrations.status, integrations.enabled);
}

/** The organization's latest status transitions, newest first. */
export async function listRecentStatusChanges(orgId: string, limit: number, db: Executor = getDb()) {
  return db
    .select({
      id: healthStatusChanges.id,
      connectionId: healthStatusChanges.integrationId,
      connectionName: integrations.name,
      providerKey: integrations.providerKey,
      from: healthStatusChanges.fromStatus,
      to: healthStatusChanges.toStatus,
      reason: healthStatusChanges.reason,
      at: healthStatusChanges.at,
    })
    .from(healthStatusChanges)
    .innerJoin(integrations, eq(integrations.id, healthStatusChanges.integrationId))
    .where(eq(healthStatusChanges.orgId, orgId))
    .orderBy(desc(healthStatusChanges.at), desc(healthStatusChanges.id))
    .limit(limit);
}

export type RecentStatusChange = Awaited<ReturnType<typeof listRecentStatusChanges>>[number] & { from: HealthStatus; to: HealthStatus };
