import "server-only";
import { getDb, type Executor } from "@/db/client";
import { getVisibleConnection } from "@/db/queries/integrations";
import {
  deleteSyncStream,
  getActiveRunOfStream,
  getSyncStream,
  getSyncStreamByEntity,
  insertSyncRun,
  listEnabledStreamsOfConnection,
  listSyncStreams,
  requestRunCancel,
  setConnectionRate,
  upsertSyncStream,
  updateSyncStream,
  type SyncRunRow,
  type SyncStreamRow,
} from "@/db/queries/sync";
import type { SyncMode, SyncTrigger } from "@/db/schema";
import { recordAudit, type AuditActor } from "@/lib/audit";
import { AppError } from "@/lib/errors";
import { publishEvent } from "@/lib/events/publish";
import { configureThrottle } from "@/lib/http";
import { enqueue } from "@/lib/jobs/boss";
import type { GenericRestStream } from "@/lib/schemas/sync";
import { builtinStreams, resolveStream, supportsGenericRest } from "./streams";

type Org = { id: string };

/** A connection of this organization that can sync (platform-wide connections are not synced per organization). */
async function syncableConnection(orgId: string, connectionId: string) {
  const row = await getVisibleConnection(orgId, connectionId);
  if (!row || row.orgId !== orgId) throw new AppError("not_found", "That connection does not exist.");
  return row;
}

/** What the Sync tab shows: the provider's built-in streams (enabled or not) and the connection's generic REST streams. */
export async function streamsOverview(orgId: string, connectionId: string) {
  const row = await syncableConnection(orgId, connectionId);
  const stored = await listSyncStreams(orgId, connectionId);
  const builtin = builtinStreams(row.providerKey).map((def) => {
    const s = stored.find((x) => x.entity === def.entity && x.config.kind !== "generic-rest");
    return { entity: def.entity, label: def.label, description: def.description, pagination: def.pagination, incremental: def.incremental, kind: "builtin" as const, stream: s ?? null };
  });
  const generic = stored
    .filter((s) => s.config.kind === "generic-rest")
    .map((s) => {
      let description = "";
      let incremental = false;
      try {
        const def = resolveStream(row.providerKey, s);
        description = def.description;
        incremental = def.incremental;
      } catch (e) {
        description = (e as Error).message;
      }
      return { entity: s.entity, label: s.entity, description, pagination: (s.config.pagination as string) ?? "link", incremental, kind: "generic" as const, stream: s };
    });
  return { connection: row, streams: [...builtin, ...generic], genericRest: supportsGenericRest(row.providerKey) };
}

export async function saveBuiltinStream(input: { org: Org; actor: AuditActor; connectionId: string; entity: string; enabled: boolean; scheduleMinutes: number | null; ip: string | null }): Promise<SyncStreamRow> {
  const row = await syncableConnection(input.org.id, input.connectionId);
  if (!builtinStreams(row.providerKey).some((s) => s.entity === input.entity)) throw new AppError("bad_request", `${row.name} offers no "${input.entity}" stream.`);
  return getDb().transaction(async (tx) => {
    const s = await upsertSyncStream(input.org.id, { integrationId: row.id, entity: input.entity, enabled: input.enabled, scheduleMinutes: input.scheduleMinutes }, tx);
    await recordAudit(tx, { orgId: input.org.id, actor: input.actor, action: "sync.stream_saved", target: { type: "connection", id: row.id }, metadata: { entity: input.entity, enabled: input.enabled, scheduleMinutes: input.scheduleMinutes }, ip: input.ip });
    return s;
  });
}

export async function saveGenericStream(input: { org: Org; actor: AuditActor; connectionId: string; streamId?: string; scheduleMinutes: number | null; config: GenericRestStream; ip: string | null }): Promise<SyncStreamRow> {
  const row = await syncableConnection(input.org.id, input.connectionId);
  if (!supportsGenericRest(row.providerKey)) throw new AppError("bad_request", `${row.name} has no API client, so it cannot carry a generic REST stream.`);
  if (builtinStreams(row.providerKey).some((s) => s.entity === input.config.entity)) {
    throw new AppError("bad_request", `"${input.config.entity}" is a built-in stream of this provider; name the generic stream differently.`, { fieldErrors: { entity: ["That name is taken by a built-in stream."] } });
  }
  const config = { kind: "generic-rest", ...input.config };
  return getDb().transaction(async (tx) => {
    let s: SyncStreamRow | undefined;
    if (input.streamId) {
      const existing = await getSyncStream(input.org.id, input.streamId, tx);
      if (!existing || existing.integrationId !== row.id) throw new AppError("not_found", "That stream does not exist.");
      const clash = await getSyncStreamByEntity(input.org.id, row.id, input.config.entity, tx);
      if (clash && clash.id !== existing.id) throw new AppError("conflict", `This connection already has a "${input.config.entity}" stream.`, { fieldErrors: { entity: ["Already used on this connection."] } });
      s = await updateSyncStream(input.org.id, existing.id, { entity: input.config.entity, config, scheduleMinutes: input.scheduleMinutes }, tx);
    } else {
      const clash = await getSyncStreamByEntity(input.org.id, row.id, input.config.entity, tx);
      if (clash) throw new AppError("conflict", `This connection already has a "${input.config.entity}" stream.`, { fieldErrors: { entity: ["Already used on this connection."] } });
      s = await upsertSyncStream(input.org.id, { integrationId: row.id, entity: input.config.entity, enabled: true, scheduleMinutes: input.scheduleMinutes, config }, tx);
    }
    await recordAudit(tx, { orgId: input.org.id, actor: input.actor, action: "sync.stream_saved", target: { type: "connection", id: row.id }, metadata: { entity: input.config.entity, generic: true, path: input.config.path }, ip: input.ip });
    return s!;
  });
}

export async function setStreamSchedule(input: { org: Org; actor: AuditActor; streamId: string; enabled: boolean; scheduleMinutes: number | null; ip: string | null }): Promise<SyncStreamRow> {
  return getDb().transaction(async (tx) => {
    const nextRunAt = input.enabled && input.scheduleMinutes ? new Date(Date.now() + input.scheduleMinutes * 60_000) : null;
    const s = await updateSyncStream(input.org.id, input.streamId, { enabled: input.enabled, scheduleMinutes: input.scheduleMinutes, nextRunAt }, tx);
    if (!s) throw new AppError("not_found", "That stream does not exist.");
    await recordAudit(tx, { orgId: input.org.id, actor: input.actor, action: "sync.stream_saved", target: { type: "connection", id: s.integrationId }, metadata: { entity: s.entity, enabled: s.enabled, scheduleMinutes: s.scheduleMinutes }, ip: input.ip });
    return s;
  });
}

export async function removeStream(input: { org: Org; actor: AuditActor; streamId: string; ip: string | null }): Promise<void> {
  await getDb().transaction(async (tx) => {
    const s = await getSyncStream(input.org.id, input.streamId, tx);
    if (!s) throw new AppError("not_found", "That stream does not exist.");
    if (await getActiveRunOfStream(input.org.id, s.id, tx)) throw new AppError("conflict", "A run of this stream is in progress; cancel it first.");
    await deleteSyncStream(input.org.id, s.id, tx);
    await recordAudit(tx, { orgId: input.org.id, actor: input.actor, action: "sync.stream_deleted", target: { type: "connection", id: s.integrationId }, metadata: { entity: s.entity }, ip: input.ip });
  });
}

type RunRequest = {
  orgId: string;
  streamId: string;
  mode: SyncMode;
  trigger: SyncTrigger;
  requestedBy: string | null;
  /** false: only the row (tests run it with runSync directly). */
  enqueue?: boolean;
};

/**
 * Queue a run of a stream (and its job, in the same transaction). A stream with a run already
 * queued or running gets that run back with `existing: true`, not a second one.
 */
export async function requestSyncRun(input: RunRequest): Promise<{ run: SyncRunRow; existing: boolean }> {
  return getDb().transaction((tx) => requestSyncRunIn(tx, input));
}

/** The same inside the caller's transaction (webhook processing). */
export async function requestSyncRunIn(tx: Executor, input: RunRequest): Promise<{ run: SyncRunRow; existing: boolean }> {
  const stream = await getSyncStream(input.orgId, input.streamId, tx);
  if (!stream) throw new AppError("not_found", "That stream does not exist.");
  if (!stream.enabled) throw new AppError("bad_request", `The ${stream.entity} stream is disabled; enable it first.`);
  const connection = await getVisibleConnection(input.orgId, stream.integrationId, tx);
  if (!connection || connection.orgId !== input.orgId) throw new AppError("not_found", "That connection does not exist.");
  if (!connection.enabled) throw new AppError("bad_request", `Connection "${connection.name}" is disabled; enable it to sync.`);
  const def = resolveStream(connection.providerKey, stream);
  if (input.mode === "incremental" && !def.incremental) throw new AppError("bad_request", `The ${def.label} stream has no updated-at field, so it only supports full runs.`);
  const run = await insertSyncRun(
    { orgId: input.orgId, integrationId: stream.integrationId, streamId: stream.id, entity: stream.entity, mode: input.mode, trigger: input.trigger, cursorStart: input.mode === "incremental" ? stream.cursor : null, requestedBy: input.requestedBy },
    tx,
  );
  if (!run) {
    const active = await getActiveRunOfStream(input.orgId, stream.id, tx);
    if (!active) throw new AppError("conflict", "Another run of this stream just finished; try again.");
    return { run: active, existing: true };
  }
  if (input.enqueue !== false) await enqueue("sync-run", { runId: run.id, orgId: input.orgId }, { tx, singletonKey: stream.id });
  // The next scheduled run counts from now.
  if (stream.scheduleMinutes) await updateSyncStream(input.orgId, stream.id, { nextRunAt: new Date(Date.now() + stream.scheduleMinutes * 60_000) }, tx);
  await publishEvent(tx, { orgId: input.orgId, type: "sync.progress", data: { runId: run.id, streamId: stream.id, connectionId: stream.integrationId, status: "queued" } });
  return { run, existing: false };
}

export async function cancelSyncRun(input: { org: Org; actor: AuditActor; runId: string; ip: string | null }): Promise<SyncRunRow> {
  return getDb().transaction(async (tx) => {
    const run = await requestRunCancel(input.org.id, input.runId, tx);
    if (!run) throw new AppError("conflict", "That run is not queued or running any more.");
    await recordAudit(tx, { orgId: input.org.id, actor: input.actor, action: "sync.run_cancelled", target: { type: "connection", id: run.integrationId }, metadata: { runId: run.id, entity: run.entity }, ip: input.ip });
    await publishEvent(tx, { orgId: input.org.id, type: "sync.progress", data: { runId: run.id, streamId: run.streamId, connectionId: run.integrationId, status: run.status, cancelRequested: true } });
    return run;
  });
}

export async function setRequestsPerSecond(input: { org: Org; actor: AuditActor; connectionId: string; requestsPerSecond: number | null; ip: string | null }): Promise<void> {
  const row = await syncableConnection(input.org.id, input.connectionId);
  await getDb().transaction(async (tx) => {
    if (!(await setConnectionRate(input.org.id, row.id, input.requestsPerSecond, tx))) throw new AppError("not_found", "That connection does not exist.");
    await recordAudit(tx, { orgId: input.org.id, actor: input.actor, action: "connection.rate_limit_changed", target: { type: "connection", id: row.id }, metadata: { requestsPerSecond: input.requestsPerSecond }, ip: input.ip });
  });
  // This process at once; other processes re-read it within 15 s (lib/sync/source applyConnectionRate).
  configureThrottle(row.id, input.requestsPerSecond);
}

const HUBSPOT_OBJECTS: Record<string, string> = { contact: "contacts", company: "companies", deal: "deals" };

/** The stream entities a webhook payload names: HubSpot's [{ subscriptionType: "contact.propertyChange", … }]; null: not said (every stream). */
export function entitiesNamedBy(payload: unknown): Set<string> | null {
  const items = Array.isArray(payload) ? payload : [payload];
  const out = new Set<string>();
  for (const item of items) {
    const type = item && typeof item === "object" ? (item as { subscriptionType?: unknown }).subscriptionType : undefined;
    if (typeof type !== "string") return null;
    const object = type.split(".")[0]!.toLowerCase();
    out.add(HUBSPOT_OBJECTS[object] ?? object);
  }
  return out.size ? out : null;
}

/**
 * A provider told us (webhook) that records of a connection changed: queue an incremental run of
 * each enabled stream that supports it (only the streams a HubSpot-style payload names). A stream
 * with a run already queued or running is left alone: that run, or the next, picks the change up.
 * Runs in the webhook processing transaction. Returns how many runs were queued.
 */
export async function triggerSyncFromWebhook(
  tx: Executor,
  ctx: { connection: { id: string; orgId: string | null; providerKey: string; enabled: boolean }; payload: unknown; streams?: SyncStreamRow[] },
): Promise<number> {
  const { connection } = ctx;
  if (!connection.orgId || !connection.enabled) return 0;
  // `streams`: the connection's enabled streams, already read in `tx` (once per processing batch).
  const streams = ctx.streams ?? (await listEnabledStreamsOfConnection(connection.orgId, connection.id, tx));
  if (streams.length === 0) return 0;
  const named = entitiesNamedBy(ctx.payload);
  let queued = 0;
  for (const s of streams) {
    if (named && !named.has(s.entity)) continue;
    let def;
    try {
      def = resolveStream(connection.providerKey, s);
    } catch {
      continue;
    }
    if (!def.incremental) continue;
    const r = await requestSyncRunIn(tx, { orgId: connection.orgId, streamId: s.id, mode: "incremental", trigger: "webhook", requestedBy: null });
    if (!r.existing) queued++;
  }
  return queued;
}
