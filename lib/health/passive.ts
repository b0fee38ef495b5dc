import "server-only";
import { healthRowsFor, healthStatusOf, insertSignals, setBreakerState } from "@/db/queries/health";
import type { healthChecks } from "@/db/schema";
import { onTokenRefresh } from "@/lib/connect/events";
import { onBreakerChange, onEgressResult } from "@/lib/http";
import { logger } from "@/lib/logger";
import { insideProbe } from "@/lib/http/probe";
import { reassessFromSignals } from "./check";

type SignalRow = typeof healthChecks.$inferInsert;
type Passive = { buffer: SignalRow[]; inbound: Map<string, number>; timer?: NodeJS.Timeout; unsubscribe?: () => void; flushing?: Promise<void> };
type GlobalWithPassive = typeof globalThis & { __patchbayPassive?: Passive };
const g = globalThis as GlobalWithPassive;

const FLUSH_MS = 2_000;
const MAX_BUFFER = 5_000;

function state(): Passive {
  const s = (g.__patchbayPassive ??= { buffer: [], inbound: new Map() });
  s.inbound ??= new Map();
  return s;
}

function push(row: SignalRow) {
  const s = state();
  if (s.buffer.length >= MAX_BUFFER) s.buffer.shift(); // under a flood, keep the newest
  s.buffer.push(row);
}

/**
 * A delivery for this connection passed signature verification: evidence that the sender reaches
 * us and the secret matches. Counted in memory only (the webhook route writes nothing more); each
 * flush stores one 'inbound' signal per connection with the count.
 */
export function recordInboundWebhook(connectionId: string): void {
  const m = state().inbound;
  if (m.size >= MAX_BUFFER && !m.has(connectionId)) return;
  m.set(connectionId, (m.get(connectionId) ?? 0) + 1);
}

/** Write buffered signals and reassess the connections that saw failures or are not healthy. */
export async function flushPassiveSignals(): Promise<void> {
  const s = state();
  if (s.flushing) await s.flushing;
  const batch = s.buffer.splice(0);
  const inbound = [...s.inbound];
  s.inbound.clear();
  for (const [integrationId, n] of inbound) {
    batch.push({ integrationId, orgId: null, kind: "inbound", trigger: "passive", ok: true, status: "ok", latencyMs: 0, message: `${n} verified inbound webhook ${n === 1 ? "delivery" : "deliveries"}` });
  }
  if (!batch.length) return;
  s.flushing = (async () => {
    try {
      // A connection deleted meanwhile would fail the whole insert on its foreign key.
      const owners = new Map((await healthRowsFor([...new Set(batch.map((r) => r.integrationId))])).map((r) => [r.integrationId, r.orgId]));
      // Inbound traffic also arrives for connections never checked yet (no health row): look those up directly.
      const inboundOwners = await healthStatusOf([...new Set(batch.filter((r) => r.kind === "inbound").map((r) => r.integrationId))]);
      for (const c of inboundOwners) owners.set(c.id, c.orgId);
      const rows = batch.filter((r) => owners.has(r.integrationId)).map((r) => ({ ...r, orgId: owners.get(r.integrationId) ?? null }));
      await insertSignals(rows);
      // Failures can degrade a connection; inbound traffic can show that a never-checked one is alive.
      const unknown = new Set(inboundOwners.filter((c) => c.healthStatus === "unknown").map((c) => c.id));
      const touched = new Set(rows.filter((r) => !r.ok || unknown.has(r.integrationId)).map((r) => r.integrationId));
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
