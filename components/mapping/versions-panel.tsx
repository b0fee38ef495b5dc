"use client";
import { useAction } from "next-safe-action/hooks";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { toast } from "sonner";
import { useLiveEvents } from "@/components/live/use-live-events";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Progress } from "@/components/ui/progress";
import { FormError } from "@/components/forms/form-error";
import { activateMappingVersionAction, dryRunMappingAction, startRemapAction } from "@/lib/actions/mappings";

export type VersionItem = { id: string; version: number; note: string | null; createdAt: string; createdBy: string | null; definition: unknown };
type Remap = { status: "idle" | "running" | "failed"; done: number; total: number; error: string | null };

function fmt(v: unknown): string {
  if (v === null || v === undefined) return "—";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > 50 ? `${s.slice(0, 47)}…` : s;
}

/** Re-map progress, kept current by live events (sync.progress with kind mapping.remap). */
export function RemapProgress({ orgId, mappingId, initial, canManage, hasActive, records }: { orgId: string; mappingId: string; initial: Remap; canManage: boolean; hasActive: boolean; records: number }) {
  const router = useRouter();
  const [state, setState] = useState(initial);
  // A server refresh brings new figures: adopt them (compared by value, the prop is a fresh object each render).
  const initialKey = `${initial.status}|${initial.done}|${initial.total}|${initial.error}`;
  const [seenKey, setSeenKey] = useState(initialKey);
  if (seenKey !== initialKey) {
    setSeenKey(initialKey);
    setState(initial);
  }
  useLiveEvents({
    orgId,
    types: ["sync.progress"],
    onEvent(e) {
      if (e.data.kind !== "mapping.remap" || e.data.mappingId !== mappingId) return;
      const status = e.data.status as Remap["status"];
      setState((s) => ({ status, done: typeof e.data.done === "number" ? e.data.done : s.done, total: typeof e.data.total === "number" ? e.data.total : s.total, error: status === "failed" ? "The re-map stopped." : null }));
      if (status !== "running") router.refresh();
    },
    onResync: () => router.refresh(),
  });
  const start = useAction(startRemapAction, { onSuccess: ({ data }) => data && setState({ status: "running", done: 0, total: data.remapTotal, error: null }) });
  return (
    <div className="grid gap-2" data-testid="remap-progress">
      <div className="flex items-center justify-between gap-2 text-sm">
        <span>
          {state.status === "running" ? `Re-mapping stored records: ${state.done.toLocaleString("en")} of ${state.total.toLocaleString("en")}` : state.status === "failed" ? "The last re-map failed." : `${records.toLocaleString("en")} stored record${records === 1 ? "" : "s"}`}
        </span>
        {canManage && state.status !== "running" ? (
          <Button size="sm" variant="outline" disabled={!hasActive || start.isPending || records === 0} onClick={() => start.execute({ orgId, mappingId })}>
            Re-map stored records
          </Button>
        ) : null}
      </div>
      {state.status === "running" || (state.status === "idle" && state.total > 0 && state.done >= state.total) ? <Progress value={state.done} max={Math.max(state.total, 1)} aria-label="Re-map progress" /> : null}
      {state.error || state.status === "failed" ? <p className="text-xs text-destructive">{initial.error ?? state.error}</p> : null}
      <FormError message={start.result.serverError} />
    </div>
  );
}

/** Dry run first, then activate (or roll back), optionally re-mapping every stored record. */
function ActivateDialog({ orgId, mappingId, version, activeVersion, records, onClose }: { orgId: string; mappingId: string; version: VersionItem; activeVersion: number | null; records: number; onClose: () => void }) {
  const router = useRouter();
  const [remap, setRemap] = useState(records > 0);
  const dry = useAction(dryRunMappingAction);
  const activate = useAction(activateMappingVersionAction, {
    onSuccess: ({ data }) => {
      if (!data) return;
      toast.success(data.rollback ? `Rolled back to version ${data.version}.` : `Version ${data.version} is active.`);
      onClose();
      router.refresh();
    },
  });
  const { execute } = dry;
  useEffect(() => {
    execute({ orgId, mappingId, versionId: version.id, limit: 200 });
  }, [execute, orgId, mappingId, version.id]);
  const d = dry.result.data;
  const rollback = activeVersion !== null && version.version < activeVersion;
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent className="sm:max-w-2xl">
        <DialogHeader>
          <DialogTitle>
            {rollback ? "Roll back to" : "Activate"} version {version.version}
          </DialogTitle>
          <DialogDescription>Dry run on the last {d?.total ?? "…"} stored records: what changes compared with {activeVersion === null ? "no mapping" : `the active version ${activeVersion}`}.</DialogDescription>
        </DialogHeader>
        <FormError message={dry.result.serverError ?? activate.result.serverError} />
        {dry.isPending || !d ? (
          <p className="text-sm text-muted-foreground">Running the dry run…</p>
        ) : (
          <div className="grid gap-3 text-sm" data-testid="dry-run">
            <div className="grid grid-cols-3 gap-2">
              <div className="rounded-md border p-2">
                <div className="text-xs text-muted-foreground">Records changed</div>
                <div className="text-lg font-semibold">
                  {d.changedRecords} / {d.total}
                </div>
              </div>
              <div className="rounded-md border p-2">
                <div className="text-xs text-muted-foreground">Newly failing</div>
                <div className={d.newlyFailing > 0 ? "text-lg font-semibold text-destructive" : "text-lg font-semibold"}>{d.newlyFailing}</div>
              </div>
              <div className="rounded-md border p-2">
                <div className="text-xs text-muted-foreground">Newly passing</div>
                <div className="text-lg font-semibold">{d.newlyPassing}</div>
              </div>
            </div>
            {d.total === 0 ? <p className="text-muted-foreground">There are no stored records yet, so nothing changes now; the next sync maps with this version.</p> : null}
            {d.fields.length > 0 ? (
              <div>
                <div className="mb-1 text-xs font-medium text-muted-foreground">Fields changed</div>
                <ul className="flex flex-wrap gap-1">
                  {d.fields.map((f) => (
                    <li key={f.field}>
                      <Badge variant="outline">
                        {f.field}: {f.changed}
                      </Badge>
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
            {d.examples.length > 0 ? (
              <table className="w-full text-xs">
                <thead>
                  <tr className="text-left text-muted-foreground">
                    <th>Record</th>
                    <th>Field</th>
                    <th>Before</th>
                    <th>After</th>
                  </tr>
                </thead>
                <tbody>
                  {d.examples.slice(0, 6).map((e, i) => (
                    <tr key={i} className="border-t">
                      <td className="py-1 font-mono">{e.id}</td>
                      <td className="font-mono">{e.field}</td>
                      <td className="break-all">{fmt(e.before)}</td>
                      <td className="break-all">{fmt(e.after)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
            {d.failingExamples.length > 0 ? (
              <div>
                <div className="mb-1 text-xs font-medium text-destructive">Records that would start failing</div>
                <ul className="grid gap-1 text-xs">
                  {d.failingExamples.slice(0, 5).map((f) => (
                    <li key={f.id}>
                      <span className="font-mono">{f.id}</span>: {f.errors.map((e) => `${e.field}: ${e.message}`).join("; ")}
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
            <label className="flex items-center gap-2">
              <input type="checkbox" checked={remap} onChange={(e) => setRemap(e.target.checked)} disabled={records === 0} /> Re-map all {records.toLocaleString("en")} stored records in the background
            </label>
          </div>
        )}
        <DialogFooter>
          <Button variant="outline" onClick={onClose}>
            Cancel
          </Button>
          <Button disabled={!d || activate.isPending} onClick={() => activate.execute({ orgId, mappingId, versionId: version.id, remap })}>
            {rollback ? `Roll back to version ${version.version}` : `Activate version ${version.version}`}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

export function VersionsPanel({ orgId, mappingId, versions, activeVersionId, canManage, records, onLoad }: { orgId: string; mappingId: string; versions: VersionItem[]; activeVersionId: string | null; canManage: boolean; records: number; onLoad: (v: VersionItem) => void }) {
  const [activating, setActivating] = useState<VersionItem | null>(null);
  const active = versions.find((v) => v.id === activeVersionId) ?? null;
  if (versions.length === 0) return <p className="text-sm text-muted-foreground">No versions yet. Save the mapping to create version 1.</p>;
  return (
    <>
      <ul className="grid gap-2" data-testid="versions">
        {versions.map((v) => (
          <li key={v.id} className="flex flex-wrap items-center gap-2 rounded-md border px-3 py-2 text-sm">
            <span className="font-medium">Version {v.version}</span>
            {v.id === activeVersionId ? <Badge variant="success">Active</Badge> : null}
            <span className="min-w-0 flex-1 truncate text-muted-foreground" title={v.note ?? undefined}>
              {v.note ?? "No note"} · {v.createdBy ?? "unknown"} · {new Date(v.createdAt).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" })}
            </span>
            <Button size="sm" variant="ghost" onClick={() => onLoad(v)}>
              Load
            </Button>
            {canManage && v.id !== activeVersionId ? (
              <Button size="sm" variant="outline" onClick={() => setActivating(v)}>
                {active && v.version < active.version ? "Roll back" : "Activate"}
              </Button>
            ) : null}
          </li>
        ))}
      </ul>
      {activating ? <ActivateDialog orgId={orgId} mappingId={mappingId} version={activating} activeVersion={active?.version ?? null} records={records} onClose={() => setActivating(null)} /> : null}
    </>
  );
}
