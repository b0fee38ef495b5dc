// GET /api/health – liveness; with ?ready=1 readiness: database, migrations, job queue and live workers (503 naming what fails)
import { boot } from "@/lib/boot";
import { readiness } from "@/lib/metrics/readiness";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  const ready = new URL(request.url).searchParams.get("ready");
  if (!ready) return Response.json({ status: "ok" });
  await boot(); // normally done at start-up (instrumentation); a failed boot ends the process
  const r = await readiness();
  const headers = { "cache-control": "no-store" };
  if (r.ok) return Response.json({ status: "ok", checks: r.checks }, { headers });
  return Response.json({ status: "unavailable", failing: r.failing, error: { code: "unavailable", message: `Not ready: ${r.failing.join(", ")} failing.` }, checks: r.checks }, { status: 503, headers });
}
