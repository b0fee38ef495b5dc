import "server-only";
import type { SearchParams } from "nuqs/server";
import { relativeTime, utcLabel } from "@/components/health/format";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { deliverySortable, listAttempts, listDeliveries, type DeliverySort } from "@/db/queries/webhook-deliveries";
import { webhookDeliveryStatuses } from "@/db/schema";
import { createTableSearchParamsLoader, pageCountFor, parseSort } from "@/lib/data-table/search-params";
import { previousSecretValidUntil } from "@/lib/webhooks/outbound-endpoints";
import { OutboundDeliveriesTable, type DeliveryTableRow } from "./outbound-deliveries";
import { OutboundEndpointActions } from "./outbound-endpoint-actions";

const loadTableState = createTableSearchParamsLoader(["status", "eventType"]);

/** The delivery log of one outbound webhook endpoint, with resend, test event and secret rotation. */
export async function OutboundDeliveriesSection({ orgId, connectionId, canManage, orgOwned, searchParams }: { orgId: string; connectionId: string; canManage: boolean; orgOwned: boolean; searchParams: Promise<SearchParams> }) {
  const state = await loadTableState(searchParams);
  const sort = parseSort(state.sort, deliverySortable, { id: "createdAt", desc: true }) as DeliverySort;
  const status = state.status && (webhookDeliveryStatuses as readonly string[]).includes(state.status) ? state.status : null;
  const [{ rows, total }, validUntil] = await Promise.all([
    listDeliveries(orgId, connectionId, { page: state.page, perPage: state.perPage, sort, status, eventType: state.eventType }),
    previousSecretValidUntil(connectionId),
  ]);
  const attempts = await listAttempts(orgId, rows.map((r) => r.id));
  const now = new Date();
  const tableRows: DeliveryTableRow[] = rows.map((r) => ({
    id: r.id,
    eventType: r.eventType,
    messageId: r.messageId,
    status: r.status,
    attempts: r.attempts,
    lastStatus: r.lastStatus,
    lastError: r.lastError,
    nextAttempt: r.nextAttemptAt && (r.status === "pending" || r.status === "failed") ? relativeTime(r.nextAttemptAt, now) : null,
    nextAttemptInMs: r.nextAttemptAt && (r.status === "pending" || r.status === "failed") ? r.nextAttemptAt.getTime() - now.getTime() : null,
    createdAt: utcLabel(r.createdAt).replace(" UTC", ""),
    attemptList: attempts
      .filter((a) => a.deliveryId === r.id)
      .map((a) => ({ attempt: a.attempt, status: a.status, ok: a.ok === "ok", ms: a.ms, at: utcLabel(a.at), excerpt: a.responseExcerpt, error: a.error })),
  }));
  return (
    <Card className="mt-6" data-testid="outbound-deliveries">
      <CardHeader className="flex flex-row flex-wrap items-start justify-between gap-4">
        <div className="grid gap-1.5">
          <CardTitle>Deliveries</CardTitle>
          <CardDescription>
            Every event sent to this endpoint, signed per Standard Webhooks with a webhook-id that stays the same across retries. Failed deliveries are retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h; a 410 answer, or 5 days of nothing but failures, disables the endpoint.
          </CardDescription>
          {validUntil ? (
            <p className="text-sm text-muted-foreground" data-testid="previous-secret-note">
              The previous signing secret also signs deliveries until {utcLabel(validUntil)}.
            </p>
          ) : null}
        </div>
        {canManage ? <OutboundEndpointActions orgId={orgId} connectionId={connectionId} canSendEvents={orgOwned} /> : null}
      </CardHeader>
      <CardContent>
        <OutboundDeliveriesTable orgId={orgId} canManage={canManage} rows={tableRows} totalRows={total} pageCount={pageCountFor(total, state.perPage)} />
      </CardContent>
    </Card>
  );
}
