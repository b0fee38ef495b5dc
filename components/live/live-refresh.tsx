"use client";
import { useEffect, useRef } from "react";
import { useRouter } from "next/navigation";
import { cn } from "@/lib/utils";
import { useLiveEvents, type LiveEventType, type LiveStatus } from "./use-live-events";

const labels: Record<LiveStatus, { text: string; title: string }> = {
  connecting: { text: "Connecting…", title: "Connecting to live updates." },
  connected: { text: "Live", title: "This page updates by itself when something changes." },
  reconnecting: { text: "Reconnecting…", title: "Live updates are interrupted; retrying. Reload to see the latest data meanwhile." },
};

/**
 * Re-render the current server page when one of `types` happens in the organization, debounced so
 * that a burst of events costs one refresh. A hidden tab refreshes when it becomes visible again.
 * Shows whether live updates are connected.
 */
export function LiveRefresh({ orgId, types, debounceMs = 500, className }: { orgId: string; types: readonly LiveEventType[]; debounceMs?: number; className?: string }) {
  const router = useRouter();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const pending = useRef(false);

  const schedule = () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      if (document.hidden) {
        pending.current = true;
        return;
      }
      router.refresh();
    }, debounceMs);
  };

  useEffect(() => {
    const onVisible = () => {
      if (!document.hidden && pending.current) {
        pending.current = false;
        router.refresh();
      }
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      clearTimeout(timer.current);
    };
  }, [router]);

  const status = useLiveEvents({ orgId, types, onEvent: schedule, onResync: schedule });
  const label = labels[status];
  return (
    <span
      role="status"
      data-testid="live-indicator"
      data-state={status}
      title={label.title}
      className={cn("inline-flex items-center gap-1.5 rounded-full border px-2.5 py-1 text-xs font-medium text-muted-foreground", className)}
    >
      <span aria-hidden="true" className={cn("size-2 rounded-full", status === "connected" ? "bg-success" : "animate-pulse bg-warning")} />
      {label.text}
    </span>
  );
}
