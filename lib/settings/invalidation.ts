import "server-only";
import { EventEmitter } from "node:events";
import { sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { listenChannel } from "@/lib/events/listen";
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
  // Whenever changes may have been missed (listener just live, connection lost): drop everything cached.
  const listener = listenChannel(SETTINGS_CHANNEL, { name: "settings", onNotification: dispatch, onReset: () => s.events.emit("change", "reset") });
  s.stop = () => listener.stop();
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
