import "server-only";
import { getDb } from "@/db/client";
import { getVisibleConnection, listSecretRows, lockVisibleConnection, upsertSecret, type ConnectionRow } from "@/db/queries/integrations";
import { getOrgDelivery, lockDelivery, OUTBOUND_PROVIDER_KEY, updateDelivery } from "@/db/queries/webhook-deliveries";
import { recordAudit } from "@/lib/audit";
import type { Actor, OrgRef } from "@/lib/connections/service";
import { AppError } from "@/lib/errors";
import { publishEvent } from "@/lib/events/publish";
import { enqueue, getBoss } from "@/lib/jobs/boss";
import { openSecret, sealSecret } from "@/lib/lockbox";
import { generateWebhookSecret, PREVIOUS_SECRET_FIELD } from "@/lib/providers/outbound-webhook";
import { emitEvent } from "@/lib/runtime/events";
import { invalidateLocally, notifySettingsChanged } from "@/lib/settings/invalidation";
import { PREVIOUS_SECRET_TTL_MS } from "./outbound-rules";

const SIGNING_SECRET_FIELD = "signingSecret";

function assertEndpoint(row: ConnectionRow | undefined): ConnectionRow {
  if (!row) throw new AppError("not_found", "That connection does not exist.");
  if (row.providerKey !== OUTBOUND_PROVIDER_KEY) throw new AppError("bad_request", `"${row.name}" is not an outbound webhook.`);
  return row;
}

function assertCanChange(row: ConnectionRow, actor: Actor) {
  if (row.orgId === null && !actor.isPlatformAdmin) throw new AppError("forbidden", "This connection is platform-wide. Only a platform admin can change it.");
}

/** Until when the previous signing secret still signs deliveries, or null when there is none. */
export async function previousSecretValidUntil(connectionId: string, now = new Date()): Promise<Date | null> {
  const row = (await listSecretRows(connectionId)).find((s) => s.field === PREVIOUS_SECRET_FIELD);
  return row?.expiresAt && row.expiresAt > now ? row.expiresAt : null;
}

/**
 * Replace an endpoint's signing secret with a fresh one. The old secret is kept, sealed, as
 * previousSigningSecret for 24 h: deliveries carry both signatures meanwhile, so the receiver can
 * switch secrets without rejecting anything. A second rotation within 24 h drops the oldest secret.
 */
export async function rotateSigningSecret(input: { org: OrgRef; actor: Actor; connectionId: string; ip: string | null; now?: Date }): Promise<{ previousValidUntil: Date }> {
  const now = input.now ?? new Date();
  const validUntil = new Date(now.getTime() + PREVIOUS_SECRET_TTL_MS);
  const row = await getDb().transaction(async (tx) => {
    const row = assertEndpoint(await lockVisibleConnection(input.org.id, input.connectionId, tx));
    assertCanChange(row, input.actor);
    const current = (await listSecretRows(row.id, tx)).find((s) => s.field === SIGNING_SECRET_FIELD);
    if (current) {
      const old = await openSecret({ orgId: row.orgId, integrationId: row.id, field: current.field, ciphertext: current.ciphertext }, tx);
      const sealedOld = await sealSecret(tx, { orgId: row.orgId, integrationId: row.id, field: PREVIOUS_SECRET_FIELD }, old);
      await upsertSecret({ integrationId: row.id, field: PREVIOUS_SECRET_FIELD, scope: sealedOld.scope, ciphertext: sealedOld.ciphertext, dekVersion: sealedOld.dekVersion, updatedBy: input.actor.id, expiresAt: validUntil }, tx);
    }
    const sealed = await sealSecret(tx, { orgId: row.orgId, integrationId: row.id, field: SIGNING_SECRET_FIELD }, generateWebhookSecret());
    await upsertSecret({ integrationId: row.id, field: SIGNING_SECRET_FIELD, scope: sealed.scope, ciphertext: sealed.ciphertext, dekVersion: sealed.dekVersion, updatedBy: input.actor.id }, tx);
    await recordAudit(tx, {
      orgId: input.org.id,
      actor: input.actor,
      action: "connection.secret_rotated",
      target: { type: "connection", id: row.id },
      metadata: { provider: row.providerKey, field: SIGNING_SECRET_FIELD, previousValidUntil: current ? validUntil.toISOString() : null },
      ip: input.ip,
    });
    await notifySettingsChanged(tx, { providerKey: row.providerKey, orgId: row.orgId, connectionId: row.id });
    return row;
  });
  invalidateLocally({ providerKey: row.providerKey, orgId: row.orgId, connectionId: row.id });
  return { previousValidUntil: validUntil };
}

/** One more attempt of a delivery, now, with the same message id (after a fix on the receiver's side). */
export async function resendDelivery(input: { org: OrgRef; actor: Actor; deliveryId: string; ip: string | null }): Promise<{ deliveryId: string }> {
  const delivery = await getOrgDelivery(input.org.id, input.deliveryId);
  if (!delivery) throw new AppError("not_found", "That delivery does not exist.");
  const endpoint = assertEndpoint(await getVisibleConnection(input.org.id, delivery.integrationId));
  if (!endpoint.enabled || endpoint.status !== "active") throw new AppError("conflict", `The endpoint "${endpoint.name}" is disabled. Enable it, then resend.`);
  // A retry queued for later would hold the delivery's singleton slot: drop it, this attempt replaces it.
  const boss = await getBoss();
  const queued = await boss.findJobs("outbound-delivery", { key: delivery.id, queued: true });
  if (queued.length) await boss.deleteJob("outbound-delivery", queued.map((j) => j.id));
  await getDb().transaction(async (tx) => {
    const cur = await lockDelivery(delivery.id, tx);
    if (!cur) throw new AppError("not_found", "That delivery was deleted meanwhile.");
    await updateDelivery(cur.id, { status: "pending", nextAttemptAt: new Date() }, tx);
    const job = await enqueue("outbound-delivery", { deliveryId: cur.id, orgId: cur.orgId, attempt: cur.attempts }, { tx, singletonKey: cur.id });
    if (!job) throw new AppError("conflict", "An attempt of this delivery is running right now. Try again in a few seconds.");
    await recordAudit(tx, { orgId: input.org.id, actor: input.actor, action: "webhook_delivery.resent", target: { type: "webhook_delivery", id: cur.id }, metadata: { connectionId: cur.integrationId, messageId: cur.messageId, eventType: cur.eventType, previousStatus: cur.status }, ip: input.ip });
    await publishEvent(tx, { orgId: cur.orgId, type: "delivery.updated", data: { deliveryId: cur.id, connectionId: cur.integrationId, status: "pending", attempts: cur.attempts } });
  });
  return { deliveryId: delivery.id };
}

/** Emit a `patchbay.test` event to one endpoint only, whatever its event-type filter. */
export async function sendTestEvent(input: { org: OrgRef; actor: Actor; connectionId: string; ip: string | null }): Promise<{ messageId: string; deliveryId: string }> {
  const endpoint = assertEndpoint(await getVisibleConnection(input.org.id, input.connectionId));
  if (endpoint.orgId === null) throw new AppError("bad_request", "Platform-wide endpoints receive no organization's events; only health alerts go there.");
  if (!endpoint.enabled || endpoint.status !== "active") throw new AppError("conflict", `The endpoint "${endpoint.name}" is disabled. Enable it, then send a test event.`);
  await getBoss();
  return getDb().transaction(async (tx) => {
    const r = await emitEvent(input.org.id, "patchbay.test", { message: "Test event from Patchbay: your endpoint receives signed events.", connectionId: endpoint.id, sentBy: input.actor.email }, { tx, connectionId: endpoint.id });
    if (r.deliveries !== 1) throw new AppError("conflict", `The endpoint "${endpoint.name}" is not ready to receive events.`);
    await recordAudit(tx, { orgId: input.org.id, actor: input.actor, action: "webhook.test_sent", target: { type: "connection", id: endpoint.id }, metadata: { provider: endpoint.providerKey, messageId: r.messageId }, ip: input.ip });
    return { messageId: r.messageId, deliveryId: r.deliveryIds[0]! };
  });
}
