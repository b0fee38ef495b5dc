import "server-only";
import { insertWebhookEvent } from "@/db/queries/webhook-events";
import { getDb } from "@/db/client";
import { AppError } from "@/lib/errors";
import { publishEvent } from "@/lib/events/publish";
import { enqueue, getBoss } from "@/lib/jobs/boss";
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
 * Verify, store and queue one delivery. The 202 goes out only after the transaction that stored the
 * event and queued its processing has committed: a 2xx always means "stored". A redelivery (same
 * delivery id) is acknowledged without a second row or job, also when both copies arrive at once
 * (the unique index makes the second insert wait for the first, then do nothing).
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
  const body = Buffer.from(input.body).toString("utf8").replace(/\u0000/g, "\uFFFD");
  const payload = parsePayload(body.replace(/\\u0000/g, "\\uFFFD"), input.headers.get("content-type"));
  // Slack checks a new Request URL with a signed challenge; it is a handshake, not an event.
  if (resolved.scheme === "slack" && isRecord(payload) && payload.type === "url_verification" && typeof payload.challenge === "string") {
    return json(200, { challenge: payload.challenge });
  }
  const { deliveryId, eventType } = identifyEvent(resolved.scheme, input.headers, payload, body, resolved.hmac);

  try {
    // pg-boss must be started outside the transaction (PGlite has one connection).
    await getBoss();
    const stored = await getDb().transaction(async (tx) => {
      const id = await insertWebhookEvent(
        { orgId: connection.orgId, integrationId: connection.id, providerKey: provider.key, deliveryId, eventType, headers: redactHeaders(input.headers), body, payload: payload ?? null },
        tx,
      );
      if (!id) return null;
      await enqueue("webhook-process", { eventId: id, orgId: connection.orgId }, { tx });
      await publishEvent(tx, { orgId: connection.orgId, type: "webhook.received", data: { id, connectionId: connection.id, providerKey: provider.key, eventType } });
      return id;
    });
    return tagStored(json(202, { received: true, duplicate: stored === null }), stored === null);
  } catch (err) {
    logger.error({ err, connectionId: connection.id, provider: provider.key }, "webhook: event could not be stored");
    return unavailable();
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
