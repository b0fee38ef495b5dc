import "server-only";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { alertChannels, healthStatusChanges, integrations } from "@/db/schema";
import { logger } from "@/lib/logger";
import { sendEmail } from "@/lib/runtime/email";
import { env } from "@/lib/env";

/** Deliver the alert for one status transition through every enabled channel of its organization. */
export async function deliverAlert(changeId: number): Promise<void> {
  const [change] = await getDb()
    .select({ id: healthStatusChanges.id, orgId: healthStatusChanges.orgId, from: healthStatusChanges.fromStatus, to: healthStatusChanges.toStatus, reason: healthStatusChanges.reason, at: healthStatusChanges.at, alertedAt: healthStatusChanges.alertedAt, connectionId: integrations.id, name: integrations.name, providerKey: integrations.providerKey })
    .from(healthStatusChanges)
    .innerJoin(integrations, eq(integrations.id, healthStatusChanges.integrationId))
    .where(eq(healthStatusChanges.id, changeId))
    .limit(1);
  if (!change?.orgId || change.alertedAt) return;
  const channels = await getDb()
    .select({ id: alertChannels.id, integrationId: alertChannels.integrationId, target: alertChannels.target, providerKey: integrations.providerKey })
    .from(alertChannels)
    .innerJoin(integrations, eq(integrations.id, alertChannels.integrationId))
    .where(and(eq(alertChannels.orgId, change.orgId), eq(alertChannels.enabled, true)));
  const link = `${env().AUTH_URL ?? `http://localhost:${env().PORT}`}/connections/${change.connectionId}`;
  const subject = `[Patchbay] ${change.name} is ${change.to}`;
  const text = `${change.name} (${change.providerKey}) changed from ${change.from} to ${change.to} at ${change.at.toISOString()}.\n\n${change.reason ?? ""}\n\nOpen the connection: ${link}\n`;
  for (const ch of channels) {
    const to = ch.target.split(",").map((s) => s.trim()).filter(Boolean);
    await sendEmail({ orgId: change.orgId, connectionId: ch.integrationId, to, subject, text });
  }
  await getDb().update(healthStatusChanges).set({ alertedAt: new Date() }).where(eq(healthStatusChanges.id, changeId));
  logger.info({ changeId, channels: channels.length }, "health alert delivered");
}
