import "server-only";
import { getChangeForAlert, finishAlert, listEnabledAlertChannels, markAlertChannelDelivered, type AlertChannelRow } from "@/db/queries/alerts";
import { allowlistEntriesFor } from "@/db/queries/network";
import { getProvider } from "@/lib/catalog/registry";
import { env } from "@/lib/env";
import { isAppError } from "@/lib/errors";
import { egressFetch, isEgressError } from "@/lib/http";
import { logger, reportUnexpected } from "@/lib/logger";
import { signWebhookDelivery, type OutboundWebhookSettings } from "@/lib/providers/outbound-webhook";
import { explainSlackError, type SlackSettings } from "@/lib/providers/slack";
import { joinUrl } from "@/lib/providers/_shared/url";
import { sendEmail } from "@/lib/runtime/email";
import { loadConnectionSettings } from "@/lib/settings";
import { alertBaseUrl, buildAlertMessage, type AlertFacts, type AlertMessage } from "./alert-message";

export type AlertChannelKind = "email" | "slack" | "webhook";

/**
 * How a connection can carry alerts, from its provider's capabilities: email providers through
 * sendEmail, outbound webhooks as signed events. Of the message providers only Slack has a
 * channel to post to (SMS and Teams need another kind of target).
 */
export function alertChannelKind(providerKey: string): AlertChannelKind | null {
  const caps: readonly string[] = getProvider(providerKey)?.capabilities ?? [];
  if (caps.includes("send_email")) return "email";
  if (caps.includes("webhooks_out")) return "webhook";
  if (caps.includes("send_message") && providerKey === "slack") return "slack";
  return null;
}

export function providerName(providerKey: string): string {
  return getProvider(providerKey)?.name ?? providerKey;
}

/** A delivery that failed, with a message a user can act on. */
export class AlertDeliveryError extends Error {
  override name = "AlertDeliveryError";
}

type Channel = Pick<AlertChannelRow, "id" | "integrationId" | "target" | "providerKey" | "connectionName" | "connectionOrgId">;

function excerpt(text: string): string {
  const s = text.replace(/\s+/g, " ").trim();
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** Slack's chat.postMessage errors in plain words; credential problems as the connection test words them. */
function explainPostMessageError(error: string, channel: string, retryAfter: string | null): string {
  switch (error) {
    case "channel_not_found":
      return `Slack cannot find the channel ${channel}. Check the name, or use the channel id (in Slack: channel details → About).`;
    case "not_in_channel":
      return `The Slack app is not a member of ${channel}. Invite it there (/invite @your-app) and try again.`;
    case "is_archived":
      return `The Slack channel ${channel} is archived. Choose another channel.`;
    case "restricted_action":
    case "restricted_action_read_only_channel":
    case "restricted_action_non_threadable_channel":
      return `Slack does not let the app post in ${channel} (${error}). A workspace admin can allow it, or choose another channel.`;
    case "msg_too_long":
    case "no_text":
    case "invalid_blocks":
      return `Slack refused the message (${error}).`;
    default:
      return explainSlackError(error, retryAfter).message;
  }
}

async function sendViaEmail(orgId: string, ch: Channel, msg: AlertMessage): Promise<void> {
  const to = ch.target
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  try {
    await sendEmail({ orgId, connectionId: ch.integrationId, to, subject: msg.subject, text: msg.text, html: msg.html });
  } catch (e) {
    // sendEmail names every connection it tried; with one connection, its own error is clearer.
    const message = e instanceof Error ? e.message : String(e);
    const inner = /^No email connection could send: [\w-]+ \(([\s\S]*)\)$/.exec(message)?.[1];
    throw new AlertDeliveryError(`The email could not be sent: ${inner ?? message}`);
  }
}

async function sendViaSlack(orgId: string, ch: Channel, msg: AlertMessage): Promise<void> {
  const { settings } = await loadConnectionSettings(ch.integrationId, orgId);
  const s = settings as SlackSettings;
  let res;
  try {
    res = await egressFetch(joinUrl(s.baseUrl, "/api/chat.postMessage"), {
      method: "POST",
      headers: { authorization: `Bearer ${s.botToken}`, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ channel: ch.target, text: msg.slack, unfurl_links: false, unfurl_media: false }),
      timeoutMs: 15_000,
      maxResponseBytes: 256 * 1024,
      allowPrivate: await allowlistEntriesFor(ch.connectionOrgId),
      breakerKey: ch.integrationId,
      log: { providerKey: "slack", connectionId: ch.integrationId, orgId },
    });
  } catch (e) {
    throw new AlertDeliveryError(isEgressError(e) ? `Could not reach Slack: ${e.message}` : `Could not reach Slack: ${e instanceof Error ? e.message : String(e)}`);
  }
  let body: { ok?: unknown; error?: unknown } | undefined;
  try {
    body = JSON.parse(res.text()) as typeof body;
  } catch {
    body = undefined;
  }
  // Slack answers HTTP 200 with {"ok": false, "error": "..."} for most failures.
  if (body && typeof body === "object" && body.ok === false) throw new AlertDeliveryError(explainPostMessageError(String(body.error ?? "unknown_error"), ch.target, res.headers.get("retry-after")));
  if (res.status === 429) throw new AlertDeliveryError(explainSlackError("ratelimited", res.headers.get("retry-after")).message);
  if (res.status !== 200 || !body || body.ok !== true) {
    throw new AlertDeliveryError(`Slack answered HTTP ${res.status}${res.text() ? `: "${excerpt(res.text())}"` : ""}, not a Slack API response. Check the connection's API base URL.`);
  }
}

async function sendViaWebhook(orgId: string, ch: Channel, msg: AlertMessage, webhookId: string): Promise<void> {
  const { settings } = await loadConnectionSettings(ch.integrationId, orgId);
  const s = settings as OutboundWebhookSettings;
  // A stable webhook-id per alert lets the receiver drop a redelivery after a retry.
  const delivery = signWebhookDelivery(s.signingSecret, msg.webhook, { id: webhookId, at: new Date() });
  let res;
  try {
    res = await egressFetch(s.url, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
      redirect: "error",
      timeoutMs: 15_000,
      retries: 0,
      maxResponseBytes: 64 * 1024,
      allowPrivate: await allowlistEntriesFor(ch.connectionOrgId),
      breakerKey: ch.integrationId,
      log: { providerKey: "outbound-webhook", connectionId: ch.integrationId, orgId },
    });
  } catch (e) {
    throw new AlertDeliveryError(isEgressError(e) ? `Could not deliver the webhook: ${e.message}` : `Could not deliver the webhook: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (res.status >= 200 && res.status < 300) return;
  const answer = excerpt(res.text());
  if (res.status >= 300 && res.status < 400) throw new AlertDeliveryError(`The endpoint redirects (HTTP ${res.status}); webhooks do not follow redirects. Enter the final URL on the connection.`);
  throw new AlertDeliveryError(`The endpoint answered HTTP ${res.status}${answer ? `: "${answer}"` : "."}`);
}

/**
 * Send one alert through one channel. The channel's connection must be enabled; its settings are
 * loaded for the alert's organization, so a channel can only use connections that organization sees.
 */
export async function sendToChannel(orgId: string, ch: Channel & { connectionEnabled: boolean }, msg: AlertMessage, webhookId: string): Promise<void> {
  const kind = alertChannelKind(ch.providerKey);
  if (!kind) throw new AlertDeliveryError(`${providerName(ch.providerKey)} connections cannot send alerts.`);
  if (!ch.connectionEnabled) throw new AlertDeliveryError(`The ${providerName(ch.providerKey)} connection "${ch.connectionName}" is disabled. Enable it at /connections/${ch.integrationId}.`);
  try {
    if (kind === "email") return await sendViaEmail(orgId, ch, msg);
    if (kind === "slack") return await sendViaSlack(orgId, ch, msg);
    return await sendViaWebhook(orgId, ch, msg, webhookId);
  } catch (e) {
    if (e instanceof AlertDeliveryError) throw e;
    // Settings that cannot be loaded (undecryptable, invalid) come as AppErrors written for users.
    if (isAppError(e)) throw new AlertDeliveryError(e.message);
    throw e;
  }
}

export function describeChannel(ch: Pick<Channel, "providerKey" | "connectionName" | "target">): string {
  const kind = alertChannelKind(ch.providerKey);
  if (kind === "webhook" || !ch.target) return `${ch.connectionName}`;
  return `${ch.connectionName} → ${ch.target}`;
}

export function alertLinkBase(): string {
  return alertBaseUrl(env().AUTH_URL, env().PORT);
}

export type AlertOutcome = { changeId: number; delivered: string[]; skipped: string[]; failed: { channelId: string; error: string }[] };

/**
 * Deliver the alert for one status transition through every enabled channel of its organization.
 * Each channel that gets it is recorded on the transition at once, so a retry after a partial
 * failure sends only to the channels still missing. When any channel fails, alert_error says
 * which and why, and this throws: the job is retried with backoff, then dead-lettered.
 */
export async function deliverAlert(changeId: number): Promise<AlertOutcome> {
  const outcome: AlertOutcome = { changeId, delivered: [], skipped: [], failed: [] };
  const change = await getChangeForAlert(changeId);
  if (!change?.orgId || change.alertedAt) return outcome;
  const orgId = change.orgId;
  const channels = await listEnabledAlertChannels(orgId);
  if (channels.length === 0) {
    await finishAlert(changeId, { alertedAt: null, alertError: "No alert channel was enabled when this alert was due." });
    return outcome;
  }
  const facts: AlertFacts = {
    changeId,
    org: { id: orgId, name: change.orgName ?? orgId },
    connection: { id: change.connectionId, name: change.connectionName, providerKey: change.providerKey, providerName: providerName(change.providerKey) },
    from: change.from,
    to: change.to,
    reason: change.reason,
    at: change.at,
    link: `${alertLinkBase()}/connections/${change.connectionId}`,
  };
  const msg = buildAlertMessage(facts);
  const already = change.deliveries ?? {};
  for (const ch of channels) {
    if (already[ch.id]) {
      outcome.skipped.push(ch.id);
      continue;
    }
    try {
      await sendToChannel(orgId, ch, msg, `alert_${changeId}`);
      await markAlertChannelDelivered(changeId, ch.id, new Date());
      outcome.delivered.push(ch.id);
    } catch (e) {
      const error = e instanceof AlertDeliveryError ? e.message : reportUnexpected(e, { changeId, channelId: ch.id }).message;
      outcome.failed.push({ channelId: ch.id, error: `${describeChannel(ch)}: ${error}` });
      logger.warn({ changeId, channelId: ch.id, provider: ch.providerKey, err: error }, "health alert channel failed");
    }
  }
  if (outcome.failed.length) {
    const alertError = outcome.failed
      .map((f) => f.error)
      .join("; ")
      .slice(0, 2000);
    await finishAlert(changeId, { alertedAt: null, alertError });
    throw new Error(`Alert for change ${changeId}: ${outcome.failed.length} of ${channels.length} channels failed (${alertError})`);
  }
  await finishAlert(changeId, { alertedAt: new Date(), alertError: null });
  logger.info({ changeId, delivered: outcome.delivered.length, skipped: outcome.skipped.length }, "health alert delivered");
  return outcome;
}
