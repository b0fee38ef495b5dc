import "server-only";
import { eq } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { hasAlertChannels, insertStatusChange, lockHealthRow, updateHealthRow } from "@/db/queries/health";
import type { ConnectionRow } from "@/db/queries/integrations";
import { integrations, type HealthStatus } from "@/db/schema";
import { recordAudit, type AuditActor } from "@/lib/audit";
import { enqueue } from "@/lib/jobs/boss";
import { publishEvent } from "@/lib/events/publish";
import { logger } from "@/lib/logger";
import { emitEvent } from "@/lib/runtime/events";
import { notifySettingsChanged } from "@/lib/settings/invalidation";
import { healthTransitions } from "./metrics";
import type { HealthVerdict } from "./status";

const SYSTEM: AuditActor = { id: null, email: null };

/** Whether a transition deserves an alert: into trouble, or out of it. Not first sightings or disabling. */
export function alertWorthy(from: HealthStatus, to: HealthStatus): boolean {
  if (to === "unknown") return false;
  if (from === "unknown" && to === "healthy") return false;
  return from !== to;
}

/**
 * Apply a verdict inside the caller's transaction: a changed status is stored on the connection,
 * recorded as a transition, audited, and (for an organization's connection) alerted once through
 * the alert queue, enqueued in this same transaction.
 */
export async function applyVerdict(tx: Tx, row: ConnectionRow, verdict: HealthVerdict): Promise<boolean> {
  const from = (row.healthStatus as HealthStatus) ?? "unknown";
  if (from === verdict.status) return false;
  await tx.update(integrations).set({ healthStatus: verdict.status }).where(eq(integrations.id, row.id));
  await updateHealthRow(row.id, { statusSince: new Date() }, tx);
  const changeId = await insertStatusChange({ integrationId: row.id, orgId: row.orgId, fromStatus: from, toStatus: verdict.status, reason: verdict.reason }, tx);
  await recordAudit(tx, {
    orgId: row.orgId,
    actor: SYSTEM,
    action: "connection.health_changed",
    target: { type: "connection", id: row.id },
    metadata: { provider: row.providerKey, from, to: verdict.status, reason: verdict.reason },
  });
  if (row.orgId && alertWorthy(from, verdict.status) && (await hasAlertChannels(row.orgId, tx))) await enqueue("alert-deliver", { changeId, orgId: row.orgId }, { tx, singletonKey: `change:${changeId}` });
  // Every process drops what it cached about this connection (settings, the home page's health
  // snapshot) when this commits: a worker process's verdict reaches the web processes at once.
  await notifySettingsChanged(tx, { providerKey: row.providerKey, orgId: row.orgId, connectionId: row.id });
  await publishEvent(tx, { orgId: row.orgId, type: "connection.health_changed", data: { connectionId: row.id, name: row.name, providerKey: row.providerKey, from, to: verdict.status } });
  // Outbound webhook endpoints that subscribe to it get the change too (same transaction).
  if (row.orgId) await emitEvent(row.orgId, "connection.health_changed", { connectionId: row.id, name: row.name, providerKey: row.providerKey, from, to: verdict.status, reason: verdict.reason }, { tx });
  healthTransitions.inc({ to: verdict.status });
  logger.info({ connectionId: row.id, provider: row.providerKey, from, to: verdict.status }, "connection health changed");
  return true;
}


/** The provider rejected the stored authorization: disconnected now, with its transition and alert. */
export async function markDisconnected(tx: Tx, row: ConnectionRow, reason: string): Promise<void> {
  await lockHealthRow(row.id, row.orgId, tx);
  await applyVerdict(tx, row, { status: "disconnected", reason });
}
