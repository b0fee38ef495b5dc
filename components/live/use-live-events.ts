"use client";
import { useEffect, useRef, useState } from "react";
// Type only: erased from the client bundle, so the server-only module is never loaded here.
import type { LiveEventType } from "@/lib/events/publish";


export type { LiveEventType };
export type LiveEventMessage = { id: string; type: LiveEventType; orgId: string | null; data: Record<string, unknown>; at: string };
export type LiveStatus = "connecting" | "connected" | "reconnecting";

const MAX_BACKOFF_MS = 60_000;

/**
 * Subscribe to /api/events for one organization. EventSource reconnects by itself after a dropped
 * connection; when the server refuses (401, 403, 429) it gives up, so we open a new one with
 * backoff. `onResync` runs whenever events may have been missed: after any reconnect, and when the
 * server says so (the client fell behind). The callbacks may change between renders freely.
 */
export function useLiveEvents(opts: { orgId: string; types: readonly LiveEventType[]; onEvent: (e: LiveEventMessage) => void; onResync?: () => void }): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const onEvent = useRef(opts.onEvent);
  const onResync = useRef(opts.onResync);
  useEffect(() => {
    onEvent.current = opts.onEvent;
    onResync.current = opts.onResync;
  });
  const typesKey = [...opts.types].sort().join(",");
  const { orgId } = opts;

  useEffect(() => {
    const types = typesKey ? (typesKey.split(",") as LiveEventType[]) : [];
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let everOpen = false;
    let disposed = false;

    const handle = (e: MessageEvent<string>) => {
      try {
        const parsed = JSON.parse(e.data) as Omit<LiveEventMessage, "id">;
        onEvent.current({ ...parsed, id: e.lastEventId });
      } catch {
        // A frame we cannot read is not worth breaking the page for.
      }
    };
    const resync = () => onResync.current?.();

    const open = () => {
      if (disposed) return;
      const es = new EventSource(`/api/events?orgId=${encodeURIComponent(orgId)}`);
      source = es;
      es.onopen = () => {
        failures = 0;
        setStatus("connected");
        if (everOpen) resync();
        everOpen = true;
      };
      es.onerror = () => {
        setStatus("reconnecting");
        if (es.readyState !== EventSource.CLOSED) return; // the browser retries on its own
        es.close();
        const delay = Math.min(MAX_BACKOFF_MS, 3_000 * 2 ** failures++) * (0.8 + Math.random() * 0.4);
        timer = setTimeout(open, delay);
      };
      for (const t of types) es.addEventListener(t, handle);
      es.addEventListener("resync", resync);
    };
    open();

    return () => {
      disposed = true;
      clearTimeout(timer);
      source?.close();
    };
  }, [orgId, typesKey]);

  return status;
}
