import "server-only";
import { and, asc, desc, eq, isNull, or, sql } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { integrations, integrationSecrets, organizations, type ConnectionStatus } from "@/db/schema";

export type ConnectionRow = typeof integrations.$inferSelect;
export type SecretRow = typeof integrationSecrets.$inferSelect;

/** Connections an organization can see: its own and the platform-wide ones. */
export const visibleTo = (orgId: string) => or(eq(integrations.orgId, orgId), isNull(integrations.orgId));

export async function getVisibleConnection(orgId: string, id: string, db: Executor = getDb()): Promise<ConnectionRow | undefined> {
  const [row] = await db
    .select()
    .from(integrations)
    .where(and(eq(integrations.id, id), visibleTo(orgId)))
    .limit(1);
  return row;
}

/** Same, row-locked for a change. */
export async function lockVisibleConnection(orgId: string, id: string, tx: Executor): Promise<ConnectionRow | undefined> {
  const [row] = await tx
    .select()
    .from(integrations)
    .where(and(eq(integrations.id, id), visibleTo(orgId)))
    .for("update")
    .limit(1);
  return row;
}

export async function listVisibleConnections(orgId: string, opts: { providerKey?: string } = {}, db: Executor = getDb()): Promise<ConnectionRow[]> {
  return db
    .select()
    .from(integrations)
    .where(and(visibleTo(orgId), opts.providerKey ? eq(integrations.providerKey, opts.providerKey) : undefined))
    .orderBy(sql`${integrations.orgId} is null`, asc(integrations.providerKey), asc(integrations.name));
}

export async function insertConnection(row: typeof integrations.$inferInsert, tx: Executor): Promise<ConnectionRow> {
  const [r] = await tx.insert(integrations).values(row).returning();
  return r!;
}

export async function updateConnectionRow(id: string, patch: Partial<typeof integrations.$inferInsert>, tx: Executor): Promise<void> {
  await tx
    .update(integrations)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(integrations.id, id));
}

export async function deleteConnectionRow(id: string, tx: Executor): Promise<void> {
  await tx.delete(integrations).where(eq(integrations.id, id));
}

export async function hasDefault(orgId: string | null, providerKey: string, tx: Executor): Promise<boolean> {
  const [row] = await tx
    .select({ id: integrations.id })
    .from(integrations)
    .where(and(orgId ? eq(integrations.orgId, orgId) : isNull(integrations.orgId), eq(integrations.providerKey, providerKey), eq(integrations.isDefault, true)))
    .limit(1);
  return Boolean(row);
}

export async function clearDefault(orgId: string | null, providerKey: string, tx: Executor): Promise<void> {
  await tx
    .update(integrations)
    .set({ isDefault: false })
    .where(and(orgId ? eq(integrations.orgId, orgId) : isNull(integrations.orgId), eq(integrations.providerKey, providerKey), eq(integrations.isDefault, true)));
}

/** Oldest remaining connection of (owner, provider), to become default when the default goes. */
export async function oldestConnection(orgId: string | null, providerKey: string, tx: Executor): Promise<ConnectionRow | undefined> {
  const [row] = await tx
    .select()
    .from(integrations)
    .where(and(orgId ? eq(integrations.orgId, orgId) : isNull(integrations.orgId), eq(integrations.providerKey, providerKey)))
    .orderBy(asc(integrations.createdAt))
    .limit(1);
  return row;
}

export async function listSecretRows(integrationId: string, db: Executor = getDb()): Promise<SecretRow[]> {
  return db.select().from(integrationSecrets).where(eq(integrationSecrets.integrationId, integrationId));
}

export async function upsertSecret(row: { integrationId: string; field: string; scope: string; ciphertext: string; dekVersion: number; updatedBy: string | null; expiresAt?: Date | null }, tx: Executor): Promise<void> {
  const now = new Date();
  await tx
    .insert(integrationSecrets)
    .values({ ...row, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [integrationSecrets.integrationId, integrationSecrets.field],
      set: { ciphertext: row.ciphertext, dekVersion: row.dekVersion, updatedBy: row.updatedBy, updatedAt: now, rotatedAt: now, expiresAt: row.expiresAt ?? null },
    });
}

export async function deleteSecret(integrationId: string, field: string, tx: Executor): Promise<void> {
  await tx.delete(integrationSecrets).where(and(eq(integrationSecrets.integrationId, integrationId), eq(integrationSecrets.field, field)));
}

/**
 * The default connections of a provider for an organization and for the platform, with their
 * sealed values, in ONE query: the uncached getSettings path is a single round trip.
 */
export async function loadDefaultsWithSecrets(providerKey: string, orgId: string, db: Executor = getDb()) {
  return db
    .select({
      id: integrations.id,
      orgId: integrations.orgId,
      name: integrations.name,
      status: integrations.status,
      enabled: integrations.enabled,
      healthStatus: integrations.healthStatus,
      config: integrations.config,
      field: integrationSecrets.field,
      ciphertext: integrationSecrets.ciphertext,
    })
    .from(integrations)
    .leftJoin(integrationSecrets, eq(integrationSecrets.integrationId, integrations.id))
    .where(and(eq(integrations.providerKey, providerKey), eq(integrations.isDefault, true), visibleTo(orgId)))
    .orderBy(sql`${integrations.orgId} is null`);
}

export async function loadConnectionWithSecrets(id: string, orgId: string, db: Executor = getDb()) {
  return db
    .select({
      id: integrations.id,
      providerKey: integrations.providerKey,
      orgId: integrations.orgId,
      name: integrations.name,
      status: integrations.status,
      enabled: integrations.enabled,
      healthStatus: integrations.healthStatus,
      config: integrations.config,
      field: integrationSecrets.field,
      ciphertext: integrationSecrets.ciphertext,
    })
    .from(integrations)
    .leftJoin(integrationSecrets, eq(integrationSecrets.integrationId, integrations.id))
    .where(and(eq(integrations.id, id), visibleTo(orgId)));
}

export async function getOrgName(orgId: string, db: Executor = getDb()): Promise<string | undefined> {
  const [row] = await db.select({ name: organizations.name }).from(organizations).where(eq(organizations.id, orgId)).limit(1);
  return row?.name;
}

export async function setConnectionStatus(id: string, status: ConnectionStatus, lastError: string | null, tx: Executor = getDb()): Promise<void> {
  await tx.update(integrations).set({ status, lastError, updatedAt: new Date() }).where(eq(integrations.id, id));
}

export async function countConnectionsByStatus(orgId: string, db: Executor = getDb()) {
  return db
    .select({ status: integrations.status, enabled: integrations.enabled, n: sql<number>`count(*)::int` })
    .from(integrations)
    .where(eq(integrations.orgId, orgId))
    .groupBy(integrations.status, integrations.enabled)
    .orderBy(desc(sql`count(*)`));
}
