import "server-only";
import type { CircuitBreakerPolicy } from "cockatiel";
import type { Agent } from "undici";

export type LookupAddress = { address: string; family: number };
/**
 * Resolves a hostname to all its addresses. `phase` says who asks: "check" for assertPublicHost,
 * "connect" for the socket egressFetch is about to open. Tests inject one to simulate DNS rebinding.
 */
export type EgressLookup = (hostname: string, phase: "check" | "connect") => Promise<readonly LookupAddress[]>;

export type EgressResultEvent = {
  breakerKey?: string;
  connectionId?: string | null;
  /** The service answered with a status below 500 (4xx included: it is reachable and talking). */
  ok: boolean;
  status?: number;
  kind?: string;
  ms: number;
};

export type BreakerEntry = { policy: CircuitBreakerPolicy; halfOpenAfterMs: number; openedAt?: number };

type EgressState = {
  lookup?: EgressLookup;
  halfOpenAfterMs?: number;
  agents: Map<string, Agent>;
  breakers: Map<string, BreakerEntry>;
  listeners: Set<(e: EgressResultEvent) => void>;
  breakerListeners: Set<(key: string, state: "closed" | "open" | "half-open") => void>;
};

// Process-wide, on globalThis: Next bundles route handlers, pages and workers separately, and
// circuit breakers, pooled connections and health subscribers must be shared by all of them.
type GlobalWithEgress = typeof globalThis & { __patchbayEgress?: EgressState };
const g = globalThis as GlobalWithEgress;

export const egressState: EgressState = (g.__patchbayEgress ??= {
  agents: new Map(),
  breakers: new Map(),
  listeners: new Set(),
  breakerListeners: new Set(),
});
// A state object made by an older bundle of this module (hot reload) lacks the newer field.
egressState.breakerListeners ??= new Set();
