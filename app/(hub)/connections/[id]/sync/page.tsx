import Link from "next/link";
import { notFound } from "next/navigation";
import type { SearchParams } from "nuqs/server";
import { PageHeader } from "@/components/page-header";
import { LiveRefresh } from "@/components/live/live-refresh";
import { ConnectionMappingsCard } from "@/components/mapping/connection-mappings-card";
import { ConnectionTabs } from "@/components/sync/connection-tabs";
import { GenericStreamForm } from "@/components/sync/generic-stream-form";
import { RateLimitForm } from "@/components/sync/rate-limit-form";
import { RunsTable } from "@/components/sync/runs-table";
import { StreamsTable, type StreamItem } from "@/components/sync/streams-card";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { latestRunPerStream, listSyncRuns } from "@/db/queries/sync";
import { syncRunStatuses, type SyncRunStatus } from "@/db/schema/sync";
import { requireOrgContext } from "@/lib/auth/context";
import { can } from "@/lib/auth/roles";
import { getProvider } from "@/lib/catalog/registry";
import { createTableSearchParamsLoader, pageCountFor } from "@/lib/data-table/search-params";
import { isAppError } from "@/lib/errors";
import { streamsOverview } from "@/lib/sync/service";

export const metadata = { title: "Sync" };

const loadRunsState = createTableSearchParamsLoader(["stream", "status"]);
const iso = (d: Date | null) => d?.toISOString() ?? null;

export default async function ConnectionSyncPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<SearchParams> }) {
  const ctx = await requireOrgContext();
  const { id } = await params;
  if (id.length > 100) notFound();
  const overview = await streamsOverview(ctx.org.id, id).catch((e: unknown) => {
    if (isAppError(e) && e.code === "not_found") return null;
    throw e;
  });
  if (!overview) notFound();
  const c = overview.connection;
  const canEdit = can(ctx.role, "connections.manage");
  const state = await loadRunsState(searchParams);
  const status = (syncRunStatuses as readonly string[]).includes(state.status ?? "") ? (state.status as SyncRunStatus) : undefined;
  const [latest, runs] = await Promise.all([
    latestRunPerStream(ctx.org.id, c.id),
    listSyncRuns(ctx.org.id, c.id, { page: state.page, perPage: state.perPage, streamId: state.stream ?? undefined, status }),
  ]);
  const items: StreamItem[] = overview.streams.map((s) => {
    const r = s.stream ? latest.find((x) => x.streamId === s.stream!.id) : undefined;
    const active = r && (r.status === "queued" || r.status === "running") ? r : undefined;
    return {
      entity: s.entity,
      label: s.label,
      description: s.description,
      pagination: s.pagination,
      incremental: s.incremental,
      kind: s.kind,
      stream: s.stream ? { id: s.stream.id, enabled: s.stream.enabled, scheduleMinutes: s.stream.scheduleMinutes, cursor: s.stream.cursor, lastRunAt: iso(s.stream.lastRunAt), nextRunAt: iso(s.stream.nextRunAt) } : null,
      active: active ? { id: active.id, status: active.status, mode: active.mode, pages: active.pages, processed: active.processed, created: active.created, updated: active.updated, unchanged: active.unchanged, cancelRequested: active.cancelRequested } : null,
      last: r && !active ? { status: r.status, finishedAt: iso(r.finishedAt), processed: r.processed, error: r.error } : null,
    };
  });
  const streamOptions = overview.streams.filter((s) => s.stream).map((s) => ({ value: s.stream!.id, label: s.label }));
  return (
    <>
      <PageHeader
        title={`${c.name}: sync`}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <Link className="text-primary hover:underline" href={`/integrations/${c.providerKey}`}>
              {getProvider(c.providerKey)?.name ?? c.providerKey}
            </Link>
            <span>· {c.dataCount} records{c.lastSyncAt ? `, last sync ${c.lastSyncAt.toISOString().replace("T", " ").slice(0, 16)} UTC` : ""}</span>
          </span>
        }
        actions={<LiveRefresh orgId={ctx.org.id} types={["sync.progress"]} />}
      />
      <ConnectionTabs connectionId={c.id} active="sync" />
      {!c.enabled ? <p className="mb-4 rounded-md border border-warning/40 bg-warning/10 px-3 py-2 text-sm">This connection is disabled: enable it to sync.</p> : null}
      <div className="grid grid-cols-[minmax(0,1fr)] gap-6">
        <Card>
          <CardHeader>
            <CardTitle>Streams</CardTitle>
            <CardDescription>
              Turn on the entities to copy into Patchbay. A full run reads everything and marks records that are gone as deleted; an incremental run reads what changed since the last successful run. Progress
              checkpoints after every page, so an interrupted run resumes where it stopped.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <StreamsTable orgId={ctx.org.id} connectionId={c.id} items={items} canEdit={canEdit} />
            <p className="mt-3 text-sm">
              <Link className="text-primary hover:underline" href={`/records?connection=${c.id}`} data-testid="records-link">
                Browse this connection&apos;s records →
              </Link>
            </p>
          </CardContent>
        </Card>
        <ConnectionMappingsCard orgId={ctx.org.id} connectionId={c.id} />
        {overview.genericRest && canEdit ? (
          <Card>
            <CardHeader>
              <CardTitle>Add a generic REST stream</CardTitle>
              <CardDescription>Any JSON list endpoint this connection can call, with the connection&apos;s own credentials.</CardDescription>
            </CardHeader>
            <CardContent>
              <GenericStreamForm orgId={ctx.org.id} connectionId={c.id} />
            </CardContent>
          </Card>
        ) : null}
        <Card>
          <CardHeader>
            <CardTitle>Rate limit</CardTitle>
          </CardHeader>
          <CardContent>
            <RateLimitForm orgId={ctx.org.id} connectionId={c.id} value={c.requestsPerSecond} canEdit={canEdit} />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Run history</CardTitle>
          </CardHeader>
          <CardContent>
            <RunsTable
              totalRows={runs.total}
              pageCount={pageCountFor(runs.total, state.perPage)}
              streams={streamOptions}
              rows={runs.rows.map((r) => ({
                id: r.id,
                entity: r.entity,
                mode: r.mode,
                trigger: r.trigger,
                status: r.status,
                pages: r.pages,
                processed: r.processed,
                created: r.created,
                updated: r.updated,
                unchanged: r.unchanged,
                deleted: r.deleted,
                failed: r.failed,
                durationMs: r.durationMs,
                error: r.error,
                createdAt: r.createdAt.toISOString(),
              }))}
            />
          </CardContent>
        </Card>
      </div>
    </>
  );
}
