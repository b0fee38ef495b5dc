"use client";
import { useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { cancelSyncRunAction, deleteSyncStreamAction, saveSyncStreamAction, setStreamScheduleAction, startSyncRunAction } from "@/lib/actions/sync";
import type { SyncRunStatus } from "@/db/schema/sync";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Switch } from "@/components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { NativeSelect } from "./native-select";
import { RunStatusBadge } from "./run-status-badge";

export type StreamItem = {
  entity: string;
  label: string;
  description: string;
  pagination: string;
  incremental: boolean;
  kind: "builtin" | "generic";
  stream: { id: string; enabled: boolean; scheduleMinutes: number | null; cursor: string | null; lastRunAt: string | null; nextRunAt: string | null } | null;
  active: { id: string; status: SyncRunStatus; mode: string; pages: number; processed: number; created: number; updated: number; unchanged: number; cancelRequested: boolean } | null;
  last: { status: SyncRunStatus; finishedAt: string | null; processed: number; error: string | null } | null;
};

export const scheduleOptions = [
  { value: "", label: "Manual only" },
  { value: "15", label: "Every 15 min" },
  { value: "60", label: "Hourly" },
  { value: "360", label: "Every 6 h" },
  { value: "1440", label: "Daily" },
];

const at = (iso: string | null) => (iso ? `${iso.replace("T", " ").slice(0, 16)} UTC` : "—");

function StreamRow({ orgId, connectionId, item, canEdit }: { orgId: string; connectionId: string; item: StreamItem; canEdit: boolean }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const s = item.stream;
  const run = (fn: () => Promise<{ serverError?: string; validationErrors?: unknown } | undefined>, ok?: string) =>
    start(async () => {
      const r = await fn();
      if (r?.serverError) toast.error(r.serverError);
      else if (r?.validationErrors) toast.error("That change was not accepted; check the values.");
      else if (ok) toast.success(ok);
      router.refresh();
    });
  const save = (enabled: boolean, scheduleMinutes: number | null) =>
    run(
      () => (s && item.kind === "generic" ? setStreamScheduleAction({ orgId, streamId: s.id, enabled, scheduleMinutes }) : saveSyncStreamAction({ orgId, connectionId, entity: item.entity, enabled, scheduleMinutes })),
      enabled ? `${item.label} sync is on${scheduleMinutes ? `, every ${scheduleMinutes} min` : ""}.` : `${item.label} sync is off.`,
    );
  const a = item.active;
  return (
    <TableRow data-testid={`stream-${item.entity}`}>
      <TableCell>
        <div className="font-medium">
          {item.label} {item.kind === "generic" ? <Badge variant="outline">REST</Badge> : null}
        </div>
        <div className="text-xs text-muted-foreground">{item.description}</div>
        {s?.cursor ? <div className="text-xs text-muted-foreground">Cursor: {at(s.cursor)}</div> : null}
      </TableCell>
      <TableCell>
        <Switch aria-label={`Sync ${item.label}`} checked={Boolean(s?.enabled)} disabled={!canEdit || pending} onCheckedChange={(v) => save(v, s?.scheduleMinutes ?? null)} data-testid={`enable-${item.entity}`} />
      </TableCell>
      <TableCell>
        <NativeSelect
          aria-label={`Schedule of ${item.label}`}
          value={s?.scheduleMinutes ? String(s.scheduleMinutes) : ""}
          disabled={!canEdit || pending || !s?.enabled}
          onChange={(e) => save(true, e.target.value ? Number(e.target.value) : null)}
        >
          {scheduleOptions.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </NativeSelect>
        {s?.nextRunAt && s.scheduleMinutes ? <div className="mt-1 text-xs text-muted-foreground">Next {at(s.nextRunAt)}</div> : null}
      </TableCell>
      <TableCell className="min-w-48" data-testid={`progress-${item.entity}`}>
        {a ? (
          <div className="grid gap-1 text-sm">
            <span className="flex items-center gap-2">
              <RunStatusBadge status={a.status} /> {a.mode}
              {a.cancelRequested ? <span className="text-xs text-muted-foreground">cancelling…</span> : null}
            </span>
            <span className="text-xs tabular-nums text-muted-foreground">
              {a.pages} pages · {a.processed} records ({a.created} new, {a.updated} changed, {a.unchanged} unchanged)
            </span>
          </div>
        ) : item.last ? (
          <div className="grid gap-1 text-sm">
            <span className="flex items-center gap-2">
              <RunStatusBadge status={item.last.status} /> <span className="text-xs text-muted-foreground">{at(item.last.finishedAt)}</span>
            </span>
            <span className="text-xs text-muted-foreground">{item.last.error ?? `${item.last.processed} records`}</span>
          </div>
        ) : (
          <span className="text-sm text-muted-foreground">Never run</span>
        )}
      </TableCell>
      <TableCell className="text-right">
        {canEdit && s?.enabled ? (
          <div className="flex flex-wrap justify-end gap-2">
            {a ? (
              <Button size="sm" variant="outline" disabled={pending || a.cancelRequested} onClick={() => run(() => cancelSyncRunAction({ orgId, runId: a.id }), "Cancel requested.")}>
                Cancel
              </Button>
            ) : (
              <>
                <Button size="sm" disabled={pending} onClick={() => run(() => startSyncRunAction({ orgId, streamId: s.id, mode: "full" }), `Full sync of ${item.label} queued.`)} data-testid={`sync-full-${item.entity}`}>
                  Sync now
                </Button>
                {item.incremental ? (
                  <Button size="sm" variant="outline" disabled={pending} onClick={() => run(() => startSyncRunAction({ orgId, streamId: s.id, mode: "incremental" }), `Incremental sync of ${item.label} queued.`)}>
                    Incremental
                  </Button>
                ) : null}
              </>
            )}
            {item.kind === "generic" && !a ? (
              <Button size="sm" variant="ghost" disabled={pending} onClick={() => run(() => deleteSyncStreamAction({ orgId, streamId: s.id }), `Stream ${item.label} removed.`)}>
                Remove
              </Button>
            ) : null}
          </div>
        ) : null}
      </TableCell>
    </TableRow>
  );
}

export function StreamsTable({ orgId, connectionId, items, canEdit }: { orgId: string; connectionId: string; items: StreamItem[]; canEdit: boolean }) {
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead>Stream</TableHead>
          <TableHead>Enabled</TableHead>
          <TableHead>Schedule</TableHead>
          <TableHead>Progress / last run</TableHead>
          <TableHead className="text-right">Run</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {items.length === 0 ? (
          <TableRow>
            <TableCell colSpan={5} className="text-sm text-muted-foreground">
              This provider has no built-in streams. Add a generic REST stream below.
            </TableCell>
          </TableRow>
        ) : (
          items.map((item) => <StreamRow key={`${item.kind}:${item.entity}`} orgId={orgId} connectionId={connectionId} item={item} canEdit={canEdit} />)
        )}
      </TableBody>
    </Table>
  );
}
