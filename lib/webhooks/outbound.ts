import "server-only";
import { getDb, type Tx } from "@/db/client";
import { getConnectionForHealth } from "@/db/queries/health";
import { listSecretRows, lockVisibleConnection, updateConnectionRow, deleteSecret, type ConnectionRow } from "@/db/queries/integrations";
import { allowlistEntriesFor } from "@/db/queries/network";
import { webhookAttempts } from "./metrics";
import { cancelOpenDeliveries, failingSince, getDelivery, insertAttempt, listStalledDeliveries, lockDelivery, updateDelivery, type DeliveryRow } from "@/db/queries/webhook-deliveries";
import type { WebhookDeliveryStatus } from "@/db/schema";
import { recordAudit, type AuditActor } from "@/lib/audit";
import { publishEvent } from "@/lib/events/publish";
import { markDisconnected } from "@/lib/health/transition";
import { egressFetch, isEgressError, type EgressResponse } from "@/lib/http";
import { enqueue } from "@/lib/jobs/boss";
import { openSecret } from "@/lib/lockbox";
import { logger } from "@/lib/logger";
import { PREVIOUS_SECRET_FIELD, signWebhookDelivery, type OutboundWebhookSettings, type WebhookEvent } from "@/lib/providers/outbound-webhook";
import { loadConnectionSettings } from "@/lib/settings";
import { invalidateLocally, notifySettingsChanged } from "@/lib/settings/invalidation";
import { AUTO_DISABLE_AFTER_MS, DELIVERY_TIMEOUT_MS, nextAttemptDelay, parseRetryAfter } from "./outbound-rules";

const SYSTEM: AuditActor = { id: null, email: null };
const OPEN: ReadonlySet<WebhookDeliveryStatus> = new Set(["pending", "failed"]);
const EXCERPT_CHARS = 500;
/** Receivers answer with short acknowledgements; a longer answer is cut off (and not a failure). */
const MAX_RESPONSE_BYTES = 256 * 1024;

export type DeliverOptions = {
  /** The attempt's clock (tests drive the schedule with it): signature timestamp, attempt time, next attempt. */
  now?: Date;
  /** Default 15 s. */
  timeoutMs?: number;
  /** The delivery's attempt count when the job was queued: a job that is no longer current does nothing. */
  expectedAttempt?: number;
};

export type DeliveryOutcome =
  | { status: "skipped"; reason: string }
  | { status: Exclude<WebhookDeliveryStatus, "pending">; attempt: number; httpStatus: number | null; error: string | null; nextAttemptAt: Date | null; endpointDisabled: boolean };

export function isOpenDelivery(status: WebhookDeliveryStatus): boolean {
  return OPEN.has(status);
}

/** The previous signing secret while its 24 h grace lasts; an expired one is deleted. */
async function previousSecret(endpoint: ConnectionRow, now: Date): Promise<string | undefined> {
  const row = (await listSecretRows(endpoint.id)).find((s) => s.field === PREVIOUS_SECRET_FIELD);
  if (!row) return undefined;
  if (!row.expiresAt || row.expiresAt <= now) {
    await getDb().transaction((tx) => deleteSecret(endpoint.id, PREVIOUS_SECRET_FIELD, tx));
    return undefined;
  }
  return openSecret({ orgId: endpoint.orgId, integrationId: endpoint.id, field: row.field, ciphertext: row.ciphertext });
}

function bodyExcerpt(res: EgressResponse): string | null {
  const text = res.text().trim();
  if (!text) return null;
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

type Result = { ok: boolean; gone: boolean; httpStatus: number | null; error: string | null; excerpt: string | null; ms: number; retryAfterMs?: number };

function classify(res: EgressResponse, now: Date): Result {
  const base = { httpStatus: res.status, excerpt: bodyExcerpt(res), ms: res.ms };
  if (res.status >= 200 && res.status < 300) return { ...base, ok: true, gone: false, error: null };
  if (res.status === 410) return { ...base, ok: false, gone: true, error: "The endpoint answered HTTP 410 Gone: Patchbay disabled it and cancelled its pending deliveries." };
  const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"), now);
  if (res.status >= 300 && res.status < 400) {
    const location = res.headers.get("location");
    // Following a redirect would send signed events wherever the receiver points; the URL must be final.
    return { ...base, ok: false, gone: false, retryAfterMs, error: `The endpoint redirects (HTTP ${res.status}${location ? ` to ${location.slice(0, 200)}` : ""}); webhooks do not follow redirects. Enter the final URL on the connection.` };
  }
  return { ...base, ok: false, gone: false, retryAfterMs, error: `The endpoint answered HTTP ${res.status}.` };
}

async function attempt(endpoint: ConnectionRow, delivery: DeliveryRow, now: Date, timeoutMs: number): Promise<Result> {
  const started = performance.now();
  const failed = (error: string): Result => ({ ok: false, gone: false, httpStatus: null, error, excerpt: null, ms: Math.round(performance.now() - started) });
  let request: { url: string; headers: Record<string, string>; body: string };
  try {
    const { settings } = await loadConnectionSettings(endpoint.id, delivery.orgId ?? "");
    const s = settings as OutboundWebhookSettings;
    const previous = await previousSecret(endpoint, now);
    const p = delivery.payload;
    const event: WebhookEvent = { type: String(p.type), timestamp: String(p.timestamp), data: (p.data ?? {}) as Record<string, unknown> };
    // The webhook-id is the message id on every attempt (receivers deduplicate on it); the
    // timestamp is the attempt's own, so a receiver's replay window does not reject late retries.
    const signed = signWebhookDelivery(s.signingSecret, event, { id: delivery.messageId, at: now, alsoSignWith: previous ? [previous] : [] });
    request = { url: s.url, headers: { ...signed.headers, "user-agent": "Patchbay-Webhooks/1" }, body: signed.body };
  } catch (e) {
    return failed(`The endpoint's settings could not be used: ${(e as Error).message}`);
  }
  try {
    const res = await egressFetch(request.url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      redirect: "error",
      timeoutMs,
      retries: 0,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      allowPrivate: await allowlistEntriesFor(endpoint.orgId),
      breakerKey: endpoint.id,
      log: { providerKey: "outbound-webhook", connectionId: endpoint.id, orgId: delivery.orgId },
    });
    return classify(res, now);
  } catch (e) {
    return failed(isEgressError(e) ? e.message : `The delivery could not be sent: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Take an endpoint out of service inside `tx`: disabled, its open deliveries cancelled, audited,
 * and marked disconnected, which records a health transition and alerts the organization.
 * Disconnected (not failing) because a disabled endpoint gets no more deliveries until a person
 * fixes the receiver and enables it again.
 */
export async function disableEndpoint(tx: Tx, endpointId: string, orgId: string, reason: string): Promise<boolean> {
  const row = await lockVisibleConnection(orgId, endpointId, tx);
  if (!row || !row.enabled) return false;
  await updateConnectionRow(row.id, { enabled: false, status: "inactive", lastError: reason }, tx);
  const cancelled = await cancelOpenDeliveries(row.id, reason, tx);
  await recordAudit(tx, { orgId: row.orgId, actor: SYSTEM, action: "connection.disabled", target: { type: "connection", id: row.id }, metadata: { provider: row.providerKey, name: row.name, automatic: true, reason, cancelledDeliveries: cancelled.length } });
  await markDisconnected(tx, row, reason);
  await notifySettingsChanged(tx, { providerKey: row.providerKey, orgId: row.orgId, connectionId: row.id });
  await publishEvent(tx, { orgId: row.orgId, type: "connection.changed", data: { connectionId: row.id, enabled: false } });
  logger.warn({ connectionId: row.id, orgId: row.orgId, reason }, "outbound webhook endpoint disabled");
  return true;
}

async function cancel(delivery: DeliveryRow, reason: string): Promise<DeliveryOutcome> {
  return getDb().transaction(async (tx) => {
    const cur = await lockDelivery(delivery.id, tx);
    if (!cur || !isOpenDelivery(cur.status)) return { status: "skipped", reason: "The delivery is no longer waiting." } as const;
    await updateDelivery(cur.id, { status: "cancelled", nextAttemptAt: null, lastError: reason }, tx);
    await publishEvent(tx, { orgId: cur.orgId, type: "delivery.updated", data: { deliveryId: cur.id, connectionId: cur.integrationId, status: "cancelled", attempts: cur.attempts } });
    return { status: "cancelled", attempt: cur.attempts, httpStatus: null, error: reason, nextAttemptAt: null, endpointDisabled: false } as const;
  });
}

/**
 * Make the next attempt of one delivery: sign, POST through the egress guard, record the attempt,
 * and decide what follows (done; next attempt per the schedule or the receiver's Retry-After;
 * dead after the last; endpoint disabled on 410 or after 5 days of nothing but failures).
 * Never throws for a failed delivery: the schedule, not the job queue, owns retries.
 */
export async function deliverOutbound(deliveryId: string, opts: DeliverOptions = {}): Promise<DeliveryOutcome> {
  const now = opts.now ?? new Date();
  const delivery = await getDelivery(deliveryId);
  if (!delivery || !isOpenDelivery(delivery.status)) return { status: "skipped", reason: "The delivery is no longer waiting." };
  if (opts.expectedAttempt !== undefined && delivery.attempts !== opts.expectedAttempt) return { status: "skipped", reason: "A newer job owns this delivery." };
  const endpoint = await getConnectionForHealth(delivery.integrationId);
  if (!endpoint) return { status: "skipped", reason: "The endpoint was deleted." };
  if (!endpoint.enabled || endpoint.status !== "active") return cancel(delivery, `The endpoint "${endpoint.name}" is disabled; enable it and resend.`);

  const result = await attempt(endpoint, delivery, now, opts.timeoutMs ?? DELIVERY_TIMEOUT_MS);

  const orgId = delivery.orgId ?? "";
  let invalidate = false;
  const outcome = await getDb().transaction(async (tx): Promise<DeliveryOutcome> => {
    const cur = await lockDelivery(delivery.id, tx);
    // Someone else recorded an attempt meanwhile (a resend raced this job): theirs stands.
    if (!cur || !isOpenDelivery(cur.status) || cur.attempts !== delivery.attempts) return { status: "skipped", reason: "The delivery changed during the attempt." };
    const n = cur.attempts + 1;
    await insertAttempt({ deliveryId: cur.id, attempt: n, status: result.httpStatus, ok: result.ok ? "ok" : "failed", error: result.error, responseExcerpt: result.excerpt, ms: result.ms, at: now }, tx);
    webhookAttempts.inc({ result: result.ok ? "ok" : "failed" });
    let status: Exclude<WebhookDeliveryStatus, "pending">;
    let nextAttemptAt: Date | null = null;
    let endpointDisabled = false;
    if (result.ok) {
      status = "succeeded";
      await updateDelivery(cur.id, { status, attempts: n, lastStatus: result.httpStatus, lastError: null, nextAttemptAt: null, deliveredAt: now }, tx);
    } else if (result.gone) {
      status = "cancelled";
      await updateDelivery(cur.id, { status, attempts: n, lastStatus: result.httpStatus, lastError: result.error, nextAttemptAt: null }, tx);
      endpointDisabled = await disableEndpoint(tx, endpoint.id, orgId, result.error!);
    } else {
      const since = await failingSince(endpoint.id, tx);
      if (since && now.getTime() - since.getTime() >= AUTO_DISABLE_AFTER_MS) {
        const days = Math.floor((now.getTime() - since.getTime()) / 86_400_000);
        const reason = `Every delivery to this endpoint has failed for ${days} days (last: ${result.error}). Patchbay disabled it; fix the receiver, enable the connection and resend.`;
        status = "cancelled";
        await updateDelivery(cur.id, { status, attempts: n, lastStatus: result.httpStatus, lastError: result.error, nextAttemptAt: null }, tx);
        endpointDisabled = await disableEndpoint(tx, endpoint.id, orgId, reason);
      } else {
        const delay = nextAttemptDelay(n, result.retryAfterMs);
        status = delay === null ? "dead" : "failed";
        nextAttemptAt = delay === null ? null : new Date(now.getTime() + delay);
        await updateDelivery(cur.id, { status, attempts: n, lastStatus: result.httpStatus, lastError: result.error, nextAttemptAt }, tx);
        if (nextAttemptAt) await enqueue("outbound-delivery", { deliveryId: cur.id, orgId: cur.orgId, attempt: n }, { tx, singletonKey: cur.id, startAfter: nextAttemptAt });
      }
    }
    invalidate = endpointDisabled;
    await publishEvent(tx, { orgId: cur.orgId, type: "delivery.updated", data: { deliveryId: cur.id, connectionId: cur.integrationId, status, attempts: n, lastStatus: result.httpStatus } });
    return { status, attempt: n, httpStatus: result.httpStatus, error: result.error, nextAttemptAt, endpointDisabled };
  });
  if (invalidate) invalidateLocally({ providerKey: endpoint.providerKey, orgId: endpoint.orgId, connectionId: endpoint.id });
  return outcome;
}

/**
 * Queue again the deliveries whose job was lost (a worker died mid-attempt, or the queue was
 * wiped): open and overdue by more than `graceMs`. A job that still exists makes the new one a
 * no-op (same singleton key, and the attempt guard).
 */
export async function resumeStalledDeliveries(graceMs = 5 * 60_000): Promise<number> {
  let queued = 0;
  for (const d of await listStalledDeliveries(new Date(Date.now() - graceMs), 500)) {
    if (await enqueue("outbound-delivery", { deliveryId: d.id, orgId: d.orgId, attempt: d.attempts }, { singletonKey: d.id })) queued++;
  }
  return queued;
}
