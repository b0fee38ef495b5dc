import "server-only";
import { Counter } from "prom-client";
import { allowlistEntriesFor } from "@/db/queries/network";
import { getOrgName, listVisibleConnections, type ConnectionRow } from "@/db/queries/integrations";
import { AppError } from "@/lib/errors";
import { egressFetch } from "@/lib/http";
import { logger } from "@/lib/logger";
import { metricsRegistry } from "@/lib/metrics/registry";
import { createGuardedSmtpTransport, type SmtpSettings } from "@/lib/providers/smtp";
import { loadConnectionSettings } from "@/lib/settings";
import { IntegrationNotConfiguredError } from "@/lib/settings/errors";

export type EmailMessage = { to: string | string[]; subject: string; text?: string; html?: string; replyTo?: string };
export type EmailAttempt = { connectionId: string; provider: string; ok: boolean; ms: number; error?: string };

type GlobalWithCounter = typeof globalThis & { __patchbayEmailCounter?: Counter };
const g = globalThis as GlobalWithCounter;
const emailsSent = (g.__patchbayEmailCounter ??= new Counter({ name: "patchbay_emails_total", help: "Emails sent through sendEmail, by provider and outcome", labelNames: ["provider", "outcome"], registers: [metricsRegistry] }));

export const EMAIL_PROVIDERS = ["smtp", "sendgrid", "postmark"] as const;

/**
 * The order sendEmail tries: the organization's own connections by the fallback position an admin
 * set (then default first, then oldest), then the platform-wide ones in the same order.
 */
export function emailFallbackOrder(rows: ConnectionRow[]): ConnectionRow[] {
  const usable = rows.filter((r) => (EMAIL_PROVIDERS as readonly string[]).includes(r.providerKey) && r.enabled && r.status === "active");
  return usable.sort(
    (a, b) =>
      Number(a.orgId === null) - Number(b.orgId === null) ||
      a.priority - b.priority ||
      Number(b.isDefault) - Number(a.isDefault) ||
      a.createdAt.getTime() - b.createdAt.getTime(),
  );
}

/** Send through one email connection; `preloaded` skips reading its settings again (getClient has them). */
export async function sendVia(connection: Pick<ConnectionRow, "id" | "orgId" | "providerKey">, orgId: string, msg: EmailMessage, preloaded?: Record<string, unknown>): Promise<string | undefined> {
  const settings = preloaded ?? (await loadConnectionSettings(connection.id, orgId)).settings;
  const allowPrivate = await allowlistEntriesFor(connection.orgId);
  const to = Array.isArray(msg.to) ? msg.to : [msg.to];
  if (connection.providerKey === "smtp") {
    const s = settings as SmtpSettings;
    const transport = await createGuardedSmtpTransport(s, allowPrivate);
    try {
      const info = await transport.sendMail({ from: s.fromName ? { name: s.fromName, address: s.fromAddress } : s.fromAddress, to, subject: msg.subject, text: msg.text, html: msg.html, replyTo: msg.replyTo });
      return info.messageId;
    } finally {
      transport.close();
    }
  }
  if (connection.providerKey === "postmark") {
    const p = settings as { serverToken: string; fromAddress: string; fromName?: string; messageStream: string; baseUrl: string };
    const res = await egressFetch(new URL("/email", p.baseUrl), {
      method: "POST",
      headers: { "x-postmark-server-token": p.serverToken, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ From: p.fromName ? `${p.fromName} <${p.fromAddress}>` : p.fromAddress, To: to.join(","), Subject: msg.subject, TextBody: msg.text, HtmlBody: msg.html, ReplyTo: msg.replyTo, MessageStream: p.messageStream }),
      allowPrivate,
      breakerKey: connection.id,
      log: { providerKey: "postmark", connectionId: connection.id, orgId },
    });
    if (res.status !== 200) throw new Error(`Postmark answered ${res.status}: ${res.text().slice(0, 200)}`);
    return (res.json<{ MessageID?: string }>().MessageID ?? undefined) as string | undefined;
  }
  const s = settings as { apiKey: string; fromAddress: string; fromName?: string; baseUrl: string };
  const content = [...(msg.text ? [{ type: "text/plain", value: msg.text }] : []), ...(msg.html ? [{ type: "text/html", value: msg.html }] : [])];
  const res = await egressFetch(new URL("/v3/mail/send", s.baseUrl), {
    method: "POST",
    headers: { authorization: `Bearer ${s.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ personalizations: [{ to: to.map((email) => ({ email })) }], from: { email: s.fromAddress, name: s.fromName }, subject: msg.subject, content, ...(msg.replyTo ? { reply_to: { email: msg.replyTo } } : {}) }),
    allowPrivate,
    breakerKey: connection.id,
    log: { providerKey: "sendgrid", connectionId: connection.id, orgId },
  });
  if (res.status !== 202 && res.status !== 200) throw new Error(`SendGrid answered ${res.status}: ${res.text().slice(0, 200)}`);
  return res.headers.get("x-message-id") ?? undefined;
}

/**
 * Send an email for an organization through its email-capable connections (SMTP, SendGrid), in
 * fallback order: if one fails, the next is tried, then the platform-wide ones. Each attempt is
 * logged and counted; the error names the page to fix things when nothing works.
 */
export async function sendEmail(input: { orgId: string; connectionId?: string } & EmailMessage) {
  const { orgId, connectionId, ...msg } = input;
  if (!msg.text && !msg.html) throw new AppError("bad_request", "An email needs a text or html body.");
  const all = await listVisibleConnections(orgId);
  const candidates = connectionId ? all.filter((c) => c.id === connectionId) : emailFallbackOrder(all);
  if (candidates.length === 0) {
    throw new IntegrationNotConfiguredError(`Email is not configured for ${(await getOrgName(orgId)) ?? "this organization"}. An admin can set it up at /integrations?category=email.`);
  }
  const attempts: EmailAttempt[] = [];
  for (const c of candidates) {
    const started = performance.now();
    try {
      const messageId = await sendVia(c, orgId, msg);
      const ms = Math.round(performance.now() - started);
      attempts.push({ connectionId: c.id, provider: c.providerKey, ok: true, ms });
      emailsSent.inc({ provider: c.providerKey, outcome: "sent" });
      logger.info({ email: { connectionId: c.id, provider: c.providerKey, ms, attempt: attempts.length } }, "email sent");
      return { connectionId: c.id, provider: c.providerKey, messageId, attempts };
    } catch (error) {
      const ms = Math.round(performance.now() - started);
      const message = (error as Error).message;
      attempts.push({ connectionId: c.id, provider: c.providerKey, ok: false, ms, error: message });
      emailsSent.inc({ provider: c.providerKey, outcome: "failed" });
      logger.warn({ email: { connectionId: c.id, provider: c.providerKey, ms, attempt: attempts.length }, err: message }, "email attempt failed; trying the next connection");
    }
  }
  throw new AppError("upstream_error", `No email connection could send: ${attempts.map((a) => `${a.provider} (${a.error})`).join("; ")}`);
}
