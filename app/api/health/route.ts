// GET /api/health – liveness; with ?ready=1 also checks the database and migrations
import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { boot } from "@/lib/boot";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  const ready = new URL(request.url).searchParams.get("ready");
  if (!ready) return Response.json({ status: "ok" });
  try {
    await boot(); // ready means migrated
    const started = performance.now();
    await getDb().execute(sql`select 1`);
    return Response.json({ status: "ok", checks: { database: { ok: true, ms: Math.round(performance.now() - started) } } });
  } catch {
    return Response.json({ status: "unavailable", checks: { database: { ok: false } } }, { status: 503 });
  }
}
