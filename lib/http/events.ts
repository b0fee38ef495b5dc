import "server-only";
import { logger } from "@/lib/logger";
import { egressState, type EgressResultEvent } from "@/lib/http/state";

export type { EgressResultEvent };

/**
 * Passive signal: `fn` is called once per egressFetch call with its outcome (the health module uses it to
 * mark connections degraded without probing them). Returns the unsubscribe function.
 */
export function onEgressResult(fn: (e: EgressResultEvent) => void): () => void {
  egressState.listeners.add(fn);
  return () => {
    egressState.listeners.delete(fn);
  };
}

export function emitEgressResult(e: EgressResultEvent): void {
  for (const fn of egressState.listeners) {
    try {
      fn(e);
    } catch (err) {
      logger.warn({ err }, "[integration] an onEgressResult subscriber threw");
    }
  }
}

/** Called when a circuit breaker opens, half-opens or closes (the health module persists it). */
export function onBreakerChange(fn: (key: string, state: "closed" | "open" | "half-open") => void): () => void {
  egressState.breakerListeners.add(fn);
  return () => {
    egressState.breakerListeners.delete(fn);
  };
}

export function emitBreakerChange(key: string, state: "closed" | "open" | "half-open"): void {
  for (const fn of egressState.breakerListeners) {
    try {
      fn(key, state);
    } catch (err) {
      logger.warn({ err }, "[integration] an onBreakerChange subscriber threw");
    }
  }
}
