import "server-only";
import { Counter, Gauge, Histogram, type Metric } from "prom-client";
import { metricsRegistry } from "@/lib/metrics/registry";

// Metrics are registered once per process: a second bundle importing this module finds the
// metric already in the shared registry and reuses it (registering a name twice throws).
function once<T extends Metric>(name: string, create: () => T): T {
  return (metricsRegistry.getSingleMetric(name) as T | undefined) ?? create();
}

export type EgressOutcome =
  | "1xx"
  | "2xx"
  | "3xx"
  | "4xx"
  | "5xx"
  | "timeout"
  | "network"
  | "blocked"
  | "circuit_open"
  | "too_large"
  | "aborted";

export const egressRequests = once(
  "patchbay_egress_requests_total",
  () =>
    new Counter({
      name: "patchbay_egress_requests_total",
      help: "Outgoing HTTP calls made by Patchbay, by provider and outcome (status class or failure kind).",
      labelNames: ["provider", "outcome"] as const,
      registers: [metricsRegistry],
    }),
);

export const egressDuration = once(
  "patchbay_egress_duration_seconds",
  () =>
    new Histogram({
      name: "patchbay_egress_duration_seconds",
      help: "Duration of outgoing HTTP calls including retries, redirects and reading the body.",
      labelNames: ["provider"] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [metricsRegistry],
    }),
);

export const egressBreakerOpen = once(
  "patchbay_egress_breaker_open",
  () =>
    new Gauge({
      name: "patchbay_egress_breaker_open",
      help: "1 while the circuit breaker for this key is open or probing (half-open), 0 once closed.",
      labelNames: ["key"] as const,
      registers: [metricsRegistry],
    }),
);
