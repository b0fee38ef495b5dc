"use client";
import Link from "next/link";
import { createDataTableColumnHelper, DataTable } from "@/components/data-table";
import { Badge } from "@/components/ui/badge";

export type RecordRow = {
  id: number;
  connectionId: string;
  connectionName: string;
  entityType: string;
  externalId: string;
  hasErrors: boolean;
  mapped: boolean;
  sourceUpdatedAt: string | null;
  syncedAt: string;
  deletedAt: string | null;
};

const col = createDataTableColumnHelper<RecordRow>();
const utc = (iso: string | null) => (iso ? iso.replace("T", " ").slice(0, 19) : "—");

const columns = [
  col.accessor("externalId", {
    header: "External id",
    cell: (i) => (
      <Link href={`/records/${i.row.original.id}`} className="font-mono text-xs text-primary hover:underline" data-testid="record-link">
        {i.getValue()}
      </Link>
    ),
  }),
  col.accessor("entityType", { header: "Entity" }),
  col.accessor("connectionName", {
    header: "Connection",
    cell: (i) => (
      <Link href={`/connections/${i.row.original.connectionId}/sync`} className="hover:underline">
        {i.getValue()}
      </Link>
    ),
  }),
  col.display({
    id: "state",
    header: "State",
    cell: (i) => (
      <span className="flex gap-1">
        {i.row.original.deletedAt ? <Badge variant="destructive">deleted</Badge> : <Badge variant="success">live</Badge>}
        {i.row.original.hasErrors ? <Badge variant="warning">mapping errors</Badge> : null}
        {!i.row.original.mapped ? <Badge variant="secondary">raw only</Badge> : null}
      </span>
    ),
  }),
  col.accessor("sourceUpdatedAt", { header: "Updated at source (UTC)", cell: (i) => utc(i.getValue()), meta: { className: "whitespace-nowrap tabular-nums" } }),
  col.accessor("syncedAt", { header: "Synced (UTC)", cell: (i) => utc(i.getValue()), meta: { className: "whitespace-nowrap tabular-nums" } }),
];

export function RecordsTable({
  rows,
  totalRows,
  pageCount,
  connections,
  entities,
}: {
  rows: RecordRow[];
  totalRows: number;
  pageCount: number;
  connections: { value: string; label: string }[];
  entities: { value: string; label: string }[];
}) {
  return (
    <DataTable
      aria-label="Synced records"
      columns={columns}
      data={rows}
      totalRows={totalRows}
      pageCount={pageCount}
      getRowId={(r) => String(r.id)}
      emptyMessage="No records match these filters."
      filters={[
        { id: "q", label: "Search", type: "text", placeholder: "Search id or content" },
        { id: "connection", label: "Connection", type: "select", options: connections },
        { id: "entity", label: "Entity", type: "select", options: entities },
        { id: "errors", label: "Errors", type: "select", options: [{ value: "only", label: "With mapping errors" }] },
        {
          id: "deleted",
          label: "Records",
          type: "select",
          options: [
            { value: "live", label: "Live only" },
            { value: "deleted", label: "Deleted only" },
          ],
        },
      ]}
    />
  );
}
