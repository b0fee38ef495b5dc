"use client";
import { useEffect, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { RotateCcw } from "lucide-react";
import { toast } from "sonner";
import { replayWebhookEventAction, replayWebhookEventsAction } from "@/lib/actions/webhooks";
import { Button } from "@/components/ui/button";

export function ReplayEventButton({ orgId, eventId, size = "sm" }: { orgId: string; eventId: string; size?: "sm" | "default" }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  return (
    <Button
      type="button"
      variant="outline"
      size={size}
      disabled={pending}
      aria-label="Replay event"
      onClick={() =>
        start(async () => {
          const r = await replayWebhookEventAction({ orgId, eventId });
          if (r?.serverError) toast.error(r.serverError);
          else if (r?.data?.queued) toast.success("Replay queued.");
          else toast.info("This event is already waiting or being processed.");
          router.refresh();
        })
      }
    >
      <RotateCcw className="size-3.5" /> Replay
    </Button>
  );
}

export type ReplayFilters = { provider: string | null; connection: string | null; type: string | null; status: string | null };

/** Replays up to `limit` events matching the table's filters; the table then shows their statuses move. */
export function ReplayFilteredButton({ orgId, filters, total, limit }: { orgId: string; filters: ReplayFilters; total: number; limit: number }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const n = Math.min(total, limit);
  return (
    <Button
      type="button"
      variant="outline"
      size="sm"
      disabled={pending || n === 0}
      onClick={() =>
        start(async () => {
          const r = await replayWebhookEventsAction({ orgId, ...filters, status: (filters.status as never) ?? null, limit });
          if (r?.serverError) toast.error(r.serverError);
          else if (r?.data) toast.success(`${r.data.queued} of ${r.data.matched} events queued for replay${r.data.skipped ? ` (${r.data.skipped} already waiting or running)` : ""}.`);
          router.refresh();
        })
      }
    >
      <RotateCcw className="size-3.5" /> {pending ? "Queueing…" : `Replay ${n} shown by these filters`}
    </Button>
  );
}

/**
 * While events are waiting or running, refresh the page every few seconds so their statuses
 * (and the progress of a replay) show without a reload.
 */
export function RefreshWhileBusy({ busy, pending }: { busy: boolean; pending: number }) {
  const router = useRouter();
  const [ticks, setTicks] = useState(0);
  useEffect(() => {
    if (!busy) return;
    const t = setInterval(() => {
      setTicks((n) => n + 1);
      router.refresh();
    }, 2000);
    return () => clearInterval(t);
  }, [busy, router]);
  if (!busy) return null;
  return (
    <p className="text-sm text-muted-foreground" data-testid="webhooks-progress" aria-live="polite">
      {pending} event{pending === 1 ? "" : "s"} waiting or being processed{ticks > 0 ? " · updating" : ""}…
    </p>
  );
}
