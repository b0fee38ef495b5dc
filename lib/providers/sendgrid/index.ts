import "server-only";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch, isEgressError } from "@/lib/http";
import { egressOptions, jsonOrUndefined } from "@/lib/providers/_shared/egress";
import { joinUrl, serviceUrl } from "@/lib/providers/_shared/url";
import { apiClient, bearer } from "@/lib/providers/_shared/api-client";

export const sendgridConfigSchema = z.object({
  fromAddress: z.email("Enter a valid sender address, like alerts@example.com.").meta({
    label: "From address",
    placeholder: "no-reply@example.com",
    help: "Must be a verified Single Sender or belong to an authenticated domain in SendGrid (Settings → Sender Authentication).",
  }),
  fromName: z.string().trim().max(100).optional().meta({ label: "From name", placeholder: "Acme" }),
  baseUrl: serviceUrl()
    .default("https://api.sendgrid.com")
    .meta({ label: "API base URL", help: "https://api.sendgrid.com, or https://api.eu.sendgrid.com for an EU-regional subuser." }),
});

export const sendgridCredentialsSchema = z.object({
  apiKey: z
    .string()
    .trim()
    .min(1, "Paste the API key.")
    .max(500, "That is too long for a SendGrid API key.")
    .refine((v) => /^SG\.[\w-]+\.[\w-]+$/.test(v), "A SendGrid API key looks like SG.xxxx.yyyy. Create one in Settings → API Keys; it is shown only once.")
    .meta({ label: "API key", secret: true, placeholder: "SG.…", help: "Settings → API Keys → Create API Key. Restricted Access with Mail Send is enough." }),
});

export type SendgridSettings = z.output<typeof sendgridConfigSchema> & z.output<typeof sendgridCredentialsSchema>;

type SendgridErrors = { errors?: { message?: string; field?: string | null; help?: unknown }[] };

function transportFailure(e: unknown): TestResult {
  if (isEgressError(e)) return { ok: false, message: e.message, ...(e.kind === "blocked" || e.kind === "bad_url" ? { field: "baseUrl" } : {}) };
  return { ok: false, message: `The SendGrid check could not run: ${e instanceof Error ? e.message : String(e)}` };
}

/** SendGrid's documented `{ errors: [{ message, field }] }` in plain words. */
export function explainSendgridError(status: number, body: SendgridErrors | undefined): TestResult {
  const messages = (body?.errors ?? []).map((e) => e.message).filter((m): m is string => Boolean(m));
  const said = messages.length ? ` SendGrid said: "${messages.join("; ").slice(0, 300)}"` : "";
  if (status === 401) return { ok: false, field: "apiKey", message: `SendGrid rejected the API key: it may be mistyped, deleted or revoked.${said}` };
  if (status === 403) return { ok: false, field: "apiKey", message: `SendGrid refused this API key access (HTTP 403). If the account uses IP Access Management, allow this server's address.${said}` };
  if (status === 429) return { ok: false, message: `SendGrid is rate-limiting this key. Try again in a minute.${said}` };
  if (status >= 500) return { ok: false, message: `SendGrid answered with HTTP ${status}. It may be having an outage; try again in a few minutes.${said}` };
  if (messages.length) return { ok: false, message: `SendGrid refused the request (HTTP ${status}).${said}` };
  return { ok: false, field: "baseUrl", message: `The answer (HTTP ${status}) is not a SendGrid API response. Check the API base URL.` };
}

export async function testSendgrid(settings: SendgridSettings, ctx: TestContext): Promise<TestResult> {
  let res;
  try {
    res = await egressFetch(joinUrl(settings.baseUrl, "/v3/scopes"), {
      headers: { authorization: `Bearer ${settings.apiKey}`, accept: "application/json" },
      ...egressOptions("sendgrid", ctx),
    });
  } catch (e) {
    return transportFailure(e);
  }
  const body = jsonOrUndefined(res.text()) as ({ scopes?: unknown } & SendgridErrors) | undefined;
  if (res.status !== 200 || !Array.isArray(body?.scopes)) return explainSendgridError(res.status, body);
  const scopes = body.scopes.filter((s): s is string => typeof s === "string");
  if (!scopes.includes("mail.send")) {
    return { ok: false, field: "apiKey", message: "This API key works but cannot send mail: it lacks the Mail Send permission. Edit the key in Settings → API Keys and give it Mail Send access." };
  }
  return { ok: true, message: `The API key works and can send mail (${scopes.length} permission${scopes.length === 1 ? "" : "s"}). Mail will come from ${settings.fromAddress}.`, details: { scopes } };
}

export const sendgrid = defineProvider({
  key: "sendgrid",
  name: "SendGrid",
  category: "email",
  description: "Send transactional email through Twilio SendGrid's Web API v3 with an API key that has the Mail Send permission.",
  icon: "sendgrid.svg",
  docsUrl: "https://www.twilio.com/docs/sendgrid/api-reference",
  popular: true,
  authModes: ["api_key"],
  capabilities: ["send_email"],
  configSchema: sendgridConfigSchema,
  credentialsSchema: sendgridCredentialsSchema,
  test: testSendgrid,
  client: (s, ctx) => ({ request: apiClient({ providerKey: "sendgrid", name: "SendGrid", baseUrl: s.baseUrl, ctx, auth: () => bearer(s.apiKey) }).request }),
});
