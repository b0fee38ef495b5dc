"use client";
import { createDataTableColumnHelper, DataTable } from "@/components/data-table";

export type AuditTableRow = {
  id: number;
  at: string;
  action: string;
  actorEmail: string | null;
  target: string | null;
  details: string;
  ip: string | null;
};

const col = createDataTableColumnHelper<AuditTableRow>();

const columns = [
  col.accessor("at", {
    header: "When (UTC)",
    enableSorting: true,
    cell: (info) => <time dateTime={info.getValue()}>{info.getValue().replace("T", " ").slice(0, 19)}</time>,
    meta: { className: "whitespace-nowrap tabular-nums" },
  }),
  col.accessor("action", { header: "Action", enableSorting: true, cell: (info) => <span className="font-mono text-xs">{info.getValue()}</span> }),
  col.accessor("actorEmail", { header: "Actor", enableSorting: true, cell: (info) => info.getValue() ?? "system" }),
  col.accessor("target", { header: "Target", cell: (info) => <span className="font-mono text-xs">{info.getValue() ?? ""}</span> }),
  col.accessor("details", { header: "Details", cell: (info) => <span className="text-xs text-muted-foreground">{info.getValue()}</span> }),
  col.accessor("ip", { header: "IP", cell: (info) => info.getValue() ?? "" }),
];

export function AuditTable({ rows, totalRows, pageCount, actions }: { rows: AuditTableRow[]; totalRows: number; pageCount: number; actions: string[] }) {
  return (
    <DataTable
      aria-label="Audit log"
      columns={columns}
      data={rows}
      totalRows={totalRows}
      pageCount={pageCount}
      defaultSort={{ id: "at", desc: true }}
      getRowId={(r) => String(r.id)}
      emptyMessage="No audit entries match these filters."
      filters={[
        { id: "action", label: "Action", type: "text", placeholder: `Filter actions, e.g. ${actions[0] ?? "member"}` },
        { id: "actor", label: "Actor", type: "text", placeholder: "Filter by actor email" },
      ]}
    />
  );
}
