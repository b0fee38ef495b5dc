import "server-only";
import { healthRowsFor, insertSignals, setBreakerState } from "@/db/queries/health";
import type { healthChecks } from "@/db/schema";
import { onTokenRefresh } from "@/lib/connect/events";
import { onBreakerChange, onEgressResult } from "@/lib/http";
import { logger } from "@/lib/logger";
import { insideProbe } from "@/lib/http/probe";
import { reassessFromSignals } from "./check";

type SignalRow = typeof healthChecks.$inferInsert;
type Passive = { buffer: SignalRow[]; timer?: NodeJS.Timeout; unsubscribe?: () => void; flushing?: Promise<void> };
type GlobalWithPassive = typeof globalThis & { __patchbayPassive?: Passive };
const g = globalThis as GlobalWithPassive;

const FLUSH_MS = 2_000;
const MAX_BUFFER = 5_000;

function state(): Passive {
  return (g.__patchbayPassive ??= { buffer: [] });
}

function push(row: SignalRow) {
  const s = state();
  if (s.buffer.length >= MAX_BUFFER) s.buffer.shift(); // under a flood, keep the newest
  s.buffer.push(row);
}

/** Write buffered signals and reassess the connections that saw failures or are not healthy. */
export async function flushPassiveSignals(): Promise<void> {
  const s = state();
  if (s.flushing) await s.flushing;
  const batch = s.buffer.splice(0);
  if (!batch.length) return;
  s.flushing = (async () => {
    try {
      // A connection deleted meanwhile would fail the whole insert on its foreign key.
      const owners = new Map((await healthRowsFor([...new Set(batch.map((r) => r.integrationId))])).map((r) => [r.integrationId, r.orgId]));
      const rows = batch.filter((r) => owners.has(r.integrationId)).map((r) => ({ ...r, orgId: owners.get(r.integrationId) ?? null }));
      await insertSignals(rows);
      const touched = new Set(rows.filter((r) => !r.ok).map((r) => r.integrationId));
      for (const id of touched) await reassessFromSignals(id);
    } catch (err) {
      logger.warn({ err }, "passive health signals could not be stored");
    }
  })();
  await s.flushing;
  s.flushing = undefined;
}

/**
 * Passive health: every egress call a connection makes (outside its own health check), every
 * token refresh and every circuit-breaker change is recorded, so a connection that fails in use
 * turns degraded without waiting for its next scheduled check. Once per process.
 */
export function startPassiveHealth(): void {
  const s = state();
  if (s.unsubscribe) return;
  const offCalls = onEgressResult((e) => {
    if (!e.connectionId || insideProbe()) return;
    push({ integrationId: e.connectionId, orgId: null, kind: "call", trigger: "passive", ok: e.ok, status: e.ok ? "ok" : e.kind === "timeout" ? "timeout" : "unavailable", latencyMs: Math.round(e.ms), message: e.status ? `HTTP ${e.status}` : (e.kind ?? null) });
  });
  const offRefresh = onTokenRefresh((e) => {
    push({ integrationId: e.connectionId, orgId: e.orgId, kind: "refresh", trigger: "passive", ok: e.ok, status: e.ok ? "ok" : e.reauth ? "auth" : "error", latencyMs: e.ms, message: e.message?.slice(0, 500) ?? null });
  });
  const offBreaker = onBreakerChange((key, breaker) => {
    void setBreakerState(key, breaker).catch(() => {});
  });
  s.timer = setInterval(() => void flushPassiveSignals(), FLUSH_MS);
  s.timer.unref();
  s.unsubscribe = () => {
    offCalls();
    offRefresh();
    offBreaker();
    clearInterval(s.timer);
    s.unsubscribe = undefined;
  };
}

export function stopPassiveHealth(): void {
  state().unsubscribe?.();
}
