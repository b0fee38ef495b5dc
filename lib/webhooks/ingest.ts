import "server-only";
import type { z } from "zod";
import { getConnectionForWebhook, insertWebhookEvent } from "@/db/queries/webhook-events";
import { getDb } from "@/db/client";
import { getProvider } from "@/lib/catalog/registry";
import type { GenericHmacConfig, ProviderDefinition, WebhookScheme } from "@/lib/catalog/define-provider";
import { AppError } from "@/lib/errors";
import { publishEvent } from "@/lib/events/publish";
import { enqueue, getBoss } from "@/lib/jobs/boss";
import { logger } from "@/lib/logger";
import { loadConnectionSettings } from "@/lib/settings";
import { IntegrationNotConfiguredError, IntegrationUnavailableError } from "@/lib/settings/errors";
import { identifyEvent, parsePayload, redactHeaders } from "./identify";
import { verifyWebhook } from "./verify";

/** Inbound bodies are capped at 1 MiB (GitHub's own cap is 25 MB, but no event we handle comes close). */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type IngestInput = { connectionId: string; body: Uint8Array; headers: Headers; url: string };

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** The database (or the job queue on it) is unreachable: the sender keeps the event and retries. */
const unavailable = () => new AppError("unavailable", "The event could not be stored right now. Retry later.", { retryAfterSeconds: 30 }).toResponse();

export type ResolvedWebhook = { scheme: WebhookScheme; hmac?: GenericHmacConfig; secretField: string; secretLabel: string };

/** Which scheme and secret field a connection of this provider verifies with; null when it receives no webhooks. */
export function webhookSchemeFor(provider: ProviderDefinition, config: Record<string, unknown>): ResolvedWebhook | null {
  const spec = provider.webhook;
  if (!spec) return null;
  let resolved: { scheme: WebhookScheme; hmac?: GenericHmacConfig } | null = { scheme: spec.scheme as WebhookScheme };
  if (typeof spec.scheme === "function") {
    // Stored config lacks the defaults the schema fills in; an invalid one selects nothing (fail closed).
    const parsed = provider.configSchema.safeParse(config);
    resolved = parsed.success ? spec.scheme(parsed.data as never) : null;
  }
  if (!resolved) return null;
  const label = (provider.credentialsSchema.shape as Record<string, z.ZodType>)[spec.secretField]?.meta()?.label ?? spec.secretField;
  return { ...resolved, secretField: spec.secretField, secretLabel: label };
}

/**
 * Verify, store and queue one delivery. The 202 goes out only after the transaction that stored the
 * event and queued its processing has committed: a 2xx always means "stored". A redelivery (same
 * delivery id) is acknowledged without a second row or job, also when both copies arrive at once
 * (the unique index makes the second insert wait for the first, then do nothing).
 */
export async function ingestWebhook(input: IngestInput): Promise<Response> {
  if (!UUID.test(input.connectionId)) return new AppError("not_found", "There is no connection with this id. Copy the webhook URL again from the connection's page in Patchbay.").toResponse();
  let connection: Awaited<ReturnType<typeof getConnectionForWebhook>>;
  try {
    connection = await getConnectionForWebhook(input.connectionId);
  } catch (err) {
    logger.error({ err, connectionId: input.connectionId }, "webhook: connection lookup failed");
    return unavailable();
  }
  if (!connection) return new AppError("not_found", "There is no connection with this id. Copy the webhook URL again from the connection's page in Patchbay.").toResponse();
  const provider = getProvider(connection.providerKey);
  const resolved = provider ? webhookSchemeFor(provider, connection.config) : null;
  if (!provider || !resolved) return new AppError("not_found", `The ${provider?.name ?? connection.providerKey} connection "${connection.name}" does not receive webhooks.`).toResponse();
  if (!connection.enabled) return new AppError("not_found", `The ${provider.name} connection "${connection.name}" is disabled: it accepts no webhooks until an admin enables it again.`).toResponse();

  let secret: string | undefined;
  try {
    const loaded = await loadConnectionSettings(connection.id, connection.orgId ?? "");
    const value = (loaded.settings as Record<string, unknown>)[resolved.secretField];
    secret = typeof value === "string" && value ? value : undefined;
  } catch (err) {
    if (err instanceof IntegrationUnavailableError || err instanceof IntegrationNotConfiguredError) {
      return new AppError("unauthorized", `This delivery cannot be verified: ${err.message}`).toResponse();
    }
    logger.error({ err, connectionId: connection.id }, "webhook: settings could not be loaded");
    return unavailable();
  }
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
    return json(202, { received: true, duplicate: stored === null });
  } catch (err) {
    logger.error({ err, connectionId: connection.id, provider: provider.key }, "webhook: event could not be stored");
    return unavailable();
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
