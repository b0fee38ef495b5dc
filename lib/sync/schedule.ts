import "server-only";
import { listDueStreams } from "@/db/queries/sync";
import { getDb } from "@/db/client";
import { syncStreams } from "@/db/schema";
import { eq, sql } from "drizzle-orm";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { requestSyncRun } from "./service";

/**
 * The sync tick: an incremental run (full when the stream cannot do incremental: requestSyncRun
 * says so and it is retried as full) for each enabled stream whose schedule is due. The stream's
 * next_run_at moves forward first, so a failing stream does not hammer its provider every minute.
 */
export async function scheduleDueSyncs(): Promise<{ queued: number; skipped: number }> {
  let queued = 0;
  let skipped = 0;
  for (const s of await listDueStreams()) {
    await getDb()
      .update(syncStreams)
      .set({ nextRunAt: sql`now() + make_interval(mins => ${s.scheduleMinutes ?? 60})` })
      .where(eq(syncStreams.id, s.id));
    if (!s.orgId) continue;
    try {
      let r;
      try {
        r = await requestSyncRun({ orgId: s.orgId, streamId: s.id, mode: "incremental", trigger: "schedule", requestedBy: null });
      } catch (e) {
        if (!(isAppError(e) && /only supports full runs/.test(e.message))) throw e;
        r = await requestSyncRun({ orgId: s.orgId, streamId: s.id, mode: "full", trigger: "schedule", requestedBy: null });
      }
      if (r.existing) skipped++;
      else queued++;
    } catch (e) {
      skipped++;
      logger.warn({ streamId: s.id, err: (e as Error).message }, "scheduled sync not queued");
    }
  }
  return { queued, skipped };
}
