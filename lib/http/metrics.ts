import "server-only";
import { Counter, Gauge, Histogram } from "prom-client";
import { metricsRegistry, registerOnce as once } from "@/lib/metrics/registry";

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
