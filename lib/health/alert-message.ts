import type { HealthStatus } from "@/db/schema/health";

/** What one alert says, whatever the channel: a status transition of one connection. */
export type AlertFacts = {
  changeId: number | null;
  org: { id: string; name: string };
  connection: { id: string; name: string; providerKey: string; providerName: string };
  from: HealthStatus;
  to: HealthStatus;
  reason: string | null;
  at: Date;
  /** Where the link points: the connection's page, or Settings → Alerts for a test alert. */
  link: string;
  test?: boolean;
};

export type AlertMessage = {
  subject: string;
  text: string;
  html: string;
  /** Slack mrkdwn. */
  slack: string;
  webhook: { type: "connection.health_changed"; timestamp: string; data: Record<string, unknown> };
};

export const ALERT_EVENT_TYPE = "connection.health_changed" as const;

const statusWords: Record<HealthStatus, string> = { healthy: "healthy", degraded: "degraded", failing: "failing", disconnected: "disconnected", unknown: "unknown" };
const slackEmoji: Record<HealthStatus, string> = { healthy: ":large_green_circle:", degraded: ":large_yellow_circle:", failing: ":red_circle:", disconnected: ":no_entry:", unknown: ":white_circle:" };

/** The public base URL links in alerts start with (no trailing slash). */
export function alertBaseUrl(authUrl: string | undefined, port: number): string {
  return (authUrl ? new URL(authUrl).origin : `http://localhost:${port}`).replace(/\/+$/, "");
}

function when(at: Date): string {
  return `${at.toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

// Slack mrkdwn treats <, > and & as control characters; names come from users.
function escapeSlack(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function headline(f: AlertFacts): string {
  if (f.to === "healthy") return `${f.connection.name} is healthy again`;
  return `${f.connection.name} is ${statusWords[f.to]}`;
}

/** The subject, bodies and webhook event of one alert. Every user-provided string is escaped per format. */
export function buildAlertMessage(f: AlertFacts): AlertMessage {
  const prefix = f.test ? "[Patchbay test] " : "[Patchbay] ";
  const subject = `${prefix}${headline(f)}`;
  const provider = `${f.connection.providerName} (${f.connection.providerKey})`;
  const testNote = f.test ? "This is a test alert sent from Settings → Alerts. Nothing changed.\n\n" : "";
  const text =
    testNote +
    `${f.connection.name} (${provider}) in ${f.org.name} changed from ${statusWords[f.from]} to ${statusWords[f.to]}.\n\n` +
    (f.reason ? `Reason: ${f.reason}\n` : "") +
    `When: ${when(f.at)}\n\n` +
    `${f.test ? "Alert settings" : "Open the connection"}: ${f.link}\n`;
  const html =
    (f.test ? `<p><em>This is a test alert sent from Settings → Alerts. Nothing changed.</em></p>` : "") +
    `<p><strong>${escapeHtml(f.connection.name)}</strong> (${escapeHtml(provider)}) in ${escapeHtml(f.org.name)} changed from <strong>${statusWords[f.from]}</strong> to <strong>${statusWords[f.to]}</strong>.</p>` +
    (f.reason ? `<p>Reason: ${escapeHtml(f.reason)}</p>` : "") +
    `<p>When: ${when(f.at)}</p>` +
    `<p><a href="${escapeHtml(f.link)}">${f.test ? "Alert settings" : "Open the connection"}</a></p>`;
  const slack =
    (f.test ? "_Test alert from Patchbay: nothing changed._\n" : "") +
    `${slackEmoji[f.to]} *<${f.link}|${escapeSlack(f.connection.name)}>* (${escapeSlack(provider)}) in ${escapeSlack(f.org.name)} changed from *${statusWords[f.from]}* to *${statusWords[f.to]}*` +
    (f.reason ? `\n>${escapeSlack(f.reason)}` : "") +
    `\n${when(f.at)}`;
  return {
    subject,
    text,
    html,
    slack,
    webhook: {
      type: ALERT_EVENT_TYPE,
      timestamp: f.at.toISOString(),
      data: {
        ...(f.changeId !== null ? { changeId: f.changeId } : {}),
        ...(f.test ? { test: true } : {}),
        organization: { id: f.org.id, name: f.org.name },
        connection: { id: f.connection.id, name: f.connection.name, provider: f.connection.providerKey },
        from: f.from,
        to: f.to,
        reason: f.reason,
        at: f.at.toISOString(),
        url: f.link,
      },
    },
  };
}
