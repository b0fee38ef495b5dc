import "server-only";
import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from "cockatiel";
import { isEgressError } from "@/lib/http/errors";
import { egressBreakerOpen } from "@/lib/http/metrics";
import { egressState, type BreakerEntry } from "@/lib/http/state";
import { emitBreakerChange } from "@/lib/http/events";

export const BREAKER_FAILURES = 5;
export const BREAKER_HALF_OPEN_AFTER_MS = 30_000;

export type BreakerState = "closed" | "open" | "half-open";

/** A failure for the breaker: the service did not answer (timeout, connection error) or answered 5xx. */
function isUnavailable(error: unknown): boolean {
  return isEgressError(error) && (error.kind === "timeout" || error.kind === "network");
}

function isServerError(result: unknown): boolean {
  return typeof result === "object" && result !== null && "status" in result && typeof result.status === "number" && result.status >= 500;
}

/** The breaker for a key (e.g. a connection id), created closed on first use. */
export function breakerFor(key: string): BreakerEntry {
  const existing = egressState.breakers.get(key);
  if (existing) return existing;
  const halfOpenAfterMs = egressState.halfOpenAfterMs ?? BREAKER_HALF_OPEN_AFTER_MS;
  const policy = circuitBreaker(handleWhen(isUnavailable).orWhenResult(isServerError), {
    halfOpenAfter: halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(BREAKER_FAILURES),
  });
  const entry: BreakerEntry = { policy, halfOpenAfterMs };
  policy.onBreak(() => {
    entry.openedAt = Date.now();
    egressBreakerOpen.set({ key }, 1);
    emitBreakerChange(key, "open");
  });
  policy.onHalfOpen(() => emitBreakerChange(key, "half-open"));
  policy.onReset(() => {
    entry.openedAt = undefined;
    egressBreakerOpen.set({ key }, 0);
    emitBreakerChange(key, "closed");
  });
  egressState.breakers.set(key, entry);
  return entry;
}

function stateOf(entry: BreakerEntry): BreakerState {
  switch (entry.policy.state) {
    case CircuitState.Closed:
      return "closed";
    case CircuitState.HalfOpen:
      return "half-open";
    default:
      // cockatiel moves Open → HalfOpen lazily, on the next call; report what that call would see.
      return entry.openedAt !== undefined && Date.now() - entry.openedAt >= entry.halfOpenAfterMs ? "half-open" : "open";
  }
}

/** closed: calls go through; open: calls fail at once with circuit_open; half-open: the next call is a probe. */
export function breakerState(key: string): BreakerState {
  const entry = egressState.breakers.get(key);
  return entry ? stateOf(entry) : "closed";
}

/** Every breaker this process has created, by key. */
export function breakerStates(): Record<string, BreakerState> {
  const out: Record<string, BreakerState> = {};
  for (const [key, entry] of egressState.breakers) out[key] = stateOf(entry);
  return out;
}

/** Seconds until an open breaker lets a probe through (for Retry-After on circuit_open). */
export function breakerRetryAfterSeconds(key: string): number {
  const entry = egressState.breakers.get(key);
  if (!entry?.openedAt) return Math.ceil(BREAKER_HALF_OPEN_AFTER_MS / 1000);
  return Math.max(1, Math.ceil((entry.openedAt + entry.halfOpenAfterMs - Date.now()) / 1000));
}

/** Forget a key's breaker (a health check just succeeded): the next call starts closed. */
export function resetBreaker(key: string): void {
  const entry = egressState.breakers.get(key);
  if (!entry) return;
  egressState.breakers.delete(key);
  if (entry.openedAt !== undefined || entry.policy.state !== CircuitState.Closed) {
    egressBreakerOpen.set({ key }, 0);
    emitBreakerChange(key, "closed");
  }
}
