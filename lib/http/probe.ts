import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";

type GlobalWithProbe = typeof globalThis & { __patchbayProbe?: AsyncLocalStorage<string> };
// One storage per process: the health worker and egressFetch may live in different bundles.
const probing = ((globalThis as GlobalWithProbe).__patchbayProbe ??= new AsyncLocalStorage<string>());

/** Run a connection's health check: its egress calls are the probe (not passive traffic, not stopped by an open breaker). */
export function runAsProbe<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
  return probing.run(connectionId, fn);
}

export function insideProbe(): boolean {
  return probing.getStore() !== undefined;
}
