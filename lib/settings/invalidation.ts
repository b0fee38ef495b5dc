import "server-only";
import { EventEmitter } from "node:events";
import pg from "pg";
import { sql } from "drizzle-orm";
import { dbHandle, type Executor } from "@/db/client";
import { logger } from "@/lib/logger";

export const SETTINGS_CHANNEL = "patchbay_settings";

export type SettingsChange = { providerKey: string; orgId: string | null; connectionId?: string };

/**
 * Announce a change inside the transaction that makes it. Postgres delivers NOTIFY only on
 * commit (and never on rollback), to every listening process: on real Postgres through a
 * dedicated LISTEN connection, on PGlite through the same instance's listener.
 */
export async function notifySettingsChanged(tx: Executor, change: SettingsChange): Promise<void> {
  await tx.execute(sql`select pg_notify(${SETTINGS_CHANNEL}, ${JSON.stringify(change)})`);
}

/**
 * Drop this process's cached copy right after a commit, without waiting for the NOTIFY round
 * trip: code in the same process that reads right after a save must see the save.
 */
export function invalidateLocally(change: SettingsChange): void {
  state().events.emit("change", change);
}

type ListenerState = { events: EventEmitter; started: boolean; stop?: () => Promise<void> };
type GlobalWithListener = typeof globalThis & { __patchbaySettingsListener?: ListenerState };
const g = globalThis as GlobalWithListener;

function state(): ListenerState {
  return (g.__patchbaySettingsListener ??= { events: new EventEmitter().setMaxListeners(100), started: false });
}

function dispatch(payload: string | undefined): void {
  try {
    const change = JSON.parse(payload ?? "") as SettingsChange;
    if (typeof change.providerKey === "string") state().events.emit("change", change);
  } catch {
    logger.warn("ignored a malformed settings notification");
  }
}

/** Subscribe to changes from every process. Starts the listener on first use. */
export function onSettingsChange(fn: (c: SettingsChange | "reset") => void): () => void {
  const s = state();
  s.events.on("change", fn);
  startListener();
  return () => s.events.off("change", fn);
}

function startListener(): void {
  const s = state();
  if (s.started) return;
  s.started = true;
  const handle = dbHandle();
  if (handle.kind === "pglite") {
    let unlisten: (() => Promise<void>) | undefined;
    handle.pglite
      .listen(SETTINGS_CHANNEL, dispatch)
      .then((u) => {
        unlisten = u;
        // Anything cached before the listener was live may have missed a change.
        s.events.emit("change", "reset");
      })
      .catch((err) => logger.error({ err }, "settings listener failed on the embedded database"));
    s.stop = async () => unlisten?.();
    return;
  }
  // A dedicated connection, not a pooled one: LISTEN belongs to a session.
  let client: pg.Client | undefined;
  let stopped = false;
  let attempt = 0;
  const connect = async (): Promise<void> => {
    if (stopped) return;
    const c = new pg.Client({ connectionString: handle.url });
    client = c;
    const retry = () => {
      if (stopped || client !== c) return;
      client = undefined;
      // Missed notifications are possible while disconnected: drop everything cached.
      s.events.emit("change", "reset");
      const delay = Math.min(30_000, 250 * 2 ** attempt++);
      setTimeout(() => void connect(), delay).unref();
    };
    c.on("error", (err) => {
      logger.warn({ err: err.message }, "settings listener connection lost; reconnecting");
      c.end().catch(() => {});
      retry();
    });
    c.on("end", retry);
    c.on("notification", (msg) => {
      if (msg.channel === SETTINGS_CHANNEL) dispatch(msg.payload);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${SETTINGS_CHANNEL}`);
      // Changes committed before LISTEN took effect were not delivered: drop what was cached.
      s.events.emit("change", "reset");
      attempt = 0;
    } catch (err) {
      if (stopped) return;
      logger.warn({ err: (err as Error).message }, "settings listener could not connect; retrying");
      c.end().catch(() => {});
      retry();
    }
  };
  void connect();
  s.stop = async () => {
    stopped = true;
    await client?.end().catch(() => {});
  };
}

/** Tests: stop listening (before closing the database). */
export async function stopSettingsListener(): Promise<void> {
  const s = state();
  await s.stop?.();
  s.started = false;
  s.stop = undefined;
  s.events.removeAllListeners();
  // The settings cache subscribed to these events; without them it must not be used again.
  delete (globalThis as { __patchbaySettingsCache?: unknown }).__patchbaySettingsCache;
}
