import "server-only";
import type { Tx } from "@/db/client";
import { updateConnectionRow, type ConnectionRow } from "@/db/queries/integrations";
import type { WebhookEventRow } from "@/db/queries/webhook-events";
import { recordAudit } from "@/lib/audit";
import { markDisconnected } from "@/lib/health/transition";
import { listActiveEndpoints } from "@/db/queries/webhook-deliveries";
import { emitEvent } from "@/lib/runtime/events";
import { notifySettingsChanged } from "@/lib/settings/invalidation";
import { matchesEventTypes, parseEventTypeFilter } from "./outbound-rules";

/**
 * `memo`: lookups shared by the events of one processing batch (one transaction), e.g. an
 * organization's outbound endpoints, read once per batch instead of once per event.
 */
export type WebhookContext = { event: WebhookEventRow; connection: ConnectionRow; memo: BatchMemo };
export type BatchMemo = <T>(key: string, load: () => Promise<T>) => Promise<T>;

/** A memo for one batch: each key loaded once (concurrent callers share the load). */
export function batchMemo(): BatchMemo {
  const values = new Map<string, Promise<unknown>>();
  return <T>(key: string, load: () => Promise<T>) => {
    let v = values.get(key) as Promise<T> | undefined;
    if (!v) {
      v = load();
      values.set(key, v);
    }
    return v;
  };
}
export type WebhookHandler = (tx: Tx, ctx: WebhookContext) => Promise<void>;

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/**
 * GitHub App: an `installation` event with action `deleted` for this connection's installation means
 * the app was uninstalled: the connection cannot act any more until it is installed again.
 */
const githubApp: WebhookHandler = async (tx, { event, connection }) => {
  if (event.eventType !== "installation.deleted") return;
  const installationId = obj(obj(event.payload).installation).id;
  if (installationId === undefined || installationId !== connection.config.installationId) return;
  const reason = `The GitHub App was uninstalled (installation ${String(installationId)} deleted on GitHub). Install it again at /connections/${connection.id}.`;
  await updateConnectionRow(connection.id, { status: "needs_reauth", lastError: reason }, tx);
  await markDisconnected(tx, connection, reason);
  await recordAudit(tx, {
    orgId: connection.orgId,
    actor: { id: null, email: null },
    action: "connection.needs_reauth",
    target: { type: "connection", id: connection.id },
    metadata: { provider: connection.providerKey, webhookEventId: event.id, installationId },
  });
  await notifySettingsChanged(tx, { providerKey: connection.providerKey, orgId: connection.orgId, connectionId: connection.id });
};

/** Per-provider handling of verified events; a provider without an entry has its events recorded as processed. */
export const providerWebhookHandlers: Partial<Record<string, WebhookHandler>> = {
  "github-app": githubApp,
};

/** Relayed payloads stay well under emitEvent's 256 KiB limit; bigger ones are relayed as a reference. */
const RELAY_PAYLOAD_MAX_BYTES = 128 * 1024;

/** `invoice.paid` of provider `stripe` → `inbound.stripe.invoice.paid` (lowercase dotted words only). */
export function relayEventType(providerKey: string, eventType: string): string {
  const words = `${providerKey}.${eventType}`
    .toLowerCase()
    .split(".")
    .map((w) => w.replace(/[^a-z0-9_-]+/g, "_").replace(/^[_-]+/, ""))
    .filter(Boolean);
  return ["inbound", ...words].join(".").slice(0, 100).replace(/\.+$/, "");
}

/**
 * Relay: every verified inbound event of an organization's connection is emitted to the
 * organization's outbound webhook endpoints as `inbound.<provider>.<event type>` (endpoints choose
 * with their "Event types" setting, e.g. `inbound.*` or `inbound.stripe.*`), in the processing
 * transaction: the deliveries exist exactly when the event is marked processed.
 */
const relayToOutbound: WebhookHandler = async (tx, { event, connection, memo }) => {
  const orgId = connection.orgId;
  if (!orgId) return;
  const type = relayEventType(connection.providerKey, event.eventType);
  const endpoints = await memo(`outbound-endpoints:${orgId}`, () => listActiveEndpoints(orgId, {}, tx));
  // Nothing subscribes to this type: no payload copy, no statement.
  if (!endpoints.some((e) => matchesEventTypes(parseEventTypeFilter(e.config.eventTypes as string | undefined), type))) return;
  const size = Buffer.byteLength(event.body);
  const data: Record<string, unknown> = { connectionId: connection.id, connectionName: connection.name, provider: connection.providerKey, eventId: event.id, deliveryId: event.deliveryId, eventType: event.eventType, receivedAt: event.receivedAt.toISOString() };
  if (size <= RELAY_PAYLOAD_MAX_BYTES && event.payload !== null && event.payload !== undefined) data.payload = event.payload;
  else data.payloadOmitted = `The payload (${Math.ceil(size / 1024)} KiB) is too large to relay; fetch it by event id.`;
  await emitEvent(orgId, type, data, { tx, endpoints });
};

/**
 * Consumers of every processed event, called inside the processing transaction after the
 * provider's handler: the relay to outbound endpoints (sync feeds add themselves here).
 */
export const webhookListeners: WebhookHandler[] = [relayToOutbound];
