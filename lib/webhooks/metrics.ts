import "server-only";
import { Counter } from "prom-client";
import { metricsRegistry, registerOnce as once } from "@/lib/metrics/registry";

/** Inbound deliveries by HTTP answer class: what senders saw (202 stored or duplicate, 401, 404, 413, 503…). */
export const webhooksReceived = once(
  "patchbay_webhooks_received_total",
  () =>
    new Counter({
      name: "patchbay_webhooks_received_total",
      help: "Inbound webhook deliveries by the answer they got: stored, duplicate, rejected (401), not_found, too_large, unavailable (503), other.",
      labelNames: ["outcome"] as const,
      registers: [metricsRegistry],
    }),
);

/** Outbound delivery attempts by result. */
export const webhookAttempts = once(
  "patchbay_webhook_delivery_attempts_total",
  () =>
    new Counter({
      name: "patchbay_webhook_delivery_attempts_total",
      help: "Outbound webhook delivery attempts by result (ok: 2xx; failed: anything else).",
      labelNames: ["result"] as const,
      registers: [metricsRegistry],
    }),
);

/** Set by ingest on its 202s, so counting never re-reads a response body on the hot path. */
const storedOutcome = new WeakMap<Response, "stored" | "duplicate">();

export function tagStored(response: Response, duplicate: boolean): Response {
  storedOutcome.set(response, duplicate ? "duplicate" : "stored");
  return response;
}

export function countInbound(response: Response): Response {
  let outcome = "other";
  if (response.status === 202) outcome = storedOutcome.get(response) ?? "stored";
  else if (response.status === 200) outcome = "handshake";
  else if (response.status === 401) outcome = "rejected";
  else if (response.status === 404) outcome = "not_found";
  else if (response.status === 413) outcome = "too_large";
  else if (response.status === 503) outcome = "unavailable";
  webhooksReceived.inc({ outcome });
  return response;
}
