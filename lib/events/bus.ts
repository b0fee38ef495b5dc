import "server-only";
import { logger } from "@/lib/logger";
import { listenChannel, type ChannelListener } from "./listen";
import { EVENTS_CHANNEL, type LiveEventType } from "./publish";

/** An event as delivered to subscribers: `id` is monotonic within this process. */
export type LiveEvent = { id: number; orgId: string | null; type: LiveEventType; data: Record<string, unknown>; at: string };

/**
 * What a subscriber reads: an event, or `resync` when events may have been lost (the subscriber
 * fell behind and its buffer was dropped, or this process's LISTEN connection was re-established).
 * On resync a client refetches what it shows instead of replaying.
 */
export type BusMessage = { kind: "event"; event: LiveEvent } | { kind: "resync"; reason: "overflow" | "reconnect" };

export const DEFAULT_BUFFER = 100;
/** How long subscribe() waits for the process's LISTEN to be in effect before going on without it. */
const READY_TIMEOUT_MS = 5_000;

export class LiveSubscription {
  private queue: BusMessage[] = [];
  private waiter: ((m: BusMessage | "timeout" | null) => void) | undefined;
  private done = false;
  /** Events dropped because this subscriber was too slow (tests and logs). */
  dropped = 0;

  constructor(
    readonly orgId: string,
    private readonly limit: number,
    private readonly onClose: (s: LiveSubscription) => void,
  ) {}

  get closed(): boolean {
    return this.done;
  }

  /** Called by the bus. Never blocks and never holds more than `limit` messages. */
  push(m: BusMessage): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(m);
      return;
    }
    if (m.kind === "resync") {
      // Everything queued is superseded: the client refetches anyway.
      this.dropped += this.queue.filter((q) => q.kind === "event").length;
      this.queue = [m];
      return;
    }
    if (this.queue.length >= this.limit) {
      // A slow client: drop its backlog rather than grow memory, and tell it to refetch.
      this.dropped += this.queue.filter((q) => q.kind === "event").length + 1;
      this.queue = [{ kind: "resync", reason: "overflow" }];
      return;
    }
    this.queue.push(m);
  }

  /** The next message; "timeout" after `timeoutMs` without one; null once closed. One reader at a time. */
  next(timeoutMs?: number): Promise<BusMessage | "timeout" | null> {
    if (this.done) return Promise.resolve(null);
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.waiter) throw new Error("LiveSubscription.next() is already waiting");
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.waiter = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.waiter = undefined;
          resolve("timeout");
        }, timeoutMs);
        timer.unref();
      }
    });
  }

  /** Idempotent. Unsubscribes, and a pending next() resolves to null. */
  close(): void {
    if (this.done) return;
    this.done = true;
    this.queue = [];
    const w = this.waiter;
    this.waiter = undefined;
    w?.(null);
    this.onClose(this);
  }
}

type BusState = { subs: Set<LiveSubscription>; listener?: ChannelListener; lastId: number };
type GlobalWithBus = typeof globalThis & { __patchbayEventBus?: BusState };
const g = globalThis as GlobalWithBus;

function state(): BusState {
  return (g.__patchbayEventBus ??= { subs: new Set(), lastId: 0 });
}

const eventTypes = new Set<string>(["webhook.received", "webhook.processed", "connection.health_changed", "connection.changed", "delivery.updated", "sync.progress"]);

function parse(payload: string | undefined): Omit<LiveEvent, "id"> | null {
  try {
    const e = JSON.parse(payload ?? "") as Partial<LiveEvent>;
    if (typeof e.type !== "string" || !eventTypes.has(e.type)) return null;
    if (e.orgId !== null && typeof e.orgId !== "string") return null;
    if (typeof e.data !== "object" || e.data === null || Array.isArray(e.data)) return null;
    return { orgId: e.orgId, type: e.type, data: e.data, at: typeof e.at === "string" ? e.at : new Date().toISOString() };
  } catch {
    return null;
  }
}

/** Fan one notification out to the subscribers that may see it. Exported for tests. */
export function dispatchNotification(payload: string | undefined): void {
  const parsed = parse(payload);
  if (!parsed) {
    logger.warn("ignored a malformed live event notification");
    return;
  }
  const s = state();
  const event: LiveEvent = { id: ++s.lastId, ...parsed };
  const message: BusMessage = { kind: "event", event };
  for (const sub of s.subs) {
    // orgId null: a platform-wide connection, which every organization sees.
    if (event.orgId === null || event.orgId === sub.orgId) sub.push(message);
  }
}

function resyncAll(): void {
  for (const sub of state().subs) sub.push({ kind: "resync", reason: "reconnect" });
}

/** The process's one LISTEN subscription, started on first use. */
function ensureListener(): ChannelListener {
  const s = state();
  s.listener ??= listenChannel(EVENTS_CHANNEL, { name: "live events", onNotification: dispatchNotification, onReset: resyncAll });
  return s.listener;
}

/**
 * Subscribe to one organization's live events (and the platform-wide ones). Resolves once this
 * process is listening, so that anything committed after it resolves is delivered.
 */
export async function subscribe(orgId: string, opts: { bufferSize?: number } = {}): Promise<LiveSubscription> {
  const listener = ensureListener();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, READY_TIMEOUT_MS);
    timer.unref();
  });
  await Promise.race([listener.ready, timeout]);
  clearTimeout(timer);
  const s = state();
  const sub = new LiveSubscription(orgId, opts.bufferSize ?? DEFAULT_BUFFER, (x) => s.subs.delete(x));
  s.subs.add(sub);
  return sub;
}

/** Open subscriptions in this process (leak checks). */
export function subscriberCount(): number {
  return state().subs.size;
}

/** Tests: close every subscription and stop listening (before closing the database). */
export async function stopEventBus(): Promise<void> {
  const s = state();
  for (const sub of [...s.subs]) sub.close();
  const listener = s.listener;
  s.listener = undefined;
  await listener?.stop();
}
