"use client";
import { createDataTableColumnHelper, DataTable } from "@/components/data-table";
import type { SyncRunStatus } from "@/db/schema/sync";
import { RunStatusBadge } from "./run-status-badge";

export type RunRow = {
  id: string;
  entity: string;
  mode: string;
  trigger: string;
  status: SyncRunStatus;
  pages: number;
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  failed: number;
  durationMs: number | null;
  error: string | null;
  createdAt: string;
};

const col = createDataTableColumnHelper<RunRow>();
const num = { className: "text-right tabular-nums", headerClassName: "text-right" };

function duration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

const columns = [
  col.accessor("createdAt", { header: "Started (UTC)", cell: (i) => <time dateTime={i.getValue()}>{i.getValue().replace("T", " ").slice(0, 19)}</time>, meta: { className: "whitespace-nowrap tabular-nums" } }),
  col.accessor("entity", { header: "Stream" }),
  col.accessor("mode", { header: "Mode" }),
  col.accessor("trigger", { header: "Trigger" }),
  col.accessor("status", { header: "Status", cell: (i) => <RunStatusBadge status={i.getValue()} /> }),
  col.accessor("pages", { header: "Pages", meta: num }),
  col.accessor("processed", { header: "Processed", meta: num }),
  col.accessor("created", { header: "Created", meta: num }),
  col.accessor("updated", { header: "Updated", meta: num }),
  col.accessor("unchanged", { header: "Unchanged", meta: num }),
  col.accessor("deleted", { header: "Deleted", meta: num }),
  col.accessor("failed", { header: "Failed", meta: num }),
  col.accessor("durationMs", { header: "Duration", cell: (i) => duration(i.getValue()), meta: { ...num, className: "text-right tabular-nums whitespace-nowrap" } }),
  col.accessor("error", { header: "Error", cell: (i) => <span className="block max-w-72 truncate text-xs text-destructive" title={i.getValue() ?? undefined}>{i.getValue() ?? ""}</span> }),
];

export function RunsTable({ rows, totalRows, pageCount, streams }: { rows: RunRow[]; totalRows: number; pageCount: number; streams: { value: string; label: string }[] }) {
  return (
    <DataTable
      aria-label="Sync runs"
      columns={columns}
      data={rows}
      totalRows={totalRows}
      pageCount={pageCount}
      getRowId={(r) => r.id}
      emptyMessage="No runs yet."
      filters={[
        { id: "stream", label: "Stream", type: "select", options: streams },
        { id: "status", label: "Status", type: "select", options: ["queued", "running", "succeeded", "failed", "cancelled"].map((s) => ({ value: s, label: s })) },
      ]}
    />
  );
}
