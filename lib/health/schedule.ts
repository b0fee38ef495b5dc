import "server-only";
import { and, eq, lte, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { claimDueChecks, pruneSignals, pruneWorkerHeartbeats } from "@/db/queries/health";
import { listRunningRotations } from "@/db/queries/encryption-keys";
import { integrations, integrationSecrets } from "@/db/schema";
import { ACCESS_TOKEN_FIELD } from "@/lib/connect/oauth";
import { enqueue } from "@/lib/jobs/boss";
import { logger } from "@/lib/logger";
import { resumeStalledDeliveries } from "@/lib/webhooks/outbound";

/** Checks queued per tick at most; the rest stay due and go next tick. */
export const CHECKS_PER_TICK = 500;
/** Health rows are kept this long (the dashboard shows up to 7 days). */
export const RETENTION_DAYS = 8;

/** Queue a check for every connection whose next check is due. One job per connection (singleton key). */
export async function scheduleDueChecks(): Promise<number> {
  const due = await claimDueChecks(CHECKS_PER_TICK);
  let queued = 0;
  for (const d of due) {
    if (await enqueue("health-check", { connectionId: d.connectionId, orgId: d.orgId, trigger: "scheduled" }, { singletonKey: d.connectionId })) queued++;
  }
  if (due.length) logger.debug({ due: due.length, queued }, "health checks queued");
  return queued;
}

/** Queue a refresh for every OAuth connection whose access token expires within `withinMs`. */
export async function scheduleTokenRefreshes(withinMs = 10 * 60_000): Promise<number> {
  const rows = await getDb()
    .select({ id: integrations.id, orgId: integrations.orgId })
    .from(integrationSecrets)
    .innerJoin(integrations, eq(integrations.id, integrationSecrets.integrationId))
    .where(
      and(
        eq(integrationSecrets.field, ACCESS_TOKEN_FIELD),
        lte(integrationSecrets.expiresAt, new Date(Date.now() + withinMs)),
        eq(integrations.enabled, true),
        sql`${integrations.status} <> 'needs_reauth'`,
      ),
    )
    .limit(1000);
  let queued = 0;
  for (const r of rows) if (await enqueue("token-refresh", { connectionId: r.id, orgId: r.orgId }, { singletonKey: r.id })) queued++;
  return queued;
}

/** Housekeeping once a minute: orphaned key rotations go back on the queue, old rows go. */
export async function runMaintenance(): Promise<void> {
  for (const r of await listRunningRotations()) await enqueue("key-rotation", { rotationId: r.id, orgId: r.orgId }, { singletonKey: r.id });
  const cutoff = new Date(Date.now() - RETENTION_DAYS * 86_400_000);
  for (let i = 0; i < 20; i++) if ((await pruneSignals(cutoff, 5_000)) < 5_000) break;
  await pruneWorkerHeartbeats();
  // Outbound deliveries whose job was lost (a worker killed mid-attempt) go back on the queue.
  await resumeStalledDeliveries();
}
