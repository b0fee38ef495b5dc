import "server-only";
import { and, asc, desc, eq, isNotNull, or, sql } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { alertChannels, healthStatusChanges, integrations, organizations } from "@/db/schema";

const channelColumns = {
  id: alertChannels.id,
  orgId: alertChannels.orgId,
  integrationId: alertChannels.integrationId,
  target: alertChannels.target,
  enabled: alertChannels.enabled,
  createdAt: alertChannels.createdAt,
  connectionName: integrations.name,
  connectionOrgId: integrations.orgId,
  connectionEnabled: integrations.enabled,
  connectionStatus: integrations.status,
  providerKey: integrations.providerKey,
};

export type AlertChannelRow = Awaited<ReturnType<typeof listAlertChannels>>[number];

/** The organization's alert channels with their connection, oldest first. */
export async function listAlertChannels(orgId: string, db: Executor = getDb()) {
  return db
    .select(channelColumns)
    .from(alertChannels)
    .innerJoin(integrations, eq(integrations.id, alertChannels.integrationId))
    .where(eq(alertChannels.orgId, orgId))
    .orderBy(asc(alertChannels.createdAt), asc(alertChannels.id));
}

export async function listEnabledAlertChannels(orgId: string, db: Executor = getDb()) {
  return db
    .select(channelColumns)
    .from(alertChannels)
    .innerJoin(integrations, eq(integrations.id, alertChannels.integrationId))
    .where(and(eq(alertChannels.orgId, orgId), eq(alertChannels.enabled, true)))
    .orderBy(asc(alertChannels.createdAt), asc(alertChannels.id));
}

export async function getAlertChannel(orgId: string, id: string, db: Executor = getDb()): Promise<AlertChannelRow | undefined> {
  const [row] = await db
    .select(channelColumns)
    .from(alertChannels)
    .innerJoin(integrations, eq(integrations.id, alertChannels.integrationId))
    .where(and(eq(alertChannels.orgId, orgId), eq(alertChannels.id, id)))
    .limit(1);
  return row;
}

export async function findAlertChannel(orgId: string, integrationId: string, target: string, db: Executor = getDb()) {
  const [row] = await db
    .select({ id: alertChannels.id })
    .from(alertChannels)
    .where(and(eq(alertChannels.orgId, orgId), eq(alertChannels.integrationId, integrationId), eq(alertChannels.target, target)))
    .limit(1);
  return row;
}

export async function insertAlertChannel(row: { orgId: string; integrationId: string; target: string }, tx: Executor) {
  const [r] = await tx.insert(alertChannels).values(row).returning();
  return r!;
}

export async function updateAlertChannelEnabled(orgId: string, id: string, enabled: boolean, tx: Executor) {
  const [r] = await tx
    .update(alertChannels)
    .set({ enabled })
    .where(and(eq(alertChannels.orgId, orgId), eq(alertChannels.id, id)))
    .returning();
  return r;
}

export async function deleteAlertChannelRow(orgId: string, id: string, tx: Executor) {
  const [r] = await tx
    .delete(alertChannels)
    .where(and(eq(alertChannels.orgId, orgId), eq(alertChannels.id, id)))
    .returning();
  return r;
}

/** One transition with what an alert needs (the worker acts for the system: not org-scoped by design). */
export async function getChangeForAlert(changeId: number, db: Executor = getDb()) {
  const [row] = await db
    .select({
      id: healthStatusChanges.id,
      orgId: healthStatusChanges.orgId,
      orgName: organizations.name,
      from: healthStatusChanges.fromStatus,
      to: healthStatusChanges.toStatus,
      reason: healthStatusChanges.reason,
      at: healthStatusChanges.at,
      alertedAt: healthStatusChanges.alertedAt,
      deliveries: healthStatusChanges.alertDeliveries,
      connectionId: integrations.id,
      connectionName: integrations.name,
      providerKey: integrations.providerKey,
    })
    .from(healthStatusChanges)
    .innerJoin(integrations, eq(integrations.id, healthStatusChanges.integrationId))
    .leftJoin(organizations, eq(organizations.id, healthStatusChanges.orgId))
    .where(eq(healthStatusChanges.id, changeId))
    .limit(1);
  return row;
}

/** Record that one channel got this alert; merged into the map, so concurrent writers lose nothing. */
export async function markAlertChannelDelivered(changeId: number, channelId: string, at: Date, db: Executor = getDb()) {
  await db
    .update(healthStatusChanges)
    .set({ alertDeliveries: sql`${healthStatusChanges.alertDeliveries} || ${JSON.stringify({ [channelId]: at.toISOString() })}::jsonb` })
    .where(eq(healthStatusChanges.id, changeId));
}

export async function finishAlert(changeId: number, patch: { alertedAt: Date | null; alertError: string | null }, db: Executor = getDb()) {
  await db.update(healthStatusChanges).set(patch).where(eq(healthStatusChanges.id, changeId));
}

/** The organization's recent transitions that an alert went out for (or failed to), newest first. */
export async function listRecentAlertDeliveries(orgId: string, limit = 20, db: Executor = getDb()) {
  return db
    .select({
      id: healthStatusChanges.id,
      from: healthStatusChanges.fromStatus,
      to: healthStatusChanges.toStatus,
      reason: healthStatusChanges.reason,
      at: healthStatusChanges.at,
      alertedAt: healthStatusChanges.alertedAt,
      alertError: healthStatusChanges.alertError,
      deliveries: healthStatusChanges.alertDeliveries,
      connectionId: integrations.id,
      connectionName: integrations.name,
      providerKey: integrations.providerKey,
    })
    .from(healthStatusChanges)
    .innerJoin(integrations, eq(integrations.id, healthStatusChanges.integrationId))
    .where(and(eq(healthStatusChanges.orgId, orgId), or(isNotNull(healthStatusChanges.alertedAt), isNotNull(healthStatusChanges.alertError), sql`${healthStatusChanges.alertDeliveries} <> '{}'::jsonb`)))
    .orderBy(desc(healthStatusChanges.at), desc(healthStatusChanges.id))
    .limit(limit);
}
