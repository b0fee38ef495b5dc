import "server-only";
import { getDb } from "@/db/client";
import { getVisibleConnection } from "@/db/queries/integrations";
import { listWebhookEventIds, resetForReplay, type WebhookEventFilters } from "@/db/queries/webhook-events";
import { recordAudit, type AuditActor } from "@/lib/audit";
import { getProvider } from "@/lib/catalog/registry";
import { AppError } from "@/lib/errors";
import { loadConnectionSettings } from "@/lib/settings";
import { ingestWebhook, webhookSchemeFor } from "./ingest";
import { wakeWebhookQueue } from "./queue";
import { signTestEvent } from "./sign";

/**
 * Queue events again: each is reset to "received", due now on webhook_queue, with a fresh attempt
 * budget; events already waiting or running are skipped (resetForReplay), so double
 * clicks queue once. The workers of this process are woken; others find them at their next sweep.
 */
export async function replayEvents(input: { orgId: string; actor: AuditActor; ids: string[]; ip: string | null }): Promise<{ queued: number; skipped: number }> {
  const queued = await getDb().transaction(async (tx) => {
    const reset = await resetForReplay(input.orgId, input.ids, tx);
    if (reset.length > 0) {
      await recordAudit(tx, { orgId: input.orgId, actor: input.actor, action: "webhook.replayed", target: reset.length === 1 ? { type: "webhook_event", id: reset[0]!.id } : undefined, metadata: { count: reset.length }, ip: input.ip });
    }
    return reset.length;
  });
  if (queued > 0) wakeWebhookQueue();
  return { queued, skipped: input.ids.length - queued };
}

export async function replayFiltered(input: { orgId: string; actor: AuditActor; filters: WebhookEventFilters; limit: number; ip: string | null }) {
  const ids = await listWebhookEventIds(input.orgId, input.filters, input.limit);
  return { matched: ids.length, ...(await replayEvents({ orgId: input.orgId, actor: input.actor, ids, ip: input.ip })) };
}

/** The public webhook URL of a connection. */
export function webhookUrl(origin: string, connectionId: string): string {
  return `${origin}/api/webhooks/${connectionId}`;
}

/**
 * Sign a sample event with the connection's own secret and pass it through the same ingest path a
 * provider's delivery takes (verification, storage, job). Returns what the endpoint answered.
 */
export async function sendTestWebhook(input: { orgId: string; connectionId: string; origin: string }): Promise<{ status: number; message: string }> {
  const row = await getVisibleConnection(input.orgId, input.connectionId);
  if (!row) throw new AppError("not_found", "There is no such connection.");
  const provider = getProvider(row.providerKey);
  const resolved = provider ? webhookSchemeFor(provider, row.config) : null;
  if (!provider || !resolved) throw new AppError("bad_request", `This ${provider?.name ?? row.providerKey} connection does not receive webhooks.`);
  const settings = (await loadConnectionSettings(row.id, row.orgId ?? "")).settings as Record<string, unknown>;
  const secret = settings[resolved.secretField];
  if (typeof secret !== "string" || !secret) throw new AppError("bad_request", `Set the ${resolved.secretLabel} first: the test event is signed with it.`);
  const signed = signTestEvent(resolved.scheme, secret, webhookUrl(input.origin, row.id), resolved.hmac);
  const res = await ingestWebhook({ connectionId: row.id, body: Buffer.from(signed.body), headers: new Headers(signed.headers), url: signed.url });
  const answer = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
  if (res.status === 202) return { status: res.status, message: "The test event was verified and stored: it is on the Webhooks page." };
  return { status: res.status, message: `The endpoint answered ${res.status}: ${answer.error?.message ?? "no details"}` };
}
