import "server-only";
import { randomUUID } from "node:crypto";
import { storeWebhookEvent } from "@/db/queries/webhook-events";
import { AppError } from "@/lib/errors";
import { EVENTS_CHANNEL, liveEventPayload } from "@/lib/events/publish";
import { recordInboundWebhook } from "@/lib/health/passive";
import { logger } from "@/lib/logger";
import { identifyEvent, parsePayload, redactHeaders } from "./identify";
import { verifyWebhook } from "./verify";
import { tagStored } from "./metrics";
import { webhookTarget, type WebhookTarget } from "./targets";

/** Inbound bodies are capped at 1 MiB (GitHub's own cap is 25 MB, but no event we handle comes close). */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type IngestInput = { connectionId: string; body: Uint8Array; headers: Headers; url: string };

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** The database (or the job queue on it) is unreachable: the sender keeps the event and retries. */
const unavailable = () => new AppError("unavailable", "The event could not be stored right now. Retry later.", { retryAfterSeconds: 30 }).toResponse();

export { webhookSchemeFor, type ResolvedWebhook } from "./ingest-scheme";

/**
 * Verify, store and queue one delivery. The 202 goes out only after the statement that stored the
 * event has committed: a 2xx always means "stored". The same statement queues it (a webhook_queue
 * row, due now; lib/webhooks/queue.ts claims it) and NOTIFYs the live
 * event that also wakes the workers. A redelivery (same delivery id) is acknowledged without a
 * second row, also when both copies arrive at once (the unique index makes the second insert wait
 * for the first, then do nothing).
 */
export async function ingestWebhook(input: IngestInput): Promise<Response> {
  if (!UUID.test(input.connectionId)) return new AppError("not_found", "There is no connection with this id. Copy the webhook URL again from the connection's page in Patchbay.").toResponse();
  let target: WebhookTarget | null;
  try {
    target = await webhookTarget(input.connectionId);
  } catch (err) {
    logger.error({ err, connectionId: input.connectionId }, "webhook: connection lookup failed");
    return unavailable();
  }
  if (!target) return new AppError("not_found", "There is no connection with this id. Copy the webhook URL again from the connection's page in Patchbay.").toResponse();
  const { connection, provider, resolved } = target;
  if (!provider || !resolved) return new AppError("not_found", `The ${provider?.name ?? connection.providerKey} connection "${connection.name}" does not receive webhooks.`).toResponse();
  if (!connection.enabled) return new AppError("not_found", `The ${provider.name} connection "${connection.name}" is disabled: it accepts no webhooks until an admin enables it again.`).toResponse();
  if (target.secretError) return new AppError("unauthorized", `This delivery cannot be verified: ${target.secretError}`).toResponse();
  const secret = target.secret;
  // Fail closed: without a secret nothing can be verified, so nothing is accepted.
  if (!secret) return new AppError("unauthorized", `No ${resolved.secretLabel} is configured for the ${provider.name} connection "${connection.name}", so its webhooks cannot be verified. An admin can set it at /connections/${connection.id}.`).toResponse();

  const verdict = verifyWebhook(resolved.scheme, { body: input.body, headers: input.headers, secret, url: input.url, hmac: resolved.hmac });
  if (!verdict.ok) {
    logger.warn({ connectionId: connection.id, provider: provider.key, reason: verdict.reason }, "webhook: signature rejected");
    return new AppError("unauthorized", verdict.reason).toResponse();
  }

  // PostgreSQL text and jsonb cannot hold NUL characters: stored as U+FFFD (the signature was checked on the raw bytes).
  const body = Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength).toString("utf8").replace(/\u0000/g, "\uFFFD");
  const jsonText = body.replace(/\\u0000/g, "\\uFFFD");
  const contentType = input.headers.get("content-type");
  const payload = parsePayload(jsonText, contentType);
  // Slack checks a new Request URL with a signed challenge; it is a handshake, not an event.
  if (resolved.scheme === "slack" && isRecord(payload) && payload.type === "url_verification" && typeof payload.challenge === "string") {
    return json(200, { challenge: payload.challenge });
  }
  recordInboundWebhook(connection.id);
  const { deliveryId, eventType } = identifyEvent(resolved.scheme, input.headers, payload, body, resolved.hmac);
  // A JSON body is stored as jsonb from its own text (parsed once here, never re-serialised); a form body as its parse.
  const payloadJson = payload === null || payload === undefined ? null : isForm(contentType) ? JSON.stringify(payload) : jsonText;

  const id = randomUUID();
  try {
    const notify = liveEventPayload({ orgId: connection.orgId, type: "webhook.received", data: { id, connectionId: connection.id, providerKey: provider.key, eventType } });
    const stored = await storeWebhookEvent(
      { id, orgId: connection.orgId, integrationId: connection.id, providerKey: provider.key, deliveryId, eventType, headersJson: JSON.stringify(redactHeaders(input.headers)), body, payloadJson },
      { channel: EVENTS_CHANNEL, payload: notify },
    );
    return tagStored(json(202, stored ? STORED : DUPLICATE), !stored);
  } catch (err) {
    logger.error({ err, connectionId: connection.id, provider: provider.key }, "webhook: event could not be stored");
    return unavailable();
  }
}

const STORED = { received: true, duplicate: false };
const DUPLICATE = { received: true, duplicate: true };

const isForm = (contentType: string | null) => (contentType ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
