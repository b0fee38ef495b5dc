import "server-only";
import type { Tx } from "@/db/client";
import { updateConnectionRow, type ConnectionRow } from "@/db/queries/integrations";
import type { WebhookEventRow } from "@/db/queries/webhook-events";
import { recordAudit } from "@/lib/audit";
import { markDisconnected } from "@/lib/health/transition";
import { notifySettingsChanged } from "@/lib/settings/invalidation";

export type WebhookContext = { event: WebhookEventRow; connection: ConnectionRow };
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

/**
 * Consumers of every processed event, called inside the processing transaction after the
 * provider's handler. The extension point for relaying events to outbound endpoints and feeding
 * syncs (their issues add themselves here); none are registered yet.
 */
export const webhookListeners: WebhookHandler[] = [];
