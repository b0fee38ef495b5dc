import "server-only";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch, isEgressError } from "@/lib/http";
import { egressOptions, jsonOrUndefined } from "@/lib/providers/_shared/egress";
import { joinUrl, serviceUrl } from "@/lib/providers/_shared/url";
import { apiClient, bearer } from "@/lib/providers/_shared/api-client";

export const stripeConfigSchema = z.object({
  baseUrl: serviceUrl()
    .default("https://api.stripe.com")
    .meta({ label: "API base URL", help: "Leave as https://api.stripe.com unless you test against stripe-mock or a proxy." }),
});

export const stripeCredentialsSchema = z.object({
  secretKey: z
    .string()
    .trim()
    .min(1, "Paste the secret key.")
    .max(500, "That is too long for a Stripe key.")
    .refine((v) => !v.startsWith("pk_"), { message: "This is the publishable key (pk_…), which only works in browsers. Paste the secret key (sk_…) or a restricted key (rk_…).", abort: true })
    .refine((v) => !v.startsWith("whsec_"), { message: "This is a webhook signing secret. Paste it below, and the secret key (sk_…) here.", abort: true })
    .refine((v) => /^(sk|rk)_[A-Za-z0-9_]+$/.test(v), { message: "A Stripe secret key starts with sk_ (or rk_ for a restricted key). Copy it from Developers → API keys." })
    .meta({
      label: "Secret key",
      secret: true,
      placeholder: "sk_live_…",
      help: "Developers → API keys in the Stripe Dashboard. Prefer a restricted key (rk_…) with only the permissions you need; the test needs Balance: Read.",
    }),
  webhookSecret: z
    .string()
    .trim()
    .max(500)
    .refine((v) => v.startsWith("whsec_") && v.length > 6, "A Stripe signing secret starts with whsec_. Copy it from the webhook endpoint's page (Developers → Webhooks).")
    .optional()
    .meta({
      label: "Webhook signing secret",
      secret: true,
      placeholder: "whsec_…",
      help: "The signing secret of your Stripe webhook endpoint. Patchbay uses it to check the Stripe-Signature header. Needed only to receive events.",
    }),
});

export type StripeSettings = z.output<typeof stripeConfigSchema> & z.output<typeof stripeCredentialsSchema>;

type StripeError = { error?: { type?: string; message?: string; code?: string; param?: string; doc_url?: string } };
type Balance = { object?: string; livemode?: boolean; available?: { amount: number; currency: string }[]; pending?: { amount: number; currency: string }[] };

function transportFailure(e: unknown): TestResult {
  if (isEgressError(e)) return { ok: false, message: e.message, ...(e.kind === "blocked" || e.kind === "bad_url" ? { field: "baseUrl" } : {}) };
  return { ok: false, message: `The Stripe check could not run: ${e instanceof Error ? e.message : String(e)}` };
}

/** Stripe's documented error object in plain words, naming the field to fix. */
export function explainStripeError(status: number, body: StripeError | undefined): TestResult {
  const err = body?.error;
  const said = err?.message ? ` Stripe said: "${err.message.slice(0, 300)}"` : "";
  if (status === 401 || err?.code === "api_key_expired") {
    if (err?.code === "api_key_expired") return { ok: false, field: "secretKey", message: `Stripe rejected the secret key: it has expired. Roll a new key in Developers → API keys.${said}` };
    return { ok: false, field: "secretKey", message: `Stripe rejected the secret key. Check that you copied the whole key and that it was not rolled or deleted.${said}` };
  }
  if (status === 403) {
    return { ok: false, field: "secretKey", message: `Stripe accepted the key but it lacks a permission: this restricted key needs at least Balance: Read for the test.${said}` };
  }
  if (status === 429 || err?.code === "rate_limit") return { ok: false, message: `Stripe is rate-limiting this account. Try again in a minute.${said}` };
  if (status >= 500 || err?.type === "api_error") return { ok: false, message: `Stripe had a problem on its side (HTTP ${status}). Try again in a few minutes.${said}` };
  if (err) return { ok: false, message: `Stripe refused the request (${[err.type, err.code].filter(Boolean).join(", ") || `HTTP ${status}`}).${said}` };
  return { ok: false, field: "baseUrl", message: `The answer (HTTP ${status}) is not a Stripe API response. Check the API base URL.` };
}

// Stripe amounts are in the currency's smallest unit: most have 2 decimals, these 0 or 3.
const ZERO_DECIMAL = new Set(["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]);
const THREE_DECIMAL = new Set(["bhd", "jod", "kwd", "omr", "tnd"]);

export function formatStripeAmount(a: { amount: number; currency: string }): string {
  const c = a.currency.toLowerCase();
  const decimals = ZERO_DECIMAL.has(c) ? 0 : THREE_DECIMAL.has(c) ? 3 : 2;
  return `${(a.amount / 10 ** decimals).toFixed(decimals)} ${c.toUpperCase()}`;
}

export async function testStripe(settings: StripeSettings, ctx: TestContext): Promise<TestResult> {
  let res;
  try {
    res = await egressFetch(joinUrl(settings.baseUrl, "/v1/balance"), {
      headers: { authorization: `Bearer ${settings.secretKey}`, accept: "application/json" },
      ...egressOptions("stripe", ctx),
    });
  } catch (e) {
    return transportFailure(e);
  }
  const body = jsonOrUndefined(res.text()) as (Balance & StripeError) | undefined;
  if (res.status !== 200 || body?.object !== "balance") return explainStripeError(res.status, body);
  const mode = body.livemode ? "live" : "test";
  const available = (body.available ?? []).map(formatStripeAmount).join(", ");
  return {
    ok: true,
    message: `Connected to Stripe in ${mode} mode.${available ? ` Available balance: ${available}.` : ""}`,
    details: { livemode: Boolean(body.livemode), restrictedKey: settings.secretKey.startsWith("rk_"), available: body.available, pending: body.pending },
  };
}

export const stripe = defineProvider({
  key: "stripe",
  name: "Stripe",
  category: "payments",
  description: "Take payments, manage customers and subscriptions through the Stripe API, and receive Stripe events verified with the endpoint's signing secret.",
  icon: "stripe.svg",
  docsUrl: "https://docs.stripe.com/api",
  popular: true,
  authModes: ["api_key"],
  capabilities: ["api_calls", "webhooks_in"],
  webhook: { scheme: "stripe", secretField: "webhookSecret" },
  configSchema: stripeConfigSchema,
  credentialsSchema: stripeCredentialsSchema,
  test: testStripe,
  // Stripe takes form-encoded bodies: pass a URLSearchParams.
  client: (s, ctx) => ({ request: apiClient({ providerKey: "stripe", name: "Stripe", baseUrl: s.baseUrl, ctx, auth: () => bearer(s.secretKey) }).request }),
});
