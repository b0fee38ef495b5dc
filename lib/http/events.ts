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
