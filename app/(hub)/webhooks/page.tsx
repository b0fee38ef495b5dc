import type { SearchParams } from "nuqs/server";
import { Webhook } from "lucide-react";
import { EmptyState, PageHeader } from "@/components/page-header";
import { LiveRefresh } from "@/components/live/live-refresh";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { InboundEventsTable } from "@/components/webhooks/inbound-events-table";
import { RefreshWhileBusy, ReplayFilteredButton } from "@/components/webhooks/replay-buttons";
import { listWebhookEvents, listWebhookFilterOptions, webhookEventSortable, type WebhookEventSort } from "@/db/queries/webhook-events";
import { webhookEventStatuses } from "@/db/schema/webhooks";
import { requireOrgContext } from "@/lib/auth/context";
import { can } from "@/lib/auth/roles";
import { getProvider } from "@/lib/catalog/registry";
import { createTableSearchParamsLoader, pageCountFor, parseSort } from "@/lib/data-table/search-params";

export const metadata = { title: "Webhooks" };

const loadTableState = createTableSearchParamsLoader(["provider", "connection", "type", "status"]);
const REPLAY_LIMIT = 100;

export default async function WebhooksPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const ctx = await requireOrgContext();
  const state = await loadTableState(searchParams);
  const sort = parseSort(state.sort, webhookEventSortable, { id: "receivedAt", desc: true }) as WebhookEventSort;
  const status = (webhookEventStatuses as readonly string[]).includes(state.status ?? "") ? state.status : null;
  const filters = { provider: state.provider, connection: state.connection, type: state.type, status };
  const [{ rows, total }, options] = await Promise.all([listWebhookEvents(ctx.org.id, { page: state.page, perPage: state.perPage, sort, ...filters }), listWebhookFilterOptions(ctx.org.id)]);
  const providerName = (key: string) => getProvider(key)?.name ?? key;
  const providers = [...new Set(options.map((o) => o.providerKey))].map((k) => ({ value: k, label: providerName(k) }));
  const connections = [...new Map(options.map((o) => [o.integrationId, { value: o.integrationId, label: o.name }])).values()];
  const canReplay = can(ctx.role, "connections.manage");
  const busy = rows.filter((r) => r.status === "received" || r.status === "processing").length;
  return (
    <>
      <PageHeader
        title="Webhooks"
        description="Verified inbound events from providers: each is stored before the sender gets its 2xx, then processed by a background job."
        actions={<LiveRefresh orgId={ctx.org.id} types={["webhook.received", "webhook.processed", "delivery.updated"]} />}
      />
      {options.length === 0 ? (
        <EmptyState icon={<Webhook className="size-8" />} title="No webhook events yet">
          Point a provider at a connection&apos;s webhook URL (shown on the connection&apos;s page, with a “Send test event” button) and its events appear here.
        </EmptyState>
      ) : (
        <Card>
          <CardHeader>
            <CardTitle>Inbound events</CardTitle>
            <CardDescription>Signatures are checked with each connection&apos;s own secret; duplicates (same delivery id) are stored once. Failed events are retried with backoff, then marked dead.</CardDescription>
          </CardHeader>
          <CardContent className="grid gap-3">
            <RefreshWhileBusy busy={busy > 0} pending={busy} />
            <InboundEventsTable
              orgId={ctx.org.id}
              canReplay={canReplay}
              totalRows={total}
              pageCount={pageCountFor(total, state.perPage)}
              providers={providers}
              connections={connections}
              toolbar={canReplay ? <ReplayFilteredButton orgId={ctx.org.id} filters={filters} total={total} limit={REPLAY_LIMIT} /> : null}
              rows={rows.map((r) => ({
                id: r.id,
                providerKey: r.providerKey,
                providerName: providerName(r.providerKey),
                connectionId: r.integrationId,
                connectionName: r.connectionName,
                eventType: r.eventType,
                status: r.status,
                attempts: r.attempts,
                lastError: r.lastError,
                receivedAt: r.receivedAt.toISOString(),
                latencyMs: r.latencyMs,
              }))}
            />
          </CardContent>
        </Card>
      )}
    </>
  );
}
