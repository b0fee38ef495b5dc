import "server-only";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch, isEgressError } from "@/lib/http";
import { egressOptions, jsonOrUndefined } from "@/lib/providers/_shared/egress";
import { joinUrl, serviceUrl } from "@/lib/providers/_shared/url";
import { apiClient } from "@/lib/providers/_shared/api-client";

export const pagerdutyConfigSchema = z.object({
  fromEmail: z
    .email("Enter the email address of a PagerDuty user, like oncall@example.com.")
    .optional()
    .meta({
      label: "From email",
      placeholder: "oncall@example.com",
      help: "The email of a user in your PagerDuty account. An account-level API key must send it (the From header) to create or change incidents and notes; reads do not need it.",
    }),
  baseUrl: serviceUrl()
    .default("https://api.pagerduty.com")
    .meta({ label: "API base URL", help: "https://api.pagerduty.com, or https://api.eu.pagerduty.com for accounts in the EU service region." }),
});

export const pagerdutyCredentialsSchema = z.object({
  apiKey: z
    .string()
    .trim()
    .min(1, "Paste the REST API key.")
    .max(200, "That is too long for a PagerDuty API key.")
    .refine((v) => !/^[0-9a-f]{32}$/.test(v), "This looks like an Events API integration (routing) key, which can only send events. Paste a REST API key from Integrations → API Access Keys.")
    .meta({
      label: "REST API key",
      secret: true,
      help: "Integrations → API Access Keys → Create New API Key (account-level), or a user's API token from My Profile → User Settings. A read-only key can only read.",
    }),
  webhookSecret: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .optional()
    .meta({
      label: "Webhook signing secret",
      secret: true,
      help: "Shown once when you create a v3 webhook subscription (Integrations → Generic Webhooks (v3)). Patchbay uses it to check X-PagerDuty-Signature. Needed only to receive webhooks.",
    }),
});

export type PagerdutySettings = z.output<typeof pagerdutyConfigSchema> & z.output<typeof pagerdutyCredentialsSchema>;

type PagerdutyError = { error?: { message?: string; code?: number; errors?: string[] } };

function transportFailure(e: unknown): TestResult {
  if (isEgressError(e)) return { ok: false, message: e.message, ...(e.kind === "blocked" || e.kind === "bad_url" ? { field: "baseUrl" } : {}) };
  return { ok: false, message: `The PagerDuty check could not run: ${e instanceof Error ? e.message : String(e)}` };
}

/** PagerDuty's documented `{ error: { message, code, errors[] } }` in plain words. */
export function explainPagerdutyError(status: number, body: PagerdutyError | undefined): TestResult {
  const err = body?.error;
  const detail = [err?.message, ...(err?.errors ?? [])].filter(Boolean).join(": ");
  const said = detail ? ` PagerDuty said: "${detail.slice(0, 300)}"${err?.code ? ` (code ${err.code})` : ""}.` : "";
  if (status === 401 || err?.code === 2006) {
    return { ok: false, field: "apiKey", message: `PagerDuty rejected the API key: it may be mistyped or deleted, or belong to the other service region (check the API base URL for EU accounts).${said}` };
  }
  if (err?.code === 2008) return { ok: false, field: "apiKey", message: `The PagerDuty account is locked.${said}` };
  if (err?.code === 2007) return { ok: false, field: "apiKey", message: `PagerDuty found no account for this key.${said}` };
  if (status === 403) return { ok: false, field: "apiKey", message: `PagerDuty accepted the key but refused access (HTTP 403).${said}` };
  if (status === 429) return { ok: false, message: `PagerDuty is rate-limiting this key. Try again in a minute.${said}` };
  if (status >= 500) return { ok: false, message: `PagerDuty answered with HTTP ${status}. It may be having an outage; try again in a few minutes.${said}` };
  if (err) return { ok: false, message: `PagerDuty refused the request (HTTP ${status}).${said}` };
  return { ok: false, field: "baseUrl", message: `The answer (HTTP ${status}) is not a PagerDuty API response. Check the API base URL.` };
}

export async function testPagerduty(settings: PagerdutySettings, ctx: TestContext): Promise<TestResult> {
  let res;
  try {
    res = await egressFetch(joinUrl(settings.baseUrl, "/abilities"), {
      headers: { authorization: `Token token=${settings.apiKey}`, accept: "application/vnd.pagerduty+json;version=2" },
      ...egressOptions("pagerduty", ctx),
    });
  } catch (e) {
    return transportFailure(e);
  }
  const body = jsonOrUndefined(res.text()) as ({ abilities?: unknown } & PagerdutyError) | undefined;
  if (res.status !== 200 || !Array.isArray(body?.abilities)) return explainPagerdutyError(res.status, body);
  const abilities = body.abilities.filter((a): a is string => typeof a === "string");
  return {
    ok: true,
    message: `Connected to PagerDuty; the account has ${abilities.length} abilit${abilities.length === 1 ? "y" : "ies"} enabled.${settings.fromEmail ? "" : " Set a From email before creating incidents with an account-level key."}`,
    details: { abilities },
  };
}

export const pagerduty = defineProvider({
  key: "pagerduty",
  name: "PagerDuty",
  category: "monitoring",
  description: "Open, update and resolve PagerDuty incidents through the REST API, and receive v3 webhooks verified with the subscription's signing secret.",
  icon: "pagerduty.svg",
  docsUrl: "https://developer.pagerduty.com/api-reference/",
  popular: true,
  authModes: ["api_key"],
  capabilities: ["api_calls", "webhooks_in"],
  webhook: { scheme: "pagerduty", secretField: "webhookSecret" },
  configSchema: pagerdutyConfigSchema,
  credentialsSchema: pagerdutyCredentialsSchema,
  test: testPagerduty,
  client: (s, ctx) => ({
    request: apiClient({
      providerKey: "pagerduty",
      name: "PagerDuty",
      baseUrl: s.baseUrl,
      ctx,
      headers: { accept: "application/vnd.pagerduty+json;version=2", ...(s.fromEmail ? { from: s.fromEmail } : {}) },
      auth: () => ({ headers: { authorization: `Token token=${s.apiKey}` } }),
      secrets: [s.apiKey],
    }).request,
  }),
});
