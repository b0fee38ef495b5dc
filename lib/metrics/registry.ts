import "server-only";
import { Registry } from "prom-client";

// One registry per process. Next bundles route handlers, pages and instrumentation separately, so a
// module-level `new Registry()` would exist once per bundle; keeping it on globalThis makes every
// bundle register into, and /api/metrics read from, the same one.
type GlobalWithRegistry = typeof globalThis & { __patchbayMetricsRegistry?: Registry };
const g = globalThis as GlobalWithRegistry;

export const metricsRegistry: Registry = (g.__patchbayMetricsRegistry ??= new Registry());
