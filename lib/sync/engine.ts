import "server-only";
import { eq, sql } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { integrations, syncRuns, syncStreams } from "@/db/schema";
import {
  clearSeen,
  insertSeen,
  lockSyncRun,
  markUnseenDeleted,
  recordSyncPage,
  streamRecords,
  updateSyncRun,
  upsertRecords,
  type SyncRunRow,
  type UpsertRecord,
} from "@/db/queries/sync";
import { AppError, isAppError } from "@/lib/errors";
import { publishEvent } from "@/lib/events/publish";
import { isEgressError } from "@/lib/http";
import { logger } from "@/lib/logger";
import { loadStreamMapper } from "@/lib/mapping/active";
import type { Mapper } from "@/lib/mapping/types";
import { recordHash } from "./hash";
import { openSource, type Source } from "./source";
import { resolveStream, type PageToken, type StreamDef } from "./streams";

export type RunSyncOptions = {
  /** The mapping to apply; default: the stream's active mapping version (loadStreamMapper), once per run. */
  mapper?: Mapper | null;
  /** Aborting stops the run where it is and leaves it `running`: the next runSync resumes from its checkpoint (worker shutdown, a kill). */
  signal?: AbortSignal;
  /** Tests: the source (API client) to use instead of opening the connection. */
  source?: Source;
  /** Tests: called after each page's transaction committed, with the page number. */
  afterPage?: (page: number) => void | Promise<void>;
};

export type RunSyncResult = Pick<SyncRunRow, "id" | "status" | "pages" | "processed" | "created" | "updated" | "unchanged" | "deleted" | "failed" | "durationMs" | "error">;

/**
 * Decided once, at claim. `trackSeen`: a full run of a stream that had live records records the ids
 * it sees. `fresh`: the stream had no records at all, so no stored hash can match (none is read) and
 * no write revives a deleted record.
 */
type Checkpoint = { next: PageToken | null; done?: boolean; trackSeen?: boolean; fresh?: boolean };

const MAX_PAGES = 100_000;

class RunNotRunning extends Error {}
class CancelRequested extends Error {}

function describe(error: unknown): string {
  if (isAppError(error) || isEgressError(error)) return (error as Error).message;
  return "The sync failed unexpectedly; the error was logged.";
}

/** Records prepared between two turns of the event loop (about a millisecond of work). */
const SLICE = 64;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Map, hash and shape one page's records (duplicates within a page: the last one wins). It yields
 * to the event loop every few dozen records, so the page being written meanwhile keeps the
 * database busy: its statements go out and its answers come back without waiting for this page.
 */
export async function preparePage(stream: StreamDef, records: unknown[], mapper: Mapper | null): Promise<{ rows: UpsertRecord[]; failed: number; maxUpdated: string | null; skipped: number }> {
  const byId = new Map<string, UpsertRecord>();
  let maxUpdated: string | null = null;
  let skipped = 0;
  let n = 0;
  for (const raw of records) {
    if (++n % SLICE === 0) await nextTurn();
    const externalId = stream.idOf(raw);
    if (!externalId) {
      skipped++;
      continue;
    }
    // The provider's own field order: 2-3x cheaper than sorting keys, and providers keep their order
    // stable; a reordered record would only cost one needless rewrite, never a wrong count of records.
    const canonical = JSON.stringify(raw);
    const updatedAt = stream.updatedAtOf(raw) ?? null;
    if (updatedAt && (!maxUpdated || updatedAt > maxUpdated)) maxUpdated = updatedAt;
    let mapped: string | null = null;
    let errors: string | null = null; // clean: stored as the column's [] without sending it
    let hasErrors = false;
    if (mapper) {
      const r = mapper.apply(raw);
      mapped = JSON.stringify(r.mapped);
      if (r.errors.length) {
        errors = JSON.stringify(r.errors);
        hasErrors = true;
      }
    }
    byId.set(externalId, { externalId, raw: canonical, mapped, errors, hasErrors, hash: recordHash(canonical), sourceUpdatedAt: updatedAt });
  }
  const rows = [...byId.values()];
  return { rows, failed: rows.filter((r) => r.hasErrors).length, maxUpdated, skipped };
}

const later = (a: string | null, b: string | null) => (!a ? b : !b ? a : a > b ? a : b);

/**
 * Run (or resume) one sync run. Each page is one transaction: its upserts, the seen ids of a full
 * run, the run's counters, the checkpoint of the next page and the live progress event. A run that
 * dies between pages resumes from the page after the last committed one, so its counts are exact
 * and nothing is skipped or counted twice. Cancel requests are honoured between pages. Only a
 * successful full run marks records it did not see as deleted.
 */
export async function runSync(runId: string, opts: RunSyncOptions = {}): Promise<RunSyncResult> {
  const db = getDb();
  const started = Date.now();
  // Claim the run: queued → running (or resume a running one).
  const claimed = await db.transaction(async (tx) => {
    const run = await lockAny(runId, tx);
    if (!run) throw new AppError("not_found", `Sync run ${runId} does not exist.`);
    if (run.status !== "queued" && run.status !== "running") return { run, resume: false, finished: true };
    const resume = run.status === "running";
    let checkpoint = run.checkpoint;
    if (!resume) {
      // The first full load of a stream has nothing to delete: it skips recording seen ids.
      const stored = await streamRecords({ integrationId: run.integrationId, entity: run.entity }, tx);
      checkpoint = { next: null, done: false, trackSeen: run.mode === "full" && stored.live, fresh: !stored.any };
      await updateSyncRun(run.id, { status: "running", startedAt: new Date(), checkpoint }, tx);
    }
    const [stream] = await tx.select().from(syncStreams).where(eq(syncStreams.id, run.streamId)).limit(1);
    await publishEvent(tx, { orgId: run.orgId, type: "sync.progress", data: { runId: run.id, streamId: run.streamId, connectionId: run.integrationId, status: "running", pages: run.pages, processed: run.processed } });
    return { run: { ...run, checkpoint, status: "running" as const, startedAt: run.startedAt ?? new Date() }, stream, resume, finished: false };
  });
  if (claimed.finished) return summary(claimed.run);
  const run = claimed.run;
  const streamRow = claimed.stream;
  if (!streamRow) return finish(run, "failed", "The stream was deleted.", started);
  if (claimed.resume) logger.info({ runId, pages: run.pages }, "sync run resumes from its checkpoint");

  let stream: StreamDef;
  let source: Source;
  let mapper: Mapper | null;
  try {
    stream = resolveStream((await providerOf(run.integrationId)) ?? "", streamRow);
    if (run.mode === "incremental" && !stream.incremental) throw new AppError("bad_request", `The ${stream.label} stream has no updated-at field, so it only supports full runs.`);
    source = opts.source ?? (await openSource(run.orgId ?? "", run.integrationId, opts.signal));
    mapper = opts.mapper !== undefined ? opts.mapper : await loadStreamMapper(run.streamId);
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    return finish(run, "failed", describe(e), started);
  }

  const checkpoint = (run.checkpoint ?? null) as Checkpoint | null;
  let token: PageToken | null = checkpoint?.next ?? null;
  const trackSeen = run.mode === "full" && checkpoint?.trackSeen !== false;
  const fresh = checkpoint?.fresh === true;
  // ... and its pages are plain inserts (COPY), until one meets a record it already wrote.
  let insertOnly = fresh;
  let done = checkpoint?.done === true;
  let cursor = run.cursor ?? null;
  let pages = run.pages;
  const since = run.mode === "incremental" ? run.cursorStart : null;
  // Read and prepare one page (fetch, map, hash). The next page is read while this one commits, so
  // provider latency and hashing overlap the database's work; its checkpoint is only written with it.
  const load = async (t: PageToken | null) => {
    const page = await stream.fetchPage({ client: source.client, config: streamRow.config, mode: run.mode, since, token: t, signal: opts.signal });
    opts.signal?.throwIfAborted();
    const next = page.next && page.records.length > 0 ? page.next : null;
    if (page.next && page.records.length === 0) logger.warn({ runId, entity: stream.entity }, "an empty page named a next page; treating it as the end");
    return { prepared: await preparePage(stream, page.records, mapper), next };
  };
  const ahead = (t: PageToken | null) => {
    const p = load(t);
    p.catch(() => undefined); // awaited below; a run that stops first must not leave it unhandled
    return p;
  };
  let pending = done ? null : ahead(token);
  try {
    while (!done) {
      if (pages >= MAX_PAGES) throw new AppError("internal", `The run stopped after ${MAX_PAGES} pages; the source kept returning a next page.`);
      // Stopping: the next page was not read ahead (see readAhead), nothing more starts.
      opts.signal?.throwIfAborted();
      const { prepared, next } = await pending!;
      // Stopping (shutdown, kill): no new transaction; the run resumes from the last committed page.
      opts.signal?.throwIfAborted();
      // The next page is read and prepared while this page's upsert runs on the server (whileWriting).
      pending = null;
      const readAhead = () => {
        if (next && !pending && !opts.signal?.aborted) pending = ahead(next);
      };
      cursor = later(cursor, prepared.maxUpdated);
      const committed = await db
        .transaction(async (tx) => {
        // The page's first statement reads the run's state (cancel requests are honoured between
        // pages) and lets the commit skip waiting for the WAL flush: a crash of the server itself
        // can lose the last committed pages, but always together with their checkpoint, so the
        // run reads them again; no count is off and nothing is skipped.
        const state = await tx.execute(
          sql`select set_config('synchronous_commit', 'off', true), ${syncRuns.status} as status, ${syncRuns.cancelRequested} as cancel from ${syncRuns} where ${syncRuns.id} = ${run.id}`,
        );
        const [s] = (state as unknown as { rows: { status: string; cancel: boolean }[] }).rows;
        if (s?.status !== "running") throw new RunNotRunning();
        if (s.cancel) throw new CancelRequested();
        const counts = await upsertRecords({ orgId: run.orgId, integrationId: run.integrationId, entity: stream.entity, mappingVersionId: mapper?.versionId ?? null }, prepared.rows, tx, { readHashes: !fresh, insertOnly, whileWriting: readAhead });
        if (counts.conflicted) insertOnly = false;
        if (trackSeen) await insertSeen(run.id, prepared.rows.map((r) => r.externalId), tx);
        const unchanged = prepared.rows.length - counts.created - counts.updated;
        const row = await recordSyncPage(
          run.id,
          { processed: prepared.rows.length, created: counts.created, updated: counts.updated, revived: counts.revived, unchanged, failed: prepared.failed, checkpoint: { next, done: next === null, trackSeen, fresh }, cursor },
          tx,
        );
        // No longer running (finished or taken over elsewhere): roll this page back.
        if (!row) throw new RunNotRunning();
        await publishEvent(tx, {
          orgId: run.orgId,
          type: "sync.progress",
          data: { runId: run.id, streamId: run.streamId, connectionId: run.integrationId, status: "running", pages: row.pages, processed: row.processed, created: row.created, updated: row.updated, unchanged: row.unchanged },
        });
        return row;
        })
        .catch((e: unknown) => {
          if (e instanceof RunNotRunning || e instanceof CancelRequested) return e;
          throw e;
        });
      if (committed instanceof CancelRequested) return finish(run, "cancelled", "Cancelled by a user.", started);
      if (committed instanceof RunNotRunning) return summary((await reread(run.id)) ?? run);
      readAhead();
      pages = committed.pages;
      token = next;
      done = next === null;
      await opts.afterPage?.(pages);
    }
    return await finish(run, "succeeded", null, started, cursor);
  } catch (e) {
    // An abort (shutdown, kill) leaves the run running: its job is retried and resumes here.
    if (opts.signal?.aborted) throw e;
    logger.warn({ runId, err: (e as Error).message }, "sync run failed");
    if (!isAppError(e) && !isEgressError(e)) logger.error({ err: e, runId }, "unexpected sync failure");
    return finish(run, "failed", describe(e), started);
  }
}

/** The engine works on the run its job names; the run row carries its organization. */
async function lockAny(runId: string, tx: Executor) {
  const [r] = await tx.select({ orgId: syncRuns.orgId }).from(syncRuns).where(eq(syncRuns.id, runId)).limit(1);
  return r ? lockSyncRun(r.orgId, runId, tx) : undefined;
}

async function providerOf(integrationId: string): Promise<string | undefined> {
  const [r] = await getDb().select({ key: integrations.providerKey }).from(integrations).where(eq(integrations.id, integrationId)).limit(1);
  return r?.key;
}

async function reread(runId: string): Promise<SyncRunRow | undefined> {
  return getDb().transaction((tx) => lockAny(runId, tx));
}

function summary(r: SyncRunRow): RunSyncResult {
  return { id: r.id, status: r.status, pages: r.pages, processed: r.processed, created: r.created, updated: r.updated, unchanged: r.unchanged, deleted: r.deleted, failed: r.failed, durationMs: r.durationMs, error: r.error };
}

/**
 * End a run. Success: a full run marks unseen records deleted; the stream's cursor moves to the
 * newest updated-at seen. Failure or cancel: nothing is deleted and the cursor stays, so the next
 * incremental run covers the gap. Either way the run's seen ids are dropped, and the connection's
 * live record count moves by what the run's committed pages and deletes changed (no recount: the
 * first read of a freshly loaded table costs about as much as a fifth of the load).
 */
async function finish(run: SyncRunRow, status: "succeeded" | "failed" | "cancelled", error: string | null, started: number, cursor?: string | null): Promise<RunSyncResult> {
  const final = await getDb().transaction(async (tx) => {
    const current = await lockSyncRun(run.orgId, run.id, tx);
    if (!current || current.status !== "running") return current;
    let deleted = 0;
    const tracked = (current.checkpoint as Checkpoint | null)?.trackSeen !== false;
    if (status === "succeeded" && run.mode === "full" && tracked) deleted = await markUnseenDeleted({ integrationId: run.integrationId, entity: run.entity, runId: run.id }, tx);
    await clearSeen(run.id, tx);
    const durationMs = Math.max(0, Date.now() - (current.startedAt?.getTime() ?? started));
    const finishedAt = new Date();
    await updateSyncRun(run.id, { status, error, deleted, finishedAt, durationMs, checkpoint: status === "succeeded" ? null : current.checkpoint }, tx);
    if (status === "succeeded") {
      const newCursor = later(current.cursorStart, cursor ?? current.cursor);
      await tx
        .update(syncStreams)
        .set({ cursor: newCursor, lastRunAt: finishedAt })
        .where(eq(syncStreams.id, run.streamId));
      await tx
        .update(integrations)
        .set({ lastSyncAt: finishedAt })
        .where(eq(integrations.id, run.integrationId));
    } else {
      await tx.update(syncStreams).set({ lastRunAt: finishedAt }).where(eq(syncStreams.id, run.streamId));
    }
    const live = current.created + current.revived - deleted;
    if (live !== 0) {
      await tx
        .update(integrations)
        .set({ dataCount: sql`greatest(0, ${integrations.dataCount} + ${live})` })
        .where(eq(integrations.id, run.integrationId));
    }
    await publishEvent(tx, {
      orgId: run.orgId,
      type: "sync.progress",
      data: { runId: run.id, streamId: run.streamId, connectionId: run.integrationId, status, pages: current.pages, processed: current.processed, deleted },
    });
    return { ...current, status, error, deleted, durationMs, finishedAt };
  });
  if (final) logger.info({ runId: run.id, status, processed: final.processed, created: final.created, updated: final.updated, deleted: final.deleted, ms: final.durationMs }, "sync run finished");
  return summary(final ?? run);
}
