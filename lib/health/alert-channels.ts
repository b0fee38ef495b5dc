import "server-only";
import { deleteAlertChannelRow, findAlertChannel, getAlertChannel, insertAlertChannel, updateAlertChannelEnabled } from "@/db/queries/alerts";
import { getVisibleConnection, listVisibleConnections } from "@/db/queries/integrations";
import { getDb } from "@/db/client";
import { recordAudit, type AuditActor } from "@/lib/audit";
import { AppError } from "@/lib/errors";
import { reportUnexpected } from "@/lib/logger";
import { parseEmailRecipients, parseSlackChannel } from "@/lib/schemas/alerts";
import { buildAlertMessage } from "./alert-message";
import { AlertDeliveryError, alertChannelKind, alertLinkBase, describeChannel, providerName, sendToChannel, type AlertChannelKind } from "./alerts";

type OrgRef = { id: string; name: string };

function fieldError(field: string, message: string): AppError {
  return new AppError("bad_request", message, { fieldErrors: { [field]: [message] } });
}

/** The organization's connections (its own and platform-wide) that can carry alerts. */
export async function listAlertCapableConnections(orgId: string) {
  const rows = await listVisibleConnections(orgId);
  return rows.flatMap((r) => {
    const kind = alertChannelKind(r.providerKey);
    return kind ? [{ id: r.id, name: r.name, providerKey: r.providerKey, providerName: providerName(r.providerKey), kind, platformWide: r.orgId === null, enabled: r.enabled, status: r.status }] : [];
  });
}

/** A channel's target in its normal form, or a field error saying what is wrong. */
export function normalizeTarget(kind: AlertChannelKind, raw: string): string {
  if (kind === "webhook") return "";
  if (kind === "email") {
    const r = parseEmailRecipients(raw);
    if (!r.ok) throw fieldError("target", r.message);
    return r.value.join(", ");
  }
  const r = parseSlackChannel(raw);
  if (!r.ok) throw fieldError("target", r.message);
  return r.value;
}

/**
 * Add an alert channel. The connection must be one the organization can see (its own or
 * platform-wide): checked here, not trusted from the form.
 */
export async function createAlertChannel(input: { org: OrgRef; actor: AuditActor; connectionId: string; target: string; ip: string | null }) {
  const connection = await getVisibleConnection(input.org.id, input.connectionId);
  if (!connection) throw fieldError("connectionId", "Choose one of this organization's connections.");
  const kind = alertChannelKind(connection.providerKey);
  if (!kind) throw fieldError("connectionId", `${providerName(connection.providerKey)} connections cannot send alerts. Choose an email, Slack or outbound webhook connection.`);
  const target = normalizeTarget(kind, input.target);
  return getDb().transaction(async (tx) => {
    if (await findAlertChannel(input.org.id, connection.id, target, tx)) throw new AppError("conflict", `Alerts already go to ${describeChannel({ providerKey: connection.providerKey, connectionName: connection.name, target })}.`);
    const row = await insertAlertChannel({ orgId: input.org.id, integrationId: connection.id, target }, tx);
    await recordAudit(tx, {
      orgId: input.org.id,
      actor: input.actor,
      action: "alert_channel.created",
      target: { type: "alert_channel", id: row.id },
      metadata: { connectionId: connection.id, provider: connection.providerKey, kind, target },
      ip: input.ip,
    });
    return { id: row.id, kind, target, connectionName: connection.name };
  });
}

export async function setAlertChannelEnabled(input: { org: OrgRef; actor: AuditActor; channelId: string; enabled: boolean; ip: string | null }) {
  return getDb().transaction(async (tx) => {
    const row = await updateAlertChannelEnabled(input.org.id, input.channelId, input.enabled, tx);
    if (!row) throw new AppError("not_found", "That alert channel does not exist. It may have been deleted.");
    await recordAudit(tx, { orgId: input.org.id, actor: input.actor, action: input.enabled ? "alert_channel.enabled" : "alert_channel.disabled", target: { type: "alert_channel", id: row.id }, metadata: { connectionId: row.integrationId, target: row.target }, ip: input.ip });
    return row;
  });
}

export async function deleteAlertChannel(input: { org: OrgRef; actor: AuditActor; channelId: string; ip: string | null }) {
  await getDb().transaction(async (tx) => {
    const row = await deleteAlertChannelRow(input.org.id, input.channelId, tx);
    if (!row) throw new AppError("not_found", "That alert channel does not exist. It may have been deleted already.");
    await recordAudit(tx, { orgId: input.org.id, actor: input.actor, action: "alert_channel.deleted", target: { type: "alert_channel", id: row.id }, metadata: { connectionId: row.integrationId, target: row.target }, ip: input.ip });
  });
}

/**
 * Send a sample alert through one channel now (whether or not the channel is enabled) and say
 * how it went in plain words. A failure is an answer, not an error: the UI shows it.
 */
export async function sendTestAlert(input: { org: OrgRef; actor: AuditActor & { email: string | null }; channelId: string; ip: string | null }): Promise<{ ok: boolean; message: string; ms: number }> {
  const ch = await getAlertChannel(input.org.id, input.channelId);
  if (!ch) throw new AppError("not_found", "That alert channel does not exist. It may have been deleted.");
  const base = alertLinkBase();
  const msg = buildAlertMessage({
    changeId: null,
    test: true,
    org: input.org,
    connection: { id: ch.integrationId, name: ch.connectionName, providerKey: ch.providerKey, providerName: providerName(ch.providerKey) },
    from: "healthy",
    to: "failing",
    reason: `Test alert sent by ${input.actor.email ?? "an admin"}.`,
    at: new Date(),
    link: `${base}/settings/alerts`,
  });
  const started = performance.now();
  let result: { ok: boolean; message: string };
  try {
    await sendToChannel(input.org.id, ch, msg, `alert_test_${crypto.randomUUID().replace(/-/g, "")}`);
    result = { ok: true, message: `Test alert sent to ${describeChannel(ch)}.` };
  } catch (e) {
    result = { ok: false, message: e instanceof AlertDeliveryError ? e.message : reportUnexpected(e, { channelId: ch.id }).message };
  }
  const ms = Math.round(performance.now() - started);
  await getDb().transaction((tx) =>
    recordAudit(tx, { orgId: input.org.id, actor: input.actor, action: "alert_channel.tested", target: { type: "alert_channel", id: ch.id }, metadata: { connectionId: ch.integrationId, ok: result.ok, ms }, ip: input.ip }),
  );
  return { ...result, ms };
}
