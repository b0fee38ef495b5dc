"use client";
import { useEffect, useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { createDataTableColumnHelper, DataTable } from "@/components/data-table";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { resendDeliveryAction } from "@/lib/actions/outbound-webhooks";

export type DeliveryAttemptView = { attempt: number; status: number | null; ok: boolean; ms: number; at: string; excerpt: string | null; error: string | null };

export type DeliveryTableRow = {
  id: string;
  eventType: string;
  messageId: string;
  status: "pending" | "succeeded" | "failed" | "dead" | "cancelled";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttempt: string | null;
  /** Milliseconds until the next attempt (server clock), for refreshing while one is imminent. */
  nextAttemptInMs: number | null;
  createdAt: string;
  attemptList: DeliveryAttemptView[];
};

const statusVariant = { pending: "secondary", succeeded: "success", failed: "warning", dead: "destructive", cancelled: "outline" } as const;
const statusLabel = { pending: "pending", succeeded: "delivered", failed: "retrying", dead: "dead", cancelled: "cancelled" } as const;

function Attempts({ row }: { row: DeliveryTableRow }) {
  if (row.attemptList.length === 0) return <span className="text-muted-foreground">none yet</span>;
  return (
    <details data-testid={`attempts-${row.id}`}>
      <summary className="cursor-pointer whitespace-nowrap text-primary">
        {row.attempts} attempt{row.attempts === 1 ? "" : "s"}
      </summary>
      <ol className="mt-2 grid min-w-[240px] max-w-[360px] gap-2 text-xs">
        {row.attemptList.map((a) => (
          <li key={a.attempt} className="rounded-md border p-2" data-testid="delivery-attempt">
            <div className="flex flex-wrap items-center gap-2">
              <span className="font-medium">#{a.attempt}</span>
              <Badge variant={a.ok ? "success" : "destructive"}>{a.status === null ? "no response" : `HTTP ${a.status}`}</Badge>
              <span className="tabular-nums text-muted-foreground">{a.ms} ms</span>
              <span className="text-muted-foreground">{a.at}</span>
            </div>
            {a.error ? <p className="mt-1 text-destructive">{a.error}</p> : null}
            {a.excerpt ? <pre className="mt-1 max-h-32 overflow-auto whitespace-pre-wrap break-all rounded bg-muted p-1 font-mono">{a.excerpt}</pre> : null}
          </li>
        ))}
      </ol>
    </details>
  );
}

function ResendButton({ orgId, row }: { orgId: string; row: DeliveryTableRow }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  return (
    <Button
      size="sm"
      variant="outline"
      disabled={pending}
      onClick={() =>
        start(async () => {
          const r = await resendDeliveryAction({ orgId, deliveryId: row.id });
          if (r?.serverError) toast.error(r.serverError);
          else if (r?.data) toast.success(`Resending ${row.eventType} (${row.messageId}).`);
          router.refresh();
        })
      }
    >
      Resend
    </Button>
  );
}

const col = createDataTableColumnHelper<DeliveryTableRow>();

function columnsFor(orgId: string, canManage: boolean) {
  return [
    col.accessor("eventType", { header: "Event", enableSorting: true, cell: (info) => <span className="font-mono text-xs">{info.getValue()}</span> }),
    col.accessor("messageId", {
      header: "Message id",
      cell: (info) => (
        <span className="block max-w-[8rem] truncate font-mono text-xs" title={info.getValue()}>
          {info.getValue()}
        </span>
      ),
    }),
    col.accessor("status", {
      header: "Status",
      enableSorting: true,
      cell: (info) => (
        <Badge variant={statusVariant[info.getValue()]} data-testid="delivery-status">
          {statusLabel[info.getValue()]}
        </Badge>
      ),
    }),
    col.accessor("attempts", { header: "Attempts", enableSorting: true, cell: (info) => <Attempts row={info.row.original} /> }),
    col.accessor("lastStatus", {
      header: "Last answer",
      cell: (info) => {
        const r = info.row.original;
        if (r.lastStatus !== null) return <span className="tabular-nums">HTTP {r.lastStatus}</span>;
        return r.lastError ? <span className="text-xs text-destructive">{r.lastError.length > 80 ? `${r.lastError.slice(0, 80)}…` : r.lastError}</span> : <span className="text-muted-foreground">—</span>;
      },
    }),
    col.accessor("nextAttempt", { id: "nextAttemptAt", header: "Next attempt", enableSorting: true, cell: (info) => info.getValue() ?? <span className="text-muted-foreground">—</span>, meta: { className: "whitespace-nowrap" } }),
    col.accessor("createdAt", { header: "Created (UTC)", enableSorting: true, cell: (info) => info.getValue(), meta: { className: "whitespace-nowrap tabular-nums" } }),
    ...(canManage ? [col.display({ id: "actions", header: "", cell: (info) => <ResendButton orgId={orgId} row={info.row.original} /> })] : []),
  ];
}

export function OutboundDeliveriesTable({ orgId, canManage, rows, totalRows, pageCount }: { orgId: string; canManage: boolean; rows: DeliveryTableRow[]; totalRows: number; pageCount: number }) {
  const router = useRouter();
  const waiting = rows.some((r) => r.status === "pending" || (r.status === "failed" && r.nextAttemptInMs !== null && r.nextAttemptInMs < 60_000));
  // Fresh deliveries and early retries go out within seconds: refresh while one is about to.
  useEffect(() => {
    if (!waiting) return;
    const t = setInterval(() => router.refresh(), 2000);
    return () => clearInterval(t);
  }, [waiting, router]);
  return (
    <DataTable
      aria-label="Deliveries"
      columns={columnsFor(orgId, canManage)}
      data={rows}
      totalRows={totalRows}
      pageCount={pageCount}
      defaultSort={{ id: "createdAt", desc: true }}
      getRowId={(r) => r.id}
      emptyMessage="No deliveries yet. Events your organization emits (and test events) appear here."
      filters={[
        {
          id: "status",
          label: "Status",
          type: "select",
          options: (["pending", "succeeded", "failed", "dead", "cancelled"] as const).map((s) => ({ value: s, label: statusLabel[s] })),
        },
        { id: "eventType", label: "Event", type: "text", placeholder: "Filter event types" },
      ]}
    />
  );
}
