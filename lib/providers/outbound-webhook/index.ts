import "server-only";
import { randomBytes, randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch, isEgressError } from "@/lib/http";
import { egressOptions } from "@/lib/providers/_shared/egress";
import { serviceUrl } from "@/lib/providers/_shared/url";
import { eventTypeFilterProblem } from "@/lib/webhooks/outbound-rules";

const SECRET_PREFIX = "whsec_";

/** A new signing secret in the Standard Webhooks format: "whsec_" + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString("base64")}`;
}

/** Why a signing secret is unusable, or undefined when it is fine (whsec_ + base64 of 24 to 64 bytes). */
export function webhookSecretProblem(secret: string): string | undefined {
  if (!secret.startsWith(SECRET_PREFIX)) return "A signing secret starts with whsec_. Use the one Patchbay generated for you.";
  const b64 = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return "After whsec_ the secret must be base64. Use the one Patchbay generated for you.";
  const bytes = Buffer.from(b64, "base64").length;
  if (bytes < 24) return `This secret holds only ${bytes} bytes; at least 24 random bytes are needed. Use the one Patchbay generated for you.`;
  if (bytes > 64) return "This secret is longer than 64 bytes, the Standard Webhooks maximum. Use the one Patchbay generated for you.";
  return undefined;
}

export const outboundWebhookConfigSchema = z.object({
  url: serviceUrl({ allowQuery: true })
    .meta({
      label: "Endpoint URL",
      placeholder: "https://example.com/webhooks/patchbay",
      help: "Patchbay POSTs JSON events here. Use https; a private address works only if an owner allowed it in Settings → Network. Redirects are not followed.",
    }),
  description: z.string().trim().max(500).optional().meta({ label: "Description", placeholder: "Order events for the billing service" }),
  eventTypes: z
    .string()
    .trim()
    .max(2000)
    .optional()
    .superRefine((v, issues) => {
      const problem = v ? eventTypeFilterProblem(v) : undefined;
      if (problem) issues.addIssue({ code: "custom", message: problem });
    })
    .meta({
      label: "Event types",
      placeholder: "connection.*, order.created",
      help: "Which events this endpoint receives: event types or patterns like connection.*, separated by commas. Leave empty for every event.",
    }),
});

export const outboundWebhookCredentialsSchema = z.object({
  signingSecret: z
    .string()
    .trim()
    .max(200)
    .superRefine((v, issues) => {
      const problem = webhookSecretProblem(v);
      if (problem) issues.addIssue({ code: "custom", message: problem });
    })
    .meta({
      label: "Signing secret",
      secret: true,
      placeholder: "whsec_…",
      help: "Patchbay signs every delivery with this secret (Standard Webhooks: webhook-id, webhook-timestamp and webhook-signature headers). Keep the generated value and give it to the receiving service so it can verify deliveries.",
    }),
});

export type OutboundWebhookSettings = z.output<typeof outboundWebhookConfigSchema> & z.output<typeof outboundWebhookCredentialsSchema>;

export type WebhookEvent = { type: string; timestamp: string; data: Record<string, unknown> };

/** The sealed field that keeps the signing secret replaced by a rotation, valid until its expires_at. */
export const PREVIOUS_SECRET_FIELD = "previousSigningSecret";

/**
 * The body and Standard Webhooks headers of one signed delivery. `alsoSignWith` adds a signature
 * per extra secret (space-separated in webhook-signature, as the spec allows): during a rotation a
 * receiver still holding the previous secret keeps verifying.
 */
export function signWebhookDelivery(secret: string, event: WebhookEvent, opts: { id?: string; at?: Date; alsoSignWith?: readonly string[] } = {}): { id: string; body: string; headers: Record<string, string> } {
  const id = opts.id ?? `msg_${randomUUID().replace(/-/g, "")}`;
  const at = opts.at ?? new Date();
  const body = JSON.stringify(event);
  const signature = [secret, ...(opts.alsoSignWith ?? [])].map((s) => new Webhook(s).sign(id, at, body)).join(" ");
  return {
    id,
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": signature,
    },
  };
}

function snippet(text: string): string {
  const s = text.replace(/\s+/g, " ").trim();
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

function transportFailure(e: unknown): TestResult {
  const urlKinds = new Set(["blocked", "bad_url", "network", "timeout", "redirect_blocked"]);
  if (isEgressError(e)) return { ok: false, message: e.message, ...(urlKinds.has(e.kind) ? { field: "url" } : {}) };
  return { ok: false, message: `The ping could not be sent: ${e instanceof Error ? e.message : String(e)}` };
}

export async function testOutboundWebhook(settings: OutboundWebhookSettings, ctx: TestContext): Promise<TestResult> {
  let delivery;
  try {
    const now = new Date();
    delivery = signWebhookDelivery(settings.signingSecret, { type: "patchbay.ping", timestamp: now.toISOString(), data: { message: "Test ping from Patchbay: your endpoint is reachable." } }, { at: now });
  } catch (e) {
    return { ok: false, field: "signingSecret", message: `The signing secret cannot be used: ${(e as Error).message}` };
  }
  let res;
  try {
    res = await egressFetch(settings.url, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
      redirect: "error",
      timeoutMs: 15_000,
      retries: 0,
      maxResponseBytes: 64 * 1024,
      ...egressOptions("outbound-webhook", ctx),
    });
  } catch (e) {
    return transportFailure(e);
  }
  const status = res.status;
  if (status >= 200 && status < 300) {
    return { ok: true, message: `The endpoint accepted the signed ping (HTTP ${status}) in ${res.ms} ms.`, details: { status, ms: res.ms, webhookId: delivery.id } };
  }
  const answer = snippet(res.text());
  const said = answer ? `: "${answer}"` : ".";
  if (status === 410) return { ok: false, field: "url", message: `The endpoint says it is gone (HTTP 410). Remove this webhook or enter the endpoint's new URL.` };
  if (status >= 300 && status < 400) {
    const location = res.headers.get("location");
    return { ok: false, field: "url", message: `The endpoint redirects (HTTP ${status}${location ? ` to ${location.slice(0, 200)}` : ""}). Webhooks do not follow redirects: enter the final URL.` };
  }
  if (status === 401 || status === 403) {
    return { ok: false, field: "signingSecret", message: `The endpoint refused the ping (HTTP ${status})${said} Check that the receiver verifies with this signing secret.` };
  }
  if (status === 404 || status === 405) return { ok: false, field: "url", message: `The endpoint answered HTTP ${status}${said} Check the URL and that it accepts POST.` };
  return { ok: false, message: `The endpoint answered HTTP ${status}${said}` };
}

export const outboundWebhook = defineProvider({
  key: "outbound-webhook",
  name: "Outbound webhook",
  category: "webhooks",
  description: "Send Patchbay events to any HTTPS endpoint as JSON, signed with the Standard Webhooks scheme so the receiver can verify each delivery.",
  icon: "outbound-webhook.svg",
  docsUrl: "https://www.standardwebhooks.com/",
  popular: false,
  authModes: ["none"],
  capabilities: ["webhooks_out"],
  configSchema: outboundWebhookConfigSchema,
  credentialsSchema: outboundWebhookCredentialsSchema,
  test: testOutboundWebhook,
});
