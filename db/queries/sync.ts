import "server-only";
import { and, asc, count, desc, eq, ilike, inArray, isNotNull, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { getDb, type Executor } from "@/db/client";
import { integrationData, integrations, syncRuns, syncRunSeen, syncStreams, type SyncMode, type SyncRunStatus, type SyncTrigger } from "@/db/schema";

export type SyncStreamRow = typeof syncStreams.$inferSelect;
export type SyncRunRow = typeof syncRuns.$inferSelect;
export type IntegrationDataRow = typeof integrationData.$inferSelect;

/* ───────── streams (organization-scoped) ───────── */

export async function listSyncStreams(orgId: string, integrationId: string, db: Executor = getDb()): Promise<SyncStreamRow[]> {
  return db
    .select()
    .from(syncStreams)
    .where(and(eq(syncStreams.orgId, orgId), eq(syncStreams.integrationId, integrationId)))
    .orderBy(syncStreams.entity);
}

export async function getSyncStream(orgId: string, id: string, db: Executor = getDb()): Promise<SyncStreamRow | undefined> {
  const [row] = await db
    .select()
    .from(syncStreams)
    .where(and(eq(syncStreams.orgId, orgId), eq(syncStreams.id, id)))
    .limit(1);
  return row;
}

export async function getSyncStreamByEntity(orgId: string, integrationId: string, entity: string, db: Executor = getDb()): Promise<SyncStreamRow | undefined> {
  const [row] = await db
    .select()
    .from(syncStreams)
    .where(and(eq(syncStreams.orgId, orgId), eq(syncStreams.integrationId, integrationId), eq(syncStreams.entity, entity)))
    .limit(1);
  return row;
}

/** Insert or update a connection's stream by entity (the (integration, entity) pair is unique). */
export async function upsertSyncStream(
  orgId: string,
  row: { integrationId: string; entity: string; enabled: boolean; scheduleMinutes: number | null; config?: Record<string, unknown> },
  tx: Executor,
): Promise<SyncStreamRow> {
  const nextRunAt = row.enabled && row.scheduleMinutes ? sql`now() + make_interval(mins => ${row.scheduleMinutes})` : null;
  const [r] = await tx
    .insert(syncStreams)
    .values({ orgId, integrationId: row.integrationId, entity: row.entity, enabled: row.enabled, scheduleMinutes: row.scheduleMinutes, config: row.config ?? {}, nextRunAt })
    .onConflictDoUpdate({
      target: [syncStreams.integrationId, syncStreams.entity],
      set: {
        enabled: row.enabled,
        scheduleMinutes: row.scheduleMinutes,
        ...(row.config ? { config: row.config } : {}),
        nextRunAt,
        updatedAt: sql`now()`,
      },
      // Never take over another organization's row.
      setWhere: eq(syncStreams.orgId, orgId),
    })
    .returning();
  return r!;
}

export async function updateSyncStream(orgId: string, id: string, patch: Partial<typeof syncStreams.$inferInsert>, tx: Executor): Promise<SyncStreamRow | undefined> {
  const [r] = await tx
    .update(syncStreams)
    .set({ ...patch, updatedAt: new Date() })
    .where(and(eq(syncStreams.orgId, orgId), eq(syncStreams.id, id)))
    .returning();
  return r;
}

export async function deleteSyncStream(orgId: string, id: string, tx: Executor): Promise<boolean> {
  const r = await tx
    .delete(syncStreams)
    .where(and(eq(syncStreams.orgId, orgId), eq(syncStreams.id, id)))
    .returning({ id: syncStreams.id });
  return r.length === 1;
}

/** Enabled, scheduled streams whose next run is due (the sync tick), oldest first. */
export async function listDueStreams(limit = 200, db: Executor = getDb()): Promise<Pick<SyncStreamRow, "id" | "orgId" | "integrationId" | "entity" | "scheduleMinutes">[]> {
  return db
    .select({ id: syncStreams.id, orgId: syncStreams.orgId, integrationId: syncStreams.integrationId, entity: syncStreams.entity, scheduleMinutes: syncStreams.scheduleMinutes })
    .from(syncStreams)
    .innerJoin(integrations, eq(integrations.id, syncStreams.integrationId))
    .where(and(eq(syncStreams.enabled, true), isNotNull(syncStreams.scheduleMinutes), lte(syncStreams.nextRunAt, sql`now()`), eq(integrations.enabled, true)))
    .orderBy(syncStreams.nextRunAt)
    .limit(limit);
}

/** Enabled streams of a connection (a webhook for it triggers their incremental runs). */
export async function listEnabledStreamsOfConnection(orgId: string | null, integrationId: string, db: Executor = getDb()): Promise<SyncStreamRow[]> {
  return db
    .select()
    .from(syncStreams)
    .where(and(orgId === null ? isNull(syncStreams.orgId) : eq(syncStreams.orgId, orgId), eq(syncStreams.integrationId, integrationId), eq(syncStreams.enabled, true)));
}

/* ───────── runs ───────── */

/** A new queued run, or undefined when the stream already has a queued or running one (partial unique index). */
export async function insertSyncRun(
  row: { orgId: string | null; integrationId: string; streamId: string; entity: string; mode: SyncMode; trigger: SyncTrigger; cursorStart: string | null; requestedBy: string | null },
  tx: Executor,
): Promise<SyncRunRow | undefined> {
  const [r] = await tx
    .insert(syncRuns)
    .values({ ...row, cursor: row.cursorStart })
    .onConflictDoNothing({ target: syncRuns.streamId, where: sql`status in ('queued','running')` })
    .returning();
  return r;
}

export async function getActiveRunOfStream(orgId: string, streamId: string, db: Executor = getDb()): Promise<SyncRunRow | undefined> {
  const [r] = await db
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.orgId, orgId), eq(syncRuns.streamId, streamId), inArray(syncRuns.status, ["queued", "running"])))
    .limit(1);
  return r;
}

export async function getSyncRun(orgId: string, id: string, db: Executor = getDb()): Promise<SyncRunRow | undefined> {
  const [r] = await db
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.orgId, orgId), eq(syncRuns.id, id)))
    .limit(1);
  return r;
}

/** The engine's read of its run (jobs carry the run id and its organization). */
export async function lockSyncRun(orgId: string | null, id: string, tx: Executor): Promise<SyncRunRow | undefined> {
  const [r] = await tx
    .select()
    .from(syncRuns)
    .where(and(orgId === null ? isNull(syncRuns.orgId) : eq(syncRuns.orgId, orgId), eq(syncRuns.id, id)))
    .for("update")
    .limit(1);
  return r;
}

export async function updateSyncRun(id: string, patch: Partial<typeof syncRuns.$inferInsert>, tx: Executor): Promise<void> {
  await tx.update(syncRuns).set(patch).where(eq(syncRuns.id, id));
}

/** Add one page's counts and move the checkpoint, only while the run is still running (a cancelled/finished run is not touched). */
export async function recordSyncPage(
  id: string,
  page: { processed: number; created: number; updated: number; revived: number; unchanged: number; failed: number; checkpoint: Record<string, unknown> | null; cursor: string | null },
  tx: Executor,
): Promise<SyncRunRow | undefined> {
  const [r] = await tx
    .update(syncRuns)
    .set({
      pages: sql`${syncRuns.pages} + 1`,
      processed: sql`${syncRuns.processed} + ${page.processed}`,
      created: sql`${syncRuns.created} + ${page.created}`,
      updated: sql`${syncRuns.updated} + ${page.updated}`,
      revived: sql`${syncRuns.revived} + ${page.revived}`,
      unchanged: sql`${syncRuns.unchanged} + ${page.unchanged}`,
      failed: sql`${syncRuns.failed} + ${page.failed}`,
      checkpoint: page.checkpoint,
      cursor: page.cursor,
    })
    .where(and(eq(syncRuns.id, id), eq(syncRuns.status, "running")))
    .returning();
  return r;
}

export async function requestRunCancel(orgId: string, id: string, tx: Executor): Promise<SyncRunRow | undefined> {
  const [r] = await tx
    .update(syncRuns)
    .set({
      cancelRequested: true,
      // A queued run has nothing to stop: it is cancelled at once (its job finds it finished).
      status: sql`case when ${syncRuns.status} = 'queued' then 'cancelled' else ${syncRuns.status} end`,
      finishedAt: sql`case when ${syncRuns.status} = 'queued' then now() else ${syncRuns.finishedAt} end`,
      error: sql`case when ${syncRuns.status} = 'queued' then 'Cancelled before it started.' else ${syncRuns.error} end`,
    })
    .where(and(eq(syncRuns.orgId, orgId), eq(syncRuns.id, id), inArray(syncRuns.status, ["queued", "running"])))
    .returning();
  return r;
}

export type RunListFilters = { streamId?: string; status?: SyncRunStatus };

export async function listSyncRuns(orgId: string, integrationId: string, opts: { page: number; perPage: number; streamId?: string; status?: SyncRunStatus }, db: Executor = getDb()) {
  const where = and(
    eq(syncRuns.orgId, orgId),
    eq(syncRuns.integrationId, integrationId),
    opts.streamId ? eq(syncRuns.streamId, opts.streamId) : undefined,
    opts.status ? eq(syncRuns.status, opts.status) : undefined,
  );
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(syncRuns)
      .where(where)
      .orderBy(desc(syncRuns.createdAt), desc(syncRuns.id))
      .limit(opts.perPage)
      .offset((opts.page - 1) * opts.perPage),
    db.select({ n: count() }).from(syncRuns).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

/* ───────── records ───────── */

/** `errors` is null when the mapping had none (stored as the column's `[]`); `hasErrors` is the engine's count, derived in SQL. */
export type UpsertRecord = { externalId: string; raw: string; mapped: string | null; errors: string | null; hasErrors: boolean; hash: string; sourceUpdatedAt: string | null };

type UpsertCtx = { orgId: string | null; integrationId: string; entity: string; mappingVersionId: string | null };

/** The pg connection of an open node-postgres transaction (null: PGlite, or not in a transaction). */
function pgClientOf(tx: Executor): pg.Client | null {
  const client = (tx as unknown as { session?: { client?: unknown } }).session?.client;
  return client instanceof pg.Client ? client : null;
}

/** COPY text format: backslash, newline, carriage return and tab escaped; \N is NULL. */
const copyEscape = (s: string) => (/[\\\n\r\t]/.test(s) ? s.replace(/[\\\n\r\t]/g, (c) => (c === "\\" ? "\\\\" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\t")) : s);
const copyField = (s: string | null) => (s === null ? "\\N" : copyEscape(s));

/** The upsert's conflict clause: an unchanged record (same hash, live, same mapping version) is not written at all. */
const onConflict = sql`
    on conflict (integration_id, entity_type, external_id) do update
       set raw = excluded.raw, mapped = excluded.mapped, errors = excluded.errors, has_errors = excluded.has_errors, hash = excluded.hash,
           mapping_version_id = excluded.mapping_version_id, source_updated_at = excluded.source_updated_at, synced_at = now(), deleted_at = null
     where d.hash is distinct from excluded.hash
        or d.deleted_at is not null
        or d.mapping_version_id is distinct from excluded.mapping_version_id`;

/**
 * One page of records. The hash is compared in SQL, so an unchanged record is not written at all
 * (no new tuple, no WAL); a record that comes back after a delete, or was mapped by another mapping
 * version, is rewritten. Returns created and updated (`xmax = 0`: the row was inserted).
 * `readHashes: false` skips the read of stored hashes (a stream's first load: nothing live to compare
 * with); the conflict clause still leaves an unchanged record unwritten.
 *
 * On PostgreSQL (inside a transaction) the page is COPYed into a session temp table (emptied at
 * commit) and upserted from there: COPY's text format needs no array-literal escaping of the JSON.
 * On PGlite (and outside a transaction) the page goes as 6 array parameters through unnest.
 *
 * `insertOnly` (a stream's first load, PostgreSQL): the page is COPYed straight into the table under
 * a savepoint, skipping the temp table and the upsert. If a record exists after all (one the
 * provider returned on two pages) the savepoint is rolled back, the page takes the upsert path, and
 * the result says `conflicted` so the caller stops trying.
 */
export async function upsertRecords(
  ctx: UpsertCtx,
  rows: UpsertRecord[],
  tx: Executor,
  opts: { readHashes?: boolean; insertOnly?: boolean; whileWriting?: () => void } = {},
): Promise<{ created: number; updated: number; revived: number; conflicted?: boolean }> {
  // `whileWriting` runs once, as soon as the page's heaviest statement is on its way to the server,
  // so the caller's CPU work (the next page) overlaps the database's instead of alternating with it.
  let overlap = opts.whileWriting;
  const whileWriting = () => {
    if (overlap) setImmediate(overlap);
    overlap = undefined;
  };
  try {
    const client = opts.insertOnly && rows.length > 0 ? pgClientOf(tx) : null;
    if (client) {
      const created = await copyNewRecords(client, ctx, rows, whileWriting);
      if (created !== null) return { created, updated: 0, revived: 0 };
      return { ...(await upsertPage(ctx, rows, tx, false, whileWriting)), conflicted: true };
    }
    return await upsertPage(ctx, rows, tx, opts.readHashes !== false, whileWriting);
  } finally {
    whileWriting();
  }
}

async function upsertPage(ctx: UpsertCtx, rows: UpsertRecord[], tx: Executor, readHashes: boolean, whileWriting: () => void): Promise<{ created: number; updated: number; revived: number }> {
  if (rows.length === 0) return { created: 0, updated: 0, revived: 0 };
  let revived = 0;
  if (readHashes) ({ rows, revived } = await changedOnly(ctx, rows, tx, whileWriting));
  if (rows.length === 0) return { created: 0, updated: 0, revived };
  const client = pgClientOf(tx);
  const source = client ? sql`sync_page t` : sql`unnest(
        ${sql.param(rows.map((r) => r.externalId))}::text[],
        ${sql.param(rows.map((r) => r.raw))}::jsonb[],
        ${sql.param(rows.map((r) => r.mapped))}::jsonb[],
        ${sql.param(rows.map((r) => r.errors))}::jsonb[],
        ${sql.param(rows.map((r) => r.hash))}::text[],
        ${sql.param(rows.map((r) => r.sourceUpdatedAt))}::timestamptz[]
      ) as t(external_id, raw, mapped, errors, hash, source_updated_at)`;
  if (client) await copyPage(client, rows);
  const write = Promise.resolve(tx.execute(sql`
    with w as (
    insert into ${integrationData} as d (org_id, integration_id, entity_type, external_id, raw, mapped, errors, has_errors, hash, mapping_version_id, source_updated_at)
    select ${ctx.orgId}, ${ctx.integrationId}, ${ctx.entity}, t.external_id, t.raw::jsonb, t.mapped::jsonb, coalesce(t.errors::jsonb, '[]'::jsonb), t.errors is not null, t.hash, ${ctx.mappingVersionId}, t.source_updated_at
      from ${source}
    ${onConflict}
    returning (xmax = 0) as inserted)
    select count(*) filter (where inserted)::int as created, count(*) filter (where not inserted)::int as updated from w`));
  whileWriting();
  const result = await write;
  const [r] = (result as unknown as { rows: { created: number; updated: number }[] }).rows;
  return { created: r?.created ?? 0, updated: r?.updated ?? 0, revived };
}

/**
 * The records that need a write: new, changed (hash), deleted, or mapped by another version, and
 * how many of them were deleted (the write revives them). One indexed read of the page's stored
 * hashes, so an unchanged record ships no JSON at all; the upsert keeps the same test in its
 * conflict clause. A stream's records are only written by its one running run, so the read still
 * holds when the upsert runs.
 */
async function changedOnly(ctx: UpsertCtx, rows: UpsertRecord[], tx: Executor, whileReading: () => void): Promise<{ rows: UpsertRecord[]; revived: number }> {
  // One index probe per id (a lateral with limit 1 is never flattened into a hash join that would
  // scan the stream's every row when the table's statistics are young).
  const read = Promise.resolve(tx.execute(sql`
    select x.id as external_id, s.hash, s.deleted from unnest(${sql.param(rows.map((r) => r.externalId))}::text[]) as x(id),
      lateral (select case when d.mapping_version_id is not distinct from ${ctx.mappingVersionId} then d.hash end as hash, d.deleted_at is not null as deleted
                 from ${integrationData} as d
                where d.integration_id = ${ctx.integrationId} and d.entity_type = ${ctx.entity} and d.external_id = x.id
                limit 1) as s`));
  // A page of unchanged records writes nothing: the read is its database work to overlap.
  whileReading();
  const result = await read;
  const stored = (result as unknown as { rows: { external_id: string; hash: string | null; deleted: boolean }[] }).rows;
  if (stored.length === 0) return { rows, revived: 0 };
  const live = new Map<string, string | null>();
  let revived = 0;
  for (const s of stored) {
    if (s.deleted) revived++;
    else live.set(s.external_id, s.hash);
  }
  return { rows: rows.filter((r) => live.get(r.externalId) !== r.hash), revived };
}

/** COPY a page into this connection's temp table `sync_page` (created once per session, emptied at each commit). */
async function copyPage(client: pg.Client, rows: UpsertRecord[]): Promise<void> {
  await client.query(
    "create temp table if not exists sync_page (external_id text, raw text, mapped text, errors text, hash text, source_updated_at timestamptz) on commit delete rows",
  );
  let text = "";
  for (const r of rows) {
    text += `${copyEscape(r.externalId)}\t${copyEscape(r.raw)}\t${copyField(r.mapped)}\t${copyField(r.errors)}\t${copyEscape(r.hash)}\t${copyField(r.sourceUpdatedAt)}\n`;
  }
  await copyText(client, "copy sync_page from stdin", text).done;
}

/** Send COPY text to the server; `done` settles when it has taken every row (`rowCount()` then says how many). */
function copyText(client: pg.Client, statement: string, text: string): { done: Promise<void>; rowCount: () => number } {
  const stream = client.query(copyFrom(statement));
  return { done: pipeline(Readable.from([text]), stream), rowCount: () => stream.rowCount };
}

/**
 * COPY a page of new records straight into integration_data, under a savepoint. Returns the rows
 * written, or null (savepoint rolled back, nothing written) when one of them already exists.
 */
async function copyNewRecords(client: pg.Client, ctx: UpsertCtx, rows: UpsertRecord[], whileCopying: () => void): Promise<number | null> {
  const prefix = `${copyField(ctx.orgId)}\t${copyEscape(ctx.integrationId)}\t${copyEscape(ctx.entity)}\t`;
  const version = copyField(ctx.mappingVersionId);
  let text = "";
  for (const r of rows) {
    text += `${prefix}${copyEscape(r.externalId)}\t${copyEscape(r.raw)}\t${copyField(r.mapped)}\t${r.errors === null ? "[]" : copyEscape(r.errors)}\t${r.hasErrors ? "t" : "f"}\t${copyEscape(r.hash)}\t${version}\t${copyField(r.sourceUpdatedAt)}\n`;
  }
  await client.query("savepoint sync_copy");
  try {
    const copy = copyText(client, "copy integration_data (org_id, integration_id, entity_type, external_id, raw, mapped, errors, has_errors, hash, mapping_version_id, source_updated_at) from stdin", text);
    whileCopying();
    await copy.done;
    await client.query("release savepoint sync_copy");
    return copy.rowCount();
  } catch (e) {
    if ((e as { code?: string }).code !== "23505") throw e;
    await client.query("rollback to savepoint sync_copy");
    return null;
  }
}

/** A full run's seen ids (delete detection at its successful end). */
export async function insertSeen(runId: string, externalIds: string[], tx: Executor): Promise<void> {
  if (externalIds.length === 0) return;
  await tx.execute(sql`
    insert into ${syncRunSeen} (run_id, external_id)
    select ${runId}, x from unnest(${sql.param(externalIds)}::text[]) as x
    on conflict do nothing`);
}

/** Mark deleted the stream's live records a successful full run did not see. */
export async function markUnseenDeleted(ctx: { integrationId: string; entity: string; runId: string }, tx: Executor): Promise<number> {
  const result = await tx.execute(sql`
    update ${integrationData} as d set deleted_at = now()
     where d.integration_id = ${ctx.integrationId} and d.entity_type = ${ctx.entity} and d.deleted_at is null
       and not exists (select 1 from ${syncRunSeen} s where s.run_id = ${ctx.runId} and s.external_id = d.external_id)
    returning d.id`);
  return (result as unknown as { rows: unknown[] }).rows.length;
}

/** Whether a stream has stored records at all, and live ones (two index probes). */
export async function streamRecords(ctx: { integrationId: string; entity: string }, tx: Executor): Promise<{ any: boolean; live: boolean }> {
  const of = and(eq(integrationData.integrationId, ctx.integrationId), eq(integrationData.entityType, ctx.entity));
  const [r] = await tx
    .select({
      any: sql<boolean>`exists (${tx.select({ one: sql`1` }).from(integrationData).where(of)})`,
      live: sql<boolean>`exists (${tx.select({ one: sql`1` }).from(integrationData).where(and(of, isNull(integrationData.deletedAt)))})`,
    })
    .from(sql`(select 1) as one`);
  return { any: r?.any === true, live: r?.live === true };
}

export async function clearSeen(runId: string, tx: Executor): Promise<void> {
  await tx.delete(syncRunSeen).where(eq(syncRunSeen.runId, runId));
}

export type RecordFilters = { connectionId?: string; entity?: string; q?: string; errorsOnly?: boolean; deleted?: "live" | "deleted" | "all" };

function recordWhere(orgId: string, f: RecordFilters): SQL | undefined {
  const q = f.q?.trim();
  return and(
    eq(integrationData.orgId, orgId),
    f.connectionId ? eq(integrationData.integrationId, f.connectionId) : undefined,
    f.entity ? eq(integrationData.entityType, f.entity) : undefined,
    f.errorsOnly ? eq(integrationData.hasErrors, true) : undefined,
    f.deleted === "deleted" ? isNotNull(integrationData.deletedAt) : f.deleted === "all" ? undefined : isNull(integrationData.deletedAt),
    q ? or(ilike(integrationData.externalId, `%${escapeLike(q)}%`), sql`${integrationData.raw}::text ilike ${`%${escapeLike(q)}%`}`) : undefined,
  );
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Records browser: one page, newest sync first, with the total for the pager. */
export async function listRecords(orgId: string, f: RecordFilters & { page: number; perPage: number }, db: Executor = getDb()) {
  const where = recordWhere(orgId, f);
  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: integrationData.id,
        integrationId: integrationData.integrationId,
        connectionName: integrations.name,
        providerKey: integrations.providerKey,
        entityType: integrationData.entityType,
        externalId: integrationData.externalId,
        hasErrors: integrationData.hasErrors,
        mappedPresent: sql<boolean>`${integrationData.mapped} is not null`,
        sourceUpdatedAt: integrationData.sourceUpdatedAt,
        syncedAt: integrationData.syncedAt,
        deletedAt: integrationData.deletedAt,
      })
      .from(integrationData)
      .innerJoin(integrations, eq(integrations.id, integrationData.integrationId))
      .where(where)
      .orderBy(desc(integrationData.syncedAt), desc(integrationData.id))
      .limit(f.perPage)
      .offset((f.page - 1) * f.perPage),
    db.select({ n: count() }).from(integrationData).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

export async function getRecord(orgId: string, id: number, db: Executor = getDb()) {
  const [row] = await db
    .select({ record: integrationData, connectionName: integrations.name, providerKey: integrations.providerKey })
    .from(integrationData)
    .innerJoin(integrations, eq(integrations.id, integrationData.integrationId))
    .where(and(eq(integrationData.orgId, orgId), eq(integrationData.id, id)))
    .limit(1);
  return row;
}

/** Entity types present in an organization's records (the browser's filter). */
export async function listRecordEntities(orgId: string, db: Executor = getDb()): Promise<{ integrationId: string; connectionName: string; entityType: string }[]> {
  return db
    .selectDistinct({ integrationId: syncStreams.integrationId, connectionName: integrations.name, entityType: syncStreams.entity })
    .from(syncStreams)
    .innerJoin(integrations, eq(integrations.id, syncStreams.integrationId))
    .where(eq(syncStreams.orgId, orgId))
    .orderBy(integrations.name, syncStreams.entity);
}

/** The connection's proactive request budget (null: no limit). */
export async function getConnectionRate(orgId: string | null, connectionId: string, db: Executor = getDb()): Promise<number | null> {
  const [r] = await db
    .select({ rps: integrations.requestsPerSecond })
    .from(integrations)
    .where(and(eq(integrations.id, connectionId), orgId === null ? isNull(integrations.orgId) : or(eq(integrations.orgId, orgId), isNull(integrations.orgId))))
    .limit(1);
  return r?.rps ?? null;
}

export async function setConnectionRate(orgId: string, connectionId: string, rps: number | null, tx: Executor): Promise<boolean> {
  const r = await tx
    .update(integrations)
    .set({ requestsPerSecond: rps, updatedAt: new Date() })
    .where(and(eq(integrations.id, connectionId), eq(integrations.orgId, orgId)))
    .returning({ id: integrations.id });
  return r.length === 1;
}

/** The newest run of each stream of a connection (its progress while active, else how the last one ended). */
export async function latestRunPerStream(orgId: string, integrationId: string, db: Executor = getDb()): Promise<SyncRunRow[]> {
  return db
    .selectDistinctOn([syncRuns.streamId])
    .from(syncRuns)
    .where(and(eq(syncRuns.orgId, orgId), eq(syncRuns.integrationId, integrationId)))
    .orderBy(syncRuns.streamId, desc(syncRuns.createdAt));
}

/** synced_at as PostgreSQL's microsecond text (a JS Date would drop the microseconds and repeat rows). */
export type RecordFeedCursor = { syncedAt: string; id: number };

/**
 * The REST change feed of a connection's records: ordered by (synced_at, id), so a consumer that
 * keeps the last cursor sees every record written after it, updates included (an update moves
 * synced_at forward). Deleted records are included with deletedAt set when asked for.
 */
export async function listRecordFeed(
  orgId: string,
  integrationId: string,
  f: { entity?: string; after?: RecordFeedCursor; limit: number; includeDeleted: boolean; errorsOnly: boolean },
  db: Executor = getDb(),
) {
  return db
    .select({
      id: integrationData.id,
      entityType: integrationData.entityType,
      externalId: integrationData.externalId,
      mapped: integrationData.mapped,
      raw: integrationData.raw,
      errors: integrationData.errors,
      hasErrors: integrationData.hasErrors,
      mappingVersionId: integrationData.mappingVersionId,
      sourceUpdatedAt: integrationData.sourceUpdatedAt,
      syncedAt: integrationData.syncedAt,
      deletedAt: integrationData.deletedAt,
      cursorAt: sql<string>`to_char(${integrationData.syncedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(integrationData)
    .where(
      and(
        eq(integrationData.orgId, orgId),
        eq(integrationData.integrationId, integrationId),
        f.entity ? eq(integrationData.entityType, f.entity) : undefined,
        f.includeDeleted ? undefined : isNull(integrationData.deletedAt),
        f.errorsOnly ? eq(integrationData.hasErrors, true) : undefined,
        f.after ? sql`(${integrationData.syncedAt}, ${integrationData.id}) > (${f.after.syncedAt}::timestamptz, ${f.after.id})` : undefined,
      ),
    )
    .orderBy(asc(integrationData.syncedAt), asc(integrationData.id))
    .limit(f.limit);
}
