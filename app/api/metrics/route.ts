// GET /api/metrics – Prometheus metrics; needs `Authorization: Bearer <PATCHBAY_METRICS_TOKEN>` when that is set
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { registerCollectors } from "@/lib/metrics/collectors";
import { metricsRegistry } from "@/lib/metrics/registry";
import { bearerMatches } from "@/lib/metrics/token";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  const token = env().PATCHBAY_METRICS_TOKEN;
  // Unset token: open, for a Prometheus on the same private network. Set it whenever the port is reachable by others.
  if (token && !bearerMatches(request.headers.get("authorization"), token)) {
    const res = new AppError("unauthorized", "Send the metrics token as 'Authorization: Bearer <PATCHBAY_METRICS_TOKEN>'.").toResponse();
    res.headers.set("www-authenticate", 'Bearer realm="patchbay-metrics"');
    return res;
  }
  registerCollectors();
  return new Response(await metricsRegistry.metrics(), { headers: { "content-type": metricsRegistry.contentType, "cache-control": "no-store" } });
}
