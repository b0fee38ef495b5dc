"use client";
import Link from "next/link";
import { createDataTableColumnHelper, DataTable, type DataTableFilterOption } from "@/components/data-table";
import { HealthBadge } from "@/components/connections/status-badge";
import { Badge } from "@/components/ui/badge";
import { CheckNowButton } from "./check-now-button";
import { formatMs, formatRate } from "./format";

type When = { iso: string; label: string; title: string };

export type HealthTableRow = {
  id: string;
  name: string;
  provider: string;
  scope: string;
  status: string;
  enabled: boolean;
  lastCheck: (When & { ok: boolean | null }) | null;
  p50: number | null;
  p95: number | null;
  errorRate: number | null;
  signals24h: number;
  breaker: string | null;
  nextCheck: When | null;
  canCheck: boolean;
  orgId: string;
};

const col = createDataTableColumnHelper<HealthTableRow>();

function WhenCell({ when }: { when: When | null }) {
  if (!when) return <span className="text-muted-foreground">—</span>;
  return (
    <time dateTime={when.iso} title={when.title}>
      {when.label}
    </time>
  );
}

const breakerVariant: Record<string, "outline" | "destructive" | "warning"> = { closed: "outline", open: "destructive", "half-open": "warning" };

const columns = [
  col.accessor("name", {
    header: "Name",
    enableSorting: true,
    cell: (info) => (
      <span className="flex flex-col">
        <Link className="font-medium text-primary hover:underline" href={`/health/${info.row.original.id}`}>
          {info.getValue()}
        </Link>
        <span className="text-xs text-muted-foreground">{info.row.original.scope}</span>
      </span>
    ),
  }),
  col.accessor("provider", { id: "provider", header: "Provider", enableSorting: true, meta: { className: "min-w-36 whitespace-normal" } }),
  col.accessor("status", {
    header: "Status",
    enableSorting: true,
    cell: (info) => (
      <span className="flex items-center gap-1">
        <HealthBadge health={info.getValue()} />
        {info.row.original.enabled ? null : <Badge variant="outline">Disabled</Badge>}
      </span>
    ),
  }),
  col.accessor("lastCheck", {
    id: "lastCheck",
    header: "Last check",
    enableSorting: true,
    cell: (info) => {
      const v = info.getValue();
      return (
        <span className="flex items-center gap-1.5">
          {v && v.ok !== null ? <span className={v.ok ? "size-2 rounded-full bg-success" : "size-2 rounded-full bg-destructive"} aria-label={v.ok ? "passed" : "failed"} role="img" /> : null}
          <WhenCell when={v} />
        </span>
      );
    },
    meta: { className: "whitespace-nowrap" },
  }),
  col.accessor("p50", { header: "p50", enableSorting: true, cell: (info) => formatMs(info.getValue()), meta: { className: "text-right tabular-nums", headerClassName: "text-right" } }),
  col.accessor("p95", { header: "p95", enableSorting: true, cell: (info) => formatMs(info.getValue()), meta: { className: "text-right tabular-nums", headerClassName: "text-right" } }),
  col.accessor("errorRate", {
    header: "Errors",
    enableSorting: true,
    cell: (info) => (
      <span title={`${info.row.original.signals24h} checks and calls in 24 h`} className={info.getValue() ? "text-destructive" : undefined}>
        {formatRate(info.getValue())}
      </span>
    ),
    meta: { className: "text-right tabular-nums", headerClassName: "text-right" },
  }),
  col.accessor("breaker", {
    header: "Breaker",
    cell: (info) => {
      const v = info.getValue();
      return v ? <Badge variant={breakerVariant[v] ?? "outline"}>{v}</Badge> : <span className="text-muted-foreground">—</span>;
    },
  }),
  col.accessor("nextCheck", {
    id: "nextCheck",
    header: "Next check",
    enableSorting: true,
    cell: (info) => (info.row.original.enabled ? <WhenCell when={info.getValue()} /> : <span className="text-muted-foreground">paused</span>),
    meta: { className: "whitespace-nowrap" },
  }),
  col.display({
    id: "actions",
    header: () => <span className="sr-only">Actions</span>,
    cell: (info) => {
      const r = info.row.original;
      return r.canCheck && r.enabled ? <CheckNowButton orgId={r.orgId} connectionId={r.id} name={r.name} variant="ghost" size="icon" /> : null;
    },
    meta: { className: "text-right" },
  }),
];

export function HealthTable({ rows, totalRows, pageCount, providers, statuses }: { rows: HealthTableRow[]; totalRows: number; pageCount: number; providers: DataTableFilterOption[]; statuses: DataTableFilterOption[] }) {
  return (
    <DataTable
      aria-label="Connection health"
      columns={columns}
      data={rows}
      totalRows={totalRows}
      pageCount={pageCount}
      defaultSort={{ id: "status", desc: false }}
      getRowId={(r) => r.id}
      emptyMessage="No connections match these filters."
      filters={[
        { id: "q", label: "Name", type: "text", placeholder: "Search by name" },
        { id: "status", label: "Status", type: "select", options: statuses },
        { id: "provider", label: "Provider", type: "select", options: providers },
      ]}
    />
  );
}
