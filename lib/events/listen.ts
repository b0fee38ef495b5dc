import "server-only";
import pg from "pg";
import { dbHandle } from "@/db/client";
import { logger } from "@/lib/logger";

export type ChannelListener = {
  /** Resolves once LISTEN is in effect (the first time); never rejects. */
  ready: Promise<void>;
  stop(): Promise<void>;
};

/**
 * LISTEN on one NOTIFY channel for this process: on PostgreSQL over a dedicated connection that
 * reconnects with backoff, on PGlite through the instance's own listener. `onReset` runs whenever
 * notifications may have been missed (the listener just became live, or the connection dropped):
 * the caller drops what it cached or tells its clients to refetch.
 */
export function listenChannel(channel: string, handlers: { onNotification: (payload: string | undefined) => void; onReset: () => void; name: string }): ChannelListener {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
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
