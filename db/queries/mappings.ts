import "server-only";
import { and, asc, desc, eq, gt, isNull, max, sql } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { dataMappings, dataMappingVersions, integrationData, integrations, mappingTemplates, syncStreams, targetSchemas, users } from "@/db/schema";

export type DataMappingRow = typeof dataMappings.$inferSelect;
export type MappingVersionRow = typeof dataMappingVersions.$inferSelect;
export type MappingTemplateRow = typeof mappingTemplates.$inferSelect;
export type TargetSchemaRow = typeof targetSchemas.$inferSelect;
export type SyncStreamRow = typeof syncStreams.$inferSelect;

export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  const err = e as { code?: string; constraint?: string; cause?: { code?: string; constraint?: string } };
  const code = err?.code ?? err?.cause?.code;
  if (code !== "23505") return false;
  const name = err?.constraint ?? err?.cause?.constraint;
  return !constraint || !name || name === constraint;
}

/* ───────── streams (only what mappings need; the sync engine owns streams) ───────── */

/** Streams of the organization's own connections, with their connection, for the "new mapping" form. */
export async function listMappableStreams(orgId: string, db: Executor = getDb()) {
  return db
    .select({ id: syncStreams.id, entity: syncStreams.entity, enabled: syncStreams.enabled, connectionId: integrations.id, connectionName: integrations.name, providerKey: integrations.providerKey, mappingId: dataMappings.id })
    .from(syncStreams)
    .innerJoin(integrations, eq(integrations.id, syncStreams.integrationId))
    .leftJoin(dataMappings, eq(dataMappings.streamId, syncStreams.id))
    .where(eq(syncStreams.orgId, orgId))
    .orderBy(asc(integrations.name), asc(syncStreams.entity));
}

export async function getStream(orgId: string, streamId: string, db: Executor = getDb()): Promise<SyncStreamRow | undefined> {
  const [row] = await db
    .select()
    .from(syncStreams)
    .where(and(eq(syncStreams.id, streamId), eq(syncStreams.orgId, orgId)))
    .limit(1);
  return row;
}

/**
 * The stream of (connection, entity), created switched off when there is none yet, so a mapping can
 * be prepared before the first sync. The connection must be the organization's own.
 */
export async function ensureStream(orgId: string, integrationId: string, entity: string, tx: Executor): Promise<SyncStreamRow | undefined> {
  const [conn] = await tx
    .select({ id: integrations.id })
    .from(integrations)
    .where(and(eq(integrations.id, integrationId), eq(integrations.orgId, orgId)))
    .limit(1);
  if (!conn) return undefined;
  await tx.insert(syncStreams).values({ orgId, integrationId, entity, enabled: false }).onConflictDoNothing();
  const [row] = await tx
    .select()
    .from(syncStreams)
    .where(and(eq(syncStreams.integrationId, integrationId), eq(syncStreams.entity, entity), eq(syncStreams.orgId, orgId)))
    .limit(1);
  return row;
}

/* ───────── mappings ───────── */

/** Live records and records with errors per (connection, entity) of the organization. */
const recordCounts = (orgId: string) =>
  getDb()
    .select({
      integrationId: integrationData.integrationId,
      entityType: integrationData.entityType,
      records: sql<number>`count(*)::int`.as("records"),
      withErrors: sql<number>`count(*) filter (where ${integrationData.hasErrors})::int`.as("with_errors"),
    })
    .from(integrationData)
    .where(and(eq(integrationData.orgId, orgId), isNull(integrationData.deletedAt)))
    .groupBy(integrationData.integrationId, integrationData.entityType)
    .as("counts");

export async function listMappings(orgId: string, db: Executor = getDb()) {
  const counts = recordCounts(orgId);
  return db
    .select({
      id: dataMappings.id,
      streamId: dataMappings.streamId,
      entity: dataMappings.entity,
      targetSchema: dataMappings.targetSchema,
      activeVersionId: dataMappings.activeVersionId,
      activeVersion: dataMappingVersions.version,
      remapStatus: dataMappings.remapStatus,
      remapDone: dataMappings.remapDone,
      remapTotal: dataMappings.remapTotal,
      updatedAt: dataMappings.updatedAt,
      connectionId: integrations.id,
      connectionName: integrations.name,
      providerKey: integrations.providerKey,
      records: sql<number>`coalesce(${counts.records}, 0)`,
      withErrors: sql<number>`coalesce(${counts.withErrors}, 0)`,
    })
    .from(dataMappings)
    .innerJoin(integrations, eq(integrations.id, dataMappings.integrationId))
    .leftJoin(dataMappingVersions, eq(dataMappingVersions.id, dataMappings.activeVersionId))
    .leftJoin(counts, and(eq(counts.integrationId, dataMappings.integrationId), eq(counts.entityType, dataMappings.entity)))
    .where(eq(dataMappings.orgId, orgId))
    .orderBy(asc(integrations.name), asc(dataMappings.entity));
}

export async function getMapping(orgId: string, id: string, db: Executor = getDb()) {
  const [row] = await db
    .select({ mapping: dataMappings, connectionName: integrations.name, providerKey: integrations.providerKey })
    .from(dataMappings)
    .innerJoin(integrations, eq(integrations.id, dataMappings.integrationId))
    .where(and(eq(dataMappings.id, id), eq(dataMappings.orgId, orgId)))
    .limit(1);
  return row ? { ...row.mapping, connectionName: row.connectionName, providerKey: row.providerKey } : undefined;
}

/** The mapping of a stream with its active version number (the connection's Sync tab shows it). */
export async function getMappingOfStream(orgId: string, streamId: string, db: Executor = getDb()) {
  const [row] = await db
    .select({ id: dataMappings.id, targetSchema: dataMappings.targetSchema, activeVersion: dataMappingVersions.version, remapStatus: dataMappings.remapStatus })
    .from(dataMappings)
    .leftJoin(dataMappingVersions, eq(dataMappingVersions.id, dataMappings.activeVersionId))
    .where(and(eq(dataMappings.streamId, streamId), eq(dataMappings.orgId, orgId)))
    .limit(1);
  return row;
}

export async function lockMapping(orgId: string, id: string, tx: Executor): Promise<DataMappingRow | undefined> {
  const [row] = await tx
    .select()
    .from(dataMappings)
    .where(and(eq(dataMappings.id, id), eq(dataMappings.orgId, orgId)))
    .for("update")
    .limit(1);
  return row;
}

export async function insertMapping(row: { orgId: string; integrationId: string; streamId: string; entity: string; targetSchema: string }, tx: Executor): Promise<DataMappingRow> {
  const [r] = await tx.insert(dataMappings).values(row).returning();
  return r!;
}

export async function updateMapping(orgId: string, id: string, patch: Partial<typeof dataMappings.$inferInsert>, tx: Executor): Promise<void> {
  await tx
    .update(dataMappings)
    .set({ ...patch, updatedAt: new Date() })
    .where(and(eq(dataMappings.id, id), eq(dataMappings.orgId, orgId)));
}

export async function deleteMapping(orgId: string, id: string, tx: Executor): Promise<boolean> {
  const r = await tx
    .delete(dataMappings)
    .where(and(eq(dataMappings.id, id), eq(dataMappings.orgId, orgId)))
    .returning({ id: dataMappings.id });
  return r.length > 0;
}

/* ───────── versions ───────── */

export async function listMappingVersions(orgId: string, mappingId: string, db: Executor = getDb()) {
  return db
    .select({ id: dataMappingVersions.id, version: dataMappingVersions.version, note: dataMappingVersions.note, definition: dataMappingVersions.definition, createdAt: dataMappingVersions.createdAt, createdBy: users.email })
    .from(dataMappingVersions)
    .innerJoin(dataMappings, eq(dataMappings.id, dataMappingVersions.mappingId))
    .leftJoin(users, eq(users.id, dataMappingVersions.createdBy))
    .where(and(eq(dataMappingVersions.mappingId, mappingId), eq(dataMappings.orgId, orgId)))
    .orderBy(desc(dataMappingVersions.version));
}

export async function getMappingVersion(orgId: string, versionId: string, db: Executor = getDb()) {
  const [row] = await db
    .select({ version: dataMappingVersions })
    .from(dataMappingVersions)
    .innerJoin(dataMappings, eq(dataMappings.id, dataMappingVersions.mappingId))
    .where(and(eq(dataMappingVersions.id, versionId), eq(dataMappings.orgId, orgId)))
    .limit(1);
  return row?.version;
}

/** The active version (with its definition) of every mapping of an organization, in one query. */
export async function listActiveMappingVersions(orgId: string, db: Executor = getDb()): Promise<Pick<MappingVersionRow, "id" | "mappingId" | "version" | "definition">[]> {
  return db
    .select({ id: dataMappingVersions.id, mappingId: dataMappingVersions.mappingId, version: dataMappingVersions.version, definition: dataMappingVersions.definition })
    .from(dataMappingVersions)
    .innerJoin(dataMappings, eq(dataMappings.activeVersionId, dataMappingVersions.id))
    .where(eq(dataMappings.orgId, orgId));
}

/**
 * A new version numbered after the highest one. Callers hold the mapping row lock, so two saves
 * queue; the unique (mapping, version) index is the last guard and surfaces as a conflict.
 */
export async function insertMappingVersion(row: { mappingId: string; definition: Record<string, unknown>; note: string | null; createdBy: string | null }, tx: Executor): Promise<MappingVersionRow> {
  const [cur] = await tx
    .select({ n: max(dataMappingVersions.version) })
    .from(dataMappingVersions)
    .where(eq(dataMappingVersions.mappingId, row.mappingId));
  const [r] = await tx
    .insert(dataMappingVersions)
    .values({ ...row, version: (cur?.n ?? 0) + 1 })
    .returning();
  return r!;
}

/* ───────── templates ───────── */

export async function listOrgTemplates(orgId: string, db: Executor = getDb()): Promise<MappingTemplateRow[]> {
  return db.select().from(mappingTemplates).where(eq(mappingTemplates.orgId, orgId)).orderBy(asc(mappingTemplates.name));
}

export async function getOrgTemplate(orgId: string, id: string, db: Executor = getDb()): Promise<MappingTemplateRow | undefined> {
  const [row] = await db
    .select()
    .from(mappingTemplates)
    .where(and(eq(mappingTemplates.id, id), eq(mappingTemplates.orgId, orgId)))
    .limit(1);
  return row;
}

export async function insertTemplate(row: typeof mappingTemplates.$inferInsert & { orgId: string }, tx: Executor): Promise<MappingTemplateRow> {
  const [r] = await tx.insert(mappingTemplates).values(row).returning();
  return r!;
}

export async function deleteTemplate(orgId: string, id: string, tx: Executor): Promise<MappingTemplateRow | undefined> {
  const [r] = await tx
    .delete(mappingTemplates)
    .where(and(eq(mappingTemplates.id, id), eq(mappingTemplates.orgId, orgId)))
    .returning();
  return r;
}

/* ───────── custom target schemas ───────── */

export async function listTargetSchemas(orgId: string, db: Executor = getDb()): Promise<TargetSchemaRow[]> {
  return db.select().from(targetSchemas).where(eq(targetSchemas.orgId, orgId)).orderBy(asc(targetSchemas.name));
}

export async function getTargetSchemaByKey(orgId: string, key: string, db: Executor = getDb()): Promise<TargetSchemaRow | undefined> {
  const [row] = await db
    .select()
    .from(targetSchemas)
    .where(and(eq(targetSchemas.orgId, orgId), eq(targetSchemas.key, key)))
    .limit(1);
  return row;
}

export async function getTargetSchema(orgId: string, id: string, db: Executor = getDb()): Promise<TargetSchemaRow | undefined> {
  const [row] = await db
    .select()
    .from(targetSchemas)
    .where(and(eq(targetSchemas.orgId, orgId), eq(targetSchemas.id, id)))
    .limit(1);
  return row;
}

export async function insertTargetSchema(row: typeof targetSchemas.$inferInsert, tx: Executor): Promise<TargetSchemaRow> {
  const [r] = await tx.insert(targetSchemas).values(row).returning();
  return r!;
}

export async function updateTargetSchema(orgId: string, id: string, patch: { name: string; fields: TargetSchemaRow["fields"] }, tx: Executor): Promise<TargetSchemaRow | undefined> {
  const [r] = await tx
    .update(targetSchemas)
    .set({ ...patch, updatedAt: new Date() })
    .where(and(eq(targetSchemas.id, id), eq(targetSchemas.orgId, orgId)))
    .returning();
  return r;
}

export async function deleteTargetSchema(orgId: string, id: string, tx: Executor): Promise<boolean> {
  const r = await tx
    .delete(targetSchemas)
    .where(and(eq(targetSchemas.id, id), eq(targetSchemas.orgId, orgId)))
    .returning({ id: targetSchemas.id });
  return r.length > 0;
}

export async function countMappingsUsingTarget(orgId: string, key: string, db: Executor = getDb()): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(dataMappings)
    .where(and(eq(dataMappings.orgId, orgId), eq(dataMappings.targetSchema, key)));
  return r?.n ?? 0;
}

/* ───────── stored records ───────── */

/** The stream's most recently synced live records (raw only), for discovery, preview and dry runs. */
export async function listSampleRecords(orgId: string, mapping: { integrationId: string; entity: string }, limit: number, db: Executor = getDb()) {
  return db
    .select({ id: integrationData.id, externalId: integrationData.externalId, raw: integrationData.raw })
    .from(integrationData)
    .where(and(eq(integrationData.orgId, orgId), eq(integrationData.integrationId, mapping.integrationId), eq(integrationData.entityType, mapping.entity), isNull(integrationData.deletedAt)))
    .orderBy(desc(integrationData.syncedAt), desc(integrationData.id))
    .limit(limit);
}

export async function countLiveRecords(orgId: string, mapping: { integrationId: string; entity: string }, db: Executor = getDb()): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(integrationData)
    .where(and(eq(integrationData.orgId, orgId), eq(integrationData.integrationId, mapping.integrationId), eq(integrationData.entityType, mapping.entity), isNull(integrationData.deletedAt)));
  return r?.n ?? 0;
}

/**
 * The next batch for a re-map: keyset by id, skipping records already mapped by `versionId`
 * (so a killed re-map resumes where it was without a stored cursor).
 */
export async function selectRemapBatch(ctx: { orgId: string; integrationId: string; entity: string; versionId: string }, afterId: number, limit: number, tx: Executor) {
  return tx
    .select({ id: integrationData.id, raw: integrationData.raw })
    .from(integrationData)
    .where(
      and(
        eq(integrationData.orgId, ctx.orgId),
        eq(integrationData.integrationId, ctx.integrationId),
        eq(integrationData.entityType, ctx.entity),
        isNull(integrationData.deletedAt),
        gt(integrationData.id, afterId),
        sql`${integrationData.mappingVersionId} is distinct from ${ctx.versionId}`,
      ),
    )
    .orderBy(asc(integrationData.id))
    .limit(limit);
}

/** One statement per batch: arrays as bind parameters through unnest. */
export async function writeRemapBatch(versionId: string, rows: { id: number; mapped: string; errors: string; hasErrors: boolean }[], tx: Executor): Promise<number> {
  if (rows.length === 0) return 0;
  const r = await tx.execute(sql`
    update ${integrationData} as d
       set mapped = u.mapped, errors = u.errors, has_errors = u.has_errors, mapping_version_id = ${versionId}
      from unnest(
        ${sql.param(rows.map((x) => x.id))}::bigint[],
        ${sql.param(rows.map((x) => x.mapped))}::jsonb[],
        ${sql.param(rows.map((x) => x.errors))}::jsonb[],
        ${sql.param(rows.map((x) => x.hasErrors))}::boolean[]
      ) as u(id, mapped, errors, has_errors)
     where d.id = u.id`);
  return (r as unknown as { rowCount?: number; affectedRows?: number }).rowCount ?? (r as unknown as { affectedRows?: number }).affectedRows ?? rows.length;
}

/** The mapping row the re-map job works on (the job carries the org, checked by the caller). */
export async function lockMappingById(id: string, tx: Executor): Promise<DataMappingRow | undefined> {
  const [row] = await tx.select().from(dataMappings).where(eq(dataMappings.id, id)).for("update").limit(1);
  return row;
}

/** Re-map progress of a mapping, by id (the job's own row; its org was checked under the row lock). */
export async function setRemapProgress(tx: Executor, id: string, patch: Pick<Partial<typeof dataMappings.$inferInsert>, "remapStatus" | "remapDone" | "remapTotal" | "remapError">): Promise<void> {
  await tx
    .update(dataMappings)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(dataMappings.id, id));
}

/** The stream's mapping with its active version, for loadStreamMapper (one query). */
export async function getActiveMappingOfStream(streamId: string, db: Executor = getDb()) {
  const [row] = await db
    .select({ orgId: dataMappings.orgId, targetSchema: dataMappings.targetSchema, versionId: dataMappingVersions.id, definition: dataMappingVersions.definition })
    .from(dataMappings)
    .innerJoin(dataMappingVersions, eq(dataMappingVersions.id, dataMappings.activeVersionId))
    .where(eq(dataMappings.streamId, streamId))
    .limit(1);
  return row;
}

export async function getMappingVersionById(versionId: string, db: Executor = getDb()) {
  const [row] = await db.select().from(dataMappingVersions).where(eq(dataMappingVersions.id, versionId)).limit(1);
  return row;
}
