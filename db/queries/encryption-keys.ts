import "server-only";
import { and, asc, desc, eq, ne, sql } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { encryptionKeys, integrationSecrets, keyRotations, type KeyStatus } from "@/db/schema";

export type EncryptionKeyRow = typeof encryptionKeys.$inferSelect;
export type KeyRotationRow = typeof keyRotations.$inferSelect;

/** The active key of a scope, share-locked so a concurrent rotation waits for this write to commit. */
export async function getActiveKeyForShare(scope: string, tx: Executor): Promise<EncryptionKeyRow | undefined> {
  const [row] = await tx
    .select()
    .from(encryptionKeys)
    .where(and(eq(encryptionKeys.scope, scope), eq(encryptionKeys.status, "active")))
    .for("share")
    .limit(1);
  return row;
}

export async function getKey(scope: string, version: number, db: Executor = getDb()): Promise<EncryptionKeyRow | undefined> {
  const [row] = await db
    .select()
    .from(encryptionKeys)
    .where(and(eq(encryptionKeys.scope, scope), eq(encryptionKeys.version, version)))
    .limit(1);
  return row;
}

/** Insert version 1 unless another process did it first. */
export async function insertFirstKey(row: { scope: string; orgId: string | null; wrappedKey: string; kekId: string }, tx: Executor): Promise<void> {
  await tx
    .insert(encryptionKeys)
    .values({ ...row, version: 1, status: "active" })
    .onConflictDoNothing();
}

export async function listKeys(scope: string, db: Executor = getDb()): Promise<EncryptionKeyRow[]> {
  return db.select().from(encryptionKeys).where(eq(encryptionKeys.scope, scope)).orderBy(desc(encryptionKeys.version));
}

export async function listKeysNotWrappedBy(kekId: string, db: Executor = getDb()): Promise<EncryptionKeyRow[]> {
  return db.select().from(encryptionKeys).where(ne(encryptionKeys.kekId, kekId)).orderBy(asc(encryptionKeys.scope), asc(encryptionKeys.version));
}

export async function listDistinctKekIds(db: Executor = getDb()): Promise<{ kekId: string; scope: string; version: number; wrappedKey: string }[]> {
  return db
    .selectDistinctOn([encryptionKeys.kekId], { kekId: encryptionKeys.kekId, scope: encryptionKeys.scope, version: encryptionKeys.version, wrappedKey: encryptionKeys.wrappedKey })
    .from(encryptionKeys)
    .orderBy(encryptionKeys.kekId);
}

export async function updateWrappedKey(scope: string, version: number, wrappedKey: string, kekId: string, tx: Executor): Promise<void> {
  await tx.update(encryptionKeys).set({ wrappedKey, kekId }).where(and(eq(encryptionKeys.scope, scope), eq(encryptionKeys.version, version)));
}

export async function lockKeysOfScope(scope: string, tx: Executor): Promise<EncryptionKeyRow[]> {
  return tx.select().from(encryptionKeys).where(eq(encryptionKeys.scope, scope)).orderBy(desc(encryptionKeys.version)).for("update");
}

export async function setKeyStatus(scope: string, version: number, status: KeyStatus, tx: Executor): Promise<void> {
  await tx
    .update(encryptionKeys)
    .set({ status, retiredAt: status === "retired" ? new Date() : null })
    .where(and(eq(encryptionKeys.scope, scope), eq(encryptionKeys.version, version)));
}

export async function insertKey(row: { scope: string; orgId: string | null; version: number; wrappedKey: string; kekId: string; status: KeyStatus }, tx: Executor): Promise<void> {
  await tx.insert(encryptionKeys).values(row);
}

/** How many sealed values of a scope use each key version. */
export async function countSecretsByVersion(scope: string, db: Executor = getDb()): Promise<Map<number, number>> {
  const rows = await db
    .select({ version: integrationSecrets.dekVersion, n: sql<number>`count(*)::int` })
    .from(integrationSecrets)
    .where(eq(integrationSecrets.scope, scope))
    .groupBy(integrationSecrets.dekVersion);
  return new Map(rows.map((r) => [r.version, r.n]));
}

export async function countSecretsNotOnVersion(scope: string, version: number, db: Executor = getDb()): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(integrationSecrets)
    .where(and(eq(integrationSecrets.scope, scope), ne(integrationSecrets.dekVersion, version)));
  return row?.n ?? 0;
}

/** Next batch of rows still sealed with an older key, locked; rows another worker holds are skipped. */
export async function lockBatchNotOnVersion(scope: string, version: number, limit: number, tx: Executor) {
  return tx
    .select({
      integrationId: integrationSecrets.integrationId,
      field: integrationSecrets.field,
      ciphertext: integrationSecrets.ciphertext,
      dekVersion: integrationSecrets.dekVersion,
    })
    .from(integrationSecrets)
    .where(and(eq(integrationSecrets.scope, scope), ne(integrationSecrets.dekVersion, version)))
    .limit(limit)
    .for("update", { skipLocked: true });
}

export async function reencryptSecret(row: { integrationId: string; field: string; ciphertext: string; dekVersion: number; fromVersion: number }, tx: Executor): Promise<boolean> {
  // The version check makes a re-run harmless: a row already moved is not touched again.
  const updated = await tx
    .update(integrationSecrets)
    .set({ ciphertext: row.ciphertext, dekVersion: row.dekVersion })
    .where(and(eq(integrationSecrets.integrationId, row.integrationId), eq(integrationSecrets.field, row.field), eq(integrationSecrets.dekVersion, row.fromVersion)))
    .returning({ f: integrationSecrets.field });
  return updated.length === 1;
}

/**
 * Re-encrypted values of one batch in a single UPDATE … FROM (VALUES …). The version check makes
 * a re-run harmless: a row already moved (by a writer or an earlier run) is not touched again.
 */
export async function reencryptBatch(rows: { integrationId: string; field: string; ciphertext: string; fromVersion: number }[], toVersion: number, tx: Executor): Promise<number> {
  if (rows.length === 0) return 0;
  // Four arrays and unnest: 5 bind parameters whatever the batch size (VALUES lists hit 65,535).
  const result = await tx.execute(sql`
    update ${integrationSecrets} as s
       set ciphertext = v.ciphertext, dek_version = ${toVersion}
      from unnest(${sql.param(rows.map((r) => r.integrationId))}::text[], ${sql.param(rows.map((r) => r.field))}::text[], ${sql.param(rows.map((r) => r.ciphertext))}::text[], ${sql.param(rows.map((r) => r.fromVersion))}::int[])
           as v(integration_id, field, ciphertext, from_version)
     where s.integration_id = v.integration_id and s.field = v.field and s.dek_version = v.from_version
    returning s.field`);
  return (result as unknown as { rows: unknown[] }).rows.length;
}

export async function insertRotation(row: { scope: string; orgId: string | null; fromVersion: number; toVersion: number; total: number; startedBy: string | null }, tx: Executor): Promise<KeyRotationRow> {
  const [r] = await tx.insert(keyRotations).values(row).returning();
  return r!;
}

export async function getRotation(id: string, db: Executor = getDb()): Promise<KeyRotationRow | undefined> {
  const [r] = await db.select().from(keyRotations).where(eq(keyRotations.id, id)).limit(1);
  return r;
}

export async function listRunningRotations(db: Executor = getDb()): Promise<KeyRotationRow[]> {
  return db.select().from(keyRotations).where(eq(keyRotations.status, "running"));
}

export async function latestRotation(scope: string, db: Executor = getDb()): Promise<KeyRotationRow | undefined> {
  const [r] = await db.select().from(keyRotations).where(eq(keyRotations.scope, scope)).orderBy(desc(keyRotations.startedAt)).limit(1);
  return r;
}

export async function updateRotation(id: string, patch: Partial<Pick<KeyRotationRow, "processed" | "status" | "error" | "heartbeatAt" | "finishedAt" | "total">>, db: Executor = getDb()): Promise<void> {
  await db.update(keyRotations).set(patch).where(eq(keyRotations.id, id));
}

export async function addRotationProgress(id: string, n: number, tx: Executor): Promise<void> {
  await tx
    .update(keyRotations)
    .set({ processed: sql`${keyRotations.processed} + ${n}`, heartbeatAt: new Date() })
    .where(eq(keyRotations.id, id));
}
