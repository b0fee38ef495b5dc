import "server-only";
import { AppError } from "@/lib/errors";
import { subscribe, type BusMessage, type LiveSubscription } from "./bus";

export const HEARTBEAT_MS = 15_000;
/** EventSource reconnection delay the stream asks for. */
export const RETRY_MS = 3_000;
export const MAX_STREAMS_PER_USER = 10;

type GlobalWithStreams = typeof globalThis & { __patchbayLiveStreams?: Map<string, number> };
const g = globalThis as GlobalWithStreams;
const streamsByUser = (g.__patchbayLiveStreams ??= new Map());

/** Open live streams of a user in this process. */
export function openStreams(userId: string): number {
  return streamsByUser.get(userId) ?? 0;
}

function format(m: BusMessage): string {
  if (m.kind === "resync") return `event: resync\ndata: ${JSON.stringify({ reason: m.reason })}\n\n`;
  const { id, type, orgId, data, at } = m.event;
  // JSON.stringify escapes newlines, so the data line cannot break the framing.
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify({ type, orgId, data, at })}\n\n`;
}

/**
 * A `text/event-stream` response carrying one organization's live events. The caller has already
 * checked the session and membership. Pull-based: the next message is read from the bounded
 * subscription only when the stream wants more, so a slow client costs at most its buffer.
 */
export async function openEventStream(opts: { orgId: string; userId: string; signal: AbortSignal; lastEventId?: string | null; heartbeatMs?: number; bufferSize?: number }): Promise<Response> {
  if (opts.signal.aborted) throw new AppError("bad_request", "The request was aborted.");
  if (openStreams(opts.userId) >= MAX_STREAMS_PER_USER) {
    throw new AppError("rate_limited", `You already have ${MAX_STREAMS_PER_USER} live update streams open. Close some tabs, then reload this one.`, { retryAfterSeconds: 30 });
  }
  streamsByUser.set(opts.userId, openStreams(opts.userId) + 1);
  let sub: LiveSubscription | undefined;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    sub?.close();
    const left = openStreams(opts.userId) - 1;
    if (left > 0) streamsByUser.set(opts.userId, left);
    else streamsByUser.delete(opts.userId);
  };
  try {
    sub = await subscribe(opts.orgId, { bufferSize: opts.bufferSize });
  } catch (error) {
    release();
    throw error;
  }
  const s = sub;
  opts.signal.addEventListener("abort", release, { once: true });
  if (opts.signal.aborted) release();
  const heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
  const encoder = new TextEncoder();

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let head = `retry: ${RETRY_MS}\n: connected\n\n`;
        // A reconnecting client may have missed events while it was away: there is no replay, so
        // it refetches. (Ids are per process; after a failover they would mean nothing anyway.)
        if (opts.lastEventId) head += format({ kind: "resync", reason: "reconnect" });
        controller.enqueue(encoder.encode(head));
      },
      async pull(controller) {
        const m = await s.next(heartbeatMs);
        if (m === null) {
          try {
            controller.close();
          } catch {
            // already cancelled
          }
          return;
        }
        controller.enqueue(encoder.encode(m === "timeout" ? `: heartbeat\n\n` : format(m)));
      },
      cancel() {
        release();
      },
    },
    { highWaterMark: 1 },
  );

  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      // no-transform: keeps compression (Next's own, or a proxy's) from buffering the stream.
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    },
  });
}
