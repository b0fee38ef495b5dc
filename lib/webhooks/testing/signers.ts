// Test helpers: sign deliveries with each provider's official library (or, for Slack and PagerDuty,
// which publish no signer, exactly as their documentation describes), never with our verifiers' code.
import { createHmac } from "node:crypto";
import { sign as githubSign } from "@octokit/webhooks-methods";
import Stripe from "stripe";
import { Webhook } from "standardwebhooks";
import twilio from "twilio";

const stripe = new Stripe("sk_test_for_signing_only");

export type Signed = { headers: Record<string, string>; body: string };

export async function githubDelivery(secret: string, payload: unknown, opts: { event?: string; delivery?: string } = {}): Promise<Signed> {
  const body = JSON.stringify(payload);
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-hub-signature-256": await githubSign(secret, body),
      "x-github-event": opts.event ?? "ping",
      "x-github-delivery": opts.delivery ?? crypto.randomUUID(),
    },
  };
}

export async function stripeDelivery(secret: string, payload: unknown, opts: { timestamp?: number } = {}): Promise<Signed> {
  const body = JSON.stringify(payload);
  const header = await stripe.webhooks.generateTestHeaderStringAsync({ payload: body, secret, ...(opts.timestamp ? { timestamp: opts.timestamp } : {}) });
  return { body, headers: { "content-type": "application/json", "stripe-signature": header } };
}

export function standardDelivery(secret: string, payload: unknown, opts: { id?: string; at?: Date } = {}): Signed {
  const body = JSON.stringify(payload);
  const id = opts.id ?? `msg_${crypto.randomUUID()}`;
  const at = opts.at ?? new Date();
  const signature = new Webhook(secret).sign(id, at, body);
  return { body, headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": signature } };
}

export function twilioDelivery(authToken: string, url: string, params: Record<string, string>): Signed {
  const body = new URLSearchParams(params).toString();
  return { body, headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": twilio.getExpectedTwilioSignature(authToken, url, params) } };
}

/** https://api.slack.com/authentication/verifying-requests-from-slack: v0=hex(HMAC-SHA256(secret, "v0:" + ts + ":" + body)). */
export function slackDelivery(secret: string, body: string, opts: { timestamp?: number; contentType?: string } = {}): Signed {
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const sig = `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`;
  return { body, headers: { "content-type": opts.contentType ?? "application/json", "x-slack-request-timestamp": ts, "x-slack-signature": sig } };
}

/** https://developer.pagerduty.com/docs/webhooks/webhook-signatures/: v1=hex(HMAC-SHA256(secret, body)), comma-separated per secret. */
export function pagerdutyDelivery(secrets: string[], payload: unknown): Signed {
  const body = JSON.stringify(payload);
  const sig = secrets.map((s) => `v1=${createHmac("sha256", s).update(body).digest("hex")}`).join(",");
  return { body, headers: { "content-type": "application/json", "x-pagerduty-signature": sig, "x-webhook-id": crypto.randomUUID() } };
}

/** Re-serialize the same JSON differently (pretty-printed): same data, different bytes. */
export function reserialized(body: string): string {
  return JSON.stringify(JSON.parse(body), null, 2);
}

/** Flip one bit in the middle of the body. */
export function flipped(body: string): Uint8Array {
  const bytes = Buffer.from(body);
  bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
  return bytes;
}
