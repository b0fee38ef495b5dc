import "server-only";
import pg from "pg";
import { dbHandle } from "@/db/client";
import { logger } from "@/lib/logger";

export type ChannelListener = {
  /** Resolves once LISTEN is in effect (the first time); never rejects. */
  ready: Promise<void>;
  stop(): Promise<void>;
};

type Handlers = { onNotification: (payload: string | undefined) => void; onReset: () => void; name: string };

/** One LISTEN per channel and process, shared by every subscriber of that channel. */
type Shared = { subscribers: Set<Handlers>; live: boolean; listener: ChannelListener };
type GlobalWithChannels = typeof globalThis & { __patchbayChannels?: WeakMap<object, Map<string, Shared>> };
const g = globalThis as GlobalWithChannels;

/**
 * LISTEN on one NOTIFY channel for this process: on PostgreSQL over a dedicated connection that
 * reconnects with backoff, on PGlite through the instance's own listener. `onReset` runs whenever
 * notifications may have been missed (the listener just became live, or the connection dropped):
 * the caller drops what it cached or tells its clients to refetch.
 *
 * Subscribers of the same channel share one connection (the live-event bus and the webhook queue
 * both listen on the events channel): each notification crosses from the server once per process.
 */
export function listenChannel(channel: string, handlers: Handlers): ChannelListener {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
  // Per database handle too: a process that switches handles (tests) never shares across them.
  const byHandle = (g.__patchbayChannels ??= new WeakMap());
  const handle = dbHandle();
  let channels = byHandle.get(handle);
  if (!channels) byHandle.set(handle, (channels = new Map()));
  let shared = channels.get(channel);
  if (!shared) {
    const created: Shared = { subscribers: new Set(), live: false, listener: undefined as unknown as ChannelListener };
    created.listener = openChannel(channel, {
      name: `${channel} listener`,
      onNotification: (payload) => {
        for (const h of created.subscribers) h.onNotification(payload);
      },
      onReset: () => {
        created.live = true;
        for (const h of created.subscribers) h.onReset();
      },
    });
    channels.set(channel, created);
    shared = created;
  }
  const own = shared;
  own.subscribers.add(handlers);
  // Joining a channel that is already live: this subscriber's start is its reset.
  if (own.live) handlers.onReset();
  return {
    ready: own.listener.ready,
    async stop() {
      own.subscribers.delete(handlers);
      if (own.subscribers.size > 0) return;
      if (channels!.get(channel) === own) channels!.delete(channel);
      await own.listener.stop();
    },
  };
}

function openChannel(channel: string, handlers: Handlers): ChannelListener {
  let markReady = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let stopped = false;
  const handle = dbHandle();

  if (handle.kind === "pglite") {
    let unlisten: (() => Promise<void>) | undefined;
    handle.pglite
      .listen(channel, (payload) => handlers.onNotification(payload))
      .then(async (u) => {
        // stop() may have come first: do not leave a listener behind.
        if (stopped) return u();
        unlisten = u;
        handlers.onReset();
        markReady();
      })
      .catch((err) => {
        logger.error({ err, channel }, `${handlers.name} listener failed on the embedded database`);
        markReady();
      });
    return {
      ready,
      async stop() {
        stopped = true;
        await unlisten?.().catch(() => {});
        markReady();
      },
    };
  }

  // A dedicated connection, not a pooled one: LISTEN belongs to a session.
  let client: pg.Client | undefined;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    if (stopped) return;
    const c = new pg.Client({ connectionString: handle.url });
    client = c;
    const retry = () => {
      if (stopped || client !== c) return;
      client = undefined;
      // Missed notifications are possible while disconnected.
      handlers.onReset();
      const delay = Math.min(30_000, 250 * 2 ** attempt++);
      timer = setTimeout(() => void connect(), delay);
      timer.unref();
    };
    c.on("error", (err) => {
      logger.warn({ err: err.message, channel }, `${handlers.name} listener connection lost; reconnecting`);
      c.end().catch(() => {});
      retry();
    });
    c.on("end", retry);
    c.on("notification", (msg) => {
      if (msg.channel === channel) handlers.onNotification(msg.payload);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
      // Anything committed before LISTEN took effect was not delivered.
      handlers.onReset();
      attempt = 0;
      markReady();
    } catch (err) {
      if (stopped) return;
      logger.warn({ err: (err as Error).message, channel }, `${handlers.name} listener could not connect; retrying`);
      c.end().catch(() => {});
      retry();
    }
  };
  void connect();
  return {
    ready,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      markReady();
      await client?.end().catch(() => {});
    },
  };
}
