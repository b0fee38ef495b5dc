import "server-only";
import { Counter, Histogram } from "prom-client";
import { metricsRegistry, registerOnce as once } from "@/lib/metrics/registry";

export const checkLatency = once(
  "patchbay_health_check_duration_seconds",
  () =>
    new Histogram({
      name: "patchbay_health_check_duration_seconds",
      help: "Duration of connection health checks (the provider's test), by provider and outcome.",
      labelNames: ["provider", "outcome"] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [metricsRegistry],
    }),
);

export const healthTransitions = once(
  "patchbay_health_transitions_total",
  () =>
    new Counter({
      name: "patchbay_health_transitions_total",
      help: "Connection health status changes, by the status entered.",
      labelNames: ["to"] as const,
      registers: [metricsRegistry],
    }),
);
