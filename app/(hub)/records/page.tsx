import type { SearchParams } from "nuqs/server";
import { Database } from "lucide-react";
import { EmptyState, PageHeader } from "@/components/page-header";
import { LiveRefresh } from "@/components/live/live-refresh";
import { RecordsTable } from "@/components/sync/records-table";
import { Card, CardContent } from "@/components/ui/card";
import { listRecordEntities, listRecords } from "@/db/queries/sync";
import { requireOrgContext } from "@/lib/auth/context";
import { createTableSearchParamsLoader, pageCountFor } from "@/lib/data-table/search-params";

export const metadata = { title: "Records" };

const loadState = createTableSearchParamsLoader(["q", "connection", "entity", "errors", "deleted"]);

export default async function RecordsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const ctx = await requireOrgContext();
  const s = await loadState(searchParams);
  // No filter: live and deleted records (deleted ones carry a badge).
  const deleted = s.deleted === "deleted" || s.deleted === "live" ? s.deleted : "all";
  const [{ rows, total }, streams] = await Promise.all([
    listRecords(ctx.org.id, {
      page: s.page,
      perPage: s.perPage,
      q: s.q?.slice(0, 200) ?? undefined,
      connectionId: s.connection && s.connection.length <= 100 ? s.connection : undefined,
      entity: s.entity?.slice(0, 100) ?? undefined,
      errorsOnly: s.errors === "only",
      deleted,
    }),
    listRecordEntities(ctx.org.id),
  ]);
  const connections = [...new Map(streams.map((x) => [x.integrationId, { value: x.integrationId, label: x.connectionName }])).values()];
  const entities = [...new Set(streams.map((x) => x.entityType))].map((e) => ({ value: e, label: e }));
  return (
    <>
      <PageHeader title="Records" description="What syncs copied from providers: each record's raw form, its mapped form and any mapping errors." actions={<LiveRefresh orgId={ctx.org.id} types={["sync.progress"]} debounceMs={2000} />} />
      {streams.length === 0 ? (
        <EmptyState icon={<Database className="size-8" />} title="Nothing synced yet">
          Turn on a stream on a connection&apos;s Sync tab (HubSpot, Salesforce, or any API through a generic REST stream) and its records appear here.
        </EmptyState>
      ) : (
        <Card>
          <CardContent>
            <RecordsTable
              totalRows={total}
              pageCount={pageCountFor(total, s.perPage)}
              connections={connections}
              entities={entities}
              rows={rows.map((r) => ({
                id: r.id,
                connectionId: r.integrationId,
                connectionName: r.connectionName,
                entityType: r.entityType,
                externalId: r.externalId,
                hasErrors: r.hasErrors,
                mapped: r.mappedPresent,
                sourceUpdatedAt: r.sourceUpdatedAt?.toISOString() ?? null,
                syncedAt: r.syncedAt.toISOString(),
                deletedAt: r.deletedAt?.toISOString() ?? null,
              }))}
            />
          </CardContent>
        </Card>
      )}
    </>
  );
}
