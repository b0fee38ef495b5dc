import "server-only";
import { Registry } from "prom-client";

// One registry per process. Next bundles route handlers, pages and instrumentation separately, so a
// module-level `new Registry()` would exist once per bundle; keeping it on globalThis makes every
// bundle register into, and /api/metrics read from, the same one.
type GlobalWithRegistry = typeof globalThis & { __patchbayMetricsRegistry?: Registry };
const g = globalThis as GlobalWithRegistry;

export const metricsRegistry: Registry = (g.__patchbayMetricsRegistry ??= new Registry());

/**
 * A metric registered once per process: a second bundle importing the defining module finds the
 * metric already in the shared registry and reuses it (registering a name twice throws).
 */
export function registerOnce<T extends import("prom-client").Metric>(name: string, create: () => T): T {
  return (metricsRegistry.getSingleMetric(name) as T | undefined) ?? create();
}
