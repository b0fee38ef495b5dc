import "server-only";
import { closeAgents } from "@/lib/http/agent";
import { egressState, type EgressLookup } from "@/lib/http/state";

export type { EgressLookup, LookupAddress } from "@/lib/http/state";

/**
 * Tests only. `lookup` replaces DNS for both the check (assertPublicHost) and the connect phase;
 * `halfOpenAfterMs` applies to circuit breakers created afterwards. Pooled connections are closed so that
 * no socket opened under the previous hooks is reused.
 */
export async function setEgressTestHooks(hooks: { lookup?: EgressLookup; halfOpenAfterMs?: number }): Promise<void> {
  if ("lookup" in hooks) egressState.lookup = hooks.lookup;
  if ("halfOpenAfterMs" in hooks) egressState.halfOpenAfterMs = hooks.halfOpenAfterMs;
  await closeAgents();
}

/** Tests only: default DNS and breaker timing, no breakers, no pooled connections. */
export async function resetEgressForTests(): Promise<void> {
  egressState.lookup = undefined;
  egressState.halfOpenAfterMs = undefined;
  egressState.breakers.clear();
  await closeAgents();
}
