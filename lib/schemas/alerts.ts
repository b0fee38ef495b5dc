import { z } from "zod";

const id = z.string().min(1).max(100);

export const MAX_ALERT_RECIPIENTS = 20;

export const createAlertChannelSchema = z.object({
  orgId: id,
  connectionId: z.string({ error: "Choose a connection." }).min(1, "Choose a connection.").max(100),
  target: z.string().trim().max(2000, "That is too long.").default(""),
});

export const alertChannelRefSchema = z.object({ orgId: id, channelId: id });

export const setAlertChannelEnabledSchema = alertChannelRefSchema.extend({ enabled: z.boolean() });

const emailAddress = z.email();

/** "a@x.com, b@y.com" → the addresses, or the problem in words. */
export function parseEmailRecipients(raw: string): { ok: true; value: string[] } | { ok: false; message: string } {
  const parts = raw
    .split(/[,;\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) return { ok: false, message: "Enter at least one email address." };
  const bad = parts.filter((p) => p.length > 320 || !emailAddress.safeParse(p).success);
  if (bad.length) return { ok: false, message: `${bad.length === 1 ? "This is not an email address" : "These are not email addresses"}: ${bad.slice(0, 3).join(", ")}. Separate addresses with commas.` };
  const unique = [...new Set(parts.map((p) => p.toLowerCase()))];
  if (unique.length > MAX_ALERT_RECIPIENTS) return { ok: false, message: `Use at most ${MAX_ALERT_RECIPIENTS} recipients; a mailing list address keeps this short.` };
  return { ok: true, value: unique };
}

/** "#ops", "ops" or a channel id like C0123ABCD → what chat.postMessage takes, or the problem in words. */
export function parseSlackChannel(raw: string): { ok: true; value: string } | { ok: false; message: string } {
  const v = raw.trim();
  if (!v) return { ok: false, message: "Enter a Slack channel, like #ops, or its id, like C0123ABCD." };
  if (/^[CG][A-Z0-9]{4,20}$/.test(v)) return { ok: true, value: v };
  const name = v.startsWith("#") ? v.slice(1) : v;
  if (/^[a-z0-9][a-z0-9._-]{0,79}$/.test(name)) return { ok: true, value: `#${name}` };
  if (/^[a-z0-9._-]+$/i.test(name)) return { ok: false, message: "Slack channel names are lowercase. Enter it as it appears in Slack, like #ops." };
  return { ok: false, message: "Enter a Slack channel name like #ops (lowercase letters, digits, - and _), or a channel id like C0123ABCD." };
}
