import type { HealthStatus } from "@/db/schema/health";

/** One health signal, newest first in the inputs below. */
export type Signal = { ok: boolean; status: string; at: Date; kind?: string };

export type HealthInput = {
  enabled: boolean;
  /** integrations.status: needs_reauth means the user must reconnect. */
  connectionStatus: string;
  /** The most recent checks (scheduled or manual), newest first. */
  checks: Signal[];
  /**
   * Passive signals since the newest check, newest first: egress calls and token refreshes, and
   * verified inbound webhook deliveries (kind "inbound"). Inbound traffic shows the connection is
   * alive when nothing else was observed; it never outweighs failed egress calls or checks.
   */
  callsSinceCheck: Signal[];
  breaker: "closed" | "open" | "half-open";
};

export type HealthVerdict = { status: HealthStatus; reason: string };

/** Failed checks in a row before "degraded" becomes "failing": one blip is not an outage. */
export const FAILING_AFTER = 2;
/** Passive calls needed before their error rate counts, and the rate that degrades a connection. */
export const MIN_CALLS = 4;
export const DEGRADED_CALL_ERROR_RATE = 0.5;

function consecutiveFailures(checks: Signal[]): number {
  let n = 0;
  for (const c of checks) {
    if (c.ok) break;
    n++;
  }
  return n;
}

/**
 * One status per connection, from its latest checks and the passive signals since:
 * - disconnected: the provider rejected the credentials, or the connection needs reauthorization;
 * - failing: the last FAILING_AFTER checks failed;
 * - degraded: one failed check, or a passing check followed by many failed calls or an open breaker;
 * - healthy: the last check passed (a passing check clears failing/degraded at once);
 * - unknown: disabled, or nothing observed yet.
 */
export function computeHealth(input: HealthInput): HealthVerdict {
  if (!input.enabled) return { status: "unknown", reason: "The connection is disabled." };
  if (input.connectionStatus === "needs_reauth") return { status: "disconnected", reason: "The connection needs to be reauthorized." };
  const [last] = input.checks;
  const calls = input.callsSinceCheck.filter((c) => c.kind !== "inbound");
  const inbound = input.callsSinceCheck.some((c) => c.kind === "inbound" && c.ok);
  const failedCalls = calls.filter((c) => !c.ok).length;
  const callsBad = calls.length >= MIN_CALLS && failedCalls / calls.length >= DEGRADED_CALL_ERROR_RATE;
  if (!last) {
    if (callsBad) return { status: "degraded", reason: `${failedCalls} of the last ${calls.length} calls failed.` };
    if (calls.length) return { status: "healthy", reason: "Recent calls succeeded." };
    if (inbound) return { status: "healthy", reason: "Verified webhook deliveries are arriving." };
    return { status: "unknown", reason: "Not checked yet." };
  }
  if (!last.ok) {
    if (last.status === "auth") return { status: "disconnected", reason: "The provider rejected the credentials." };
    const failures = consecutiveFailures(input.checks);
    if (failures >= FAILING_AFTER) return { status: "failing", reason: `The last ${failures} checks failed.` };
    return { status: "degraded", reason: "The last check failed." };
  }
  if (input.breaker === "open") return { status: "degraded", reason: "The circuit breaker is open after repeated call failures." };
  if (callsBad) return { status: "degraded", reason: `${failedCalls} of the last ${calls.length} calls failed since the last check.` };
  return { status: "healthy", reason: "The last check passed." };
}
