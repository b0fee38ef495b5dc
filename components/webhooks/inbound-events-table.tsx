"use client";
import Link from "next/link";
import { createDataTableColumnHelper, DataTable } from "@/components/data-table";
import type { WebhookEventStatus } from "@/db/schema/webhooks";
import { EventStatusBadge } from "./event-status-badge";
import { ReplayEventButton } from "./replay-buttons";

export type InboundEventRow = {
  id: string;
  providerKey: string;
  providerName: string;
  connectionId: string;
  connectionName: string;
  eventType: string;
  status: WebhookEventStatus;
  attempts: number;
  lastError: string | null;
  receivedAt: string;
  latencyMs: number | null;
};

const col = createDataTableColumnHelper<InboundEventRow & { orgId: string; canReplay: boolean }>();

const columns = [
  col.accessor("receivedAt", {
    header: "Received (UTC)",
    enableSorting: true,
    cell: (info) => (
      <Link href={`/webhooks/${info.row.original.id}`} className="text-primary hover:underline" data-testid="event-link">
        <time dateTime={info.getValue()}>{info.getValue().replace("T", " ").slice(0, 19)}</time>
      </Link>
    ),
    meta: { className: "whitespace-nowrap tabular-nums" },
  }),
  col.accessor("providerName", { header: "Provider" }),
  col.accessor("connectionName", {
    header: "Connection",
    cell: (info) => (
      <Link href={`/connections/${info.row.original.connectionId}`} className="hover:underline">
        {info.getValue()}
      </Link>
    ),
  }),
  col.accessor("eventType", { header: "Type", cell: (info) => <span className="font-mono text-xs">{info.getValue()}</span> }),
  col.accessor("status", {
    header: "Status",
    cell: (info) => (
      <span className="flex flex-col gap-1" title={info.row.original.lastError ?? undefined}>
        <EventStatusBadge status={info.getValue()} />
      </span>
    ),
  }),
  col.accessor("attempts", { header: "Attempts", enableSorting: true, meta: { className: "text-right tabular-nums", headerClassName: "text-right" } }),
  col.accessor("latencyMs", {
    header: "Latency",
    enableSorting: true,
    cell: (info) => (info.getValue() === null ? "—" : `${info.getValue()} ms`),
    meta: { className: "text-right tabular-nums whitespace-nowrap", headerClassName: "text-right" },
  }),
  col.display({
    id: "actions",
    header: "",
    cell: (info) => (info.row.original.canReplay ? <ReplayEventButton orgId={info.row.original.orgId} eventId={info.row.original.id} /> : null),
  }),
];

export function InboundEventsTable({
  orgId,
  canReplay,
  rows,
  totalRows,
  pageCount,
  providers,
  connections,
  toolbar,
}: {
  orgId: string;
  canReplay: boolean;
  rows: InboundEventRow[];
  totalRows: number;
  pageCount: number;
  providers: { value: string; label: string }[];
  connections: { value: string; label: string }[];
  toolbar?: React.ReactNode;
}) {
  return (
    <DataTable
      aria-label="Inbound webhook events"
      columns={columns}
      data={rows.map((r) => ({ ...r, orgId, canReplay }))}
      totalRows={totalRows}
      pageCount={pageCount}
      defaultSort={{ id: "receivedAt", desc: true }}
      getRowId={(r) => r.id}
      emptyMessage="No events match these filters."
      toolbar={toolbar}
      filters={[
        { id: "provider", label: "Provider", type: "select", options: providers },
        { id: "connection", label: "Connection", type: "select", options: connections },
        { id: "type", label: "Type", type: "text", placeholder: "Filter by event type" },
        { id: "status", label: "Status", type: "select", options: ["received", "processing", "processed", "failed", "dead"].map((s) => ({ value: s, label: s })) },
      ]}
    />
  );
}
