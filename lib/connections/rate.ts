import "server-only";
import { getConnectionRate } from "@/db/queries/sync";
import { configureThrottle } from "@/lib/http";

type GlobalWithRates = typeof globalThis & { __patchbayRateRead?: Map<string, number> };
const rateReadAt = ((globalThis as GlobalWithRates).__patchbayRateRead ??= new Map());
const REREAD_MS = 15_000;

/**
 * Load a connection's requests-per-second setting into the egress throttle (lib/http/throttle),
 * where a sync, a "Test" and getClient calls on that connection share it. Read again at most every
 * 15 s, so a changed setting reaches every process soon without a query per call.
 */
export async function applyConnectionRate(orgId: string | null, connectionId: string, opts: { force?: boolean } = {}): Promise<void> {
  const last = rateReadAt.get(connectionId);
  if (!opts.force && last !== undefined && Date.now() - last < REREAD_MS) return;
  configureThrottle(connectionId, await getConnectionRate(orgId, connectionId));
  rateReadAt.set(connectionId, Date.now());
}
