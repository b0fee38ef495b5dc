import "server-only";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch, isEgressError } from "@/lib/http";
import { egressOptions, jsonOrUndefined } from "@/lib/providers/_shared/egress";
import { joinUrl, serviceUrl } from "@/lib/providers/_shared/url";
import { apiClient } from "@/lib/providers/_shared/api-client";

/**
 * Admins often paste the web app's address (https://app.datadoghq.eu, https://us5.datadoghq.com) instead
 * of the API host. Returns the API base URL they meant, or undefined when the URL is fine or unknown.
 */
export function datadogApiUrlFor(url: string): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return undefined;
  }
  const m = /^(?:(app|[a-z]{2}\d)\.)?(datadoghq\.com|datadoghq\.eu|ddog-gov\.com)$/.exec(host);
  if (!m) return undefined;
  const site = m[1] && m[1] !== "app" ? `${m[1]}.${m[2]}` : m[2];
  return `https://api.${site}`;
}

export const datadogConfigSchema = z.object({
  baseUrl: serviceUrl()
    .superRefine((url, issues) => {
      const api = datadogApiUrlFor(url);
      if (api) issues.addIssue({ code: "custom", message: `That is the Datadog web address. Use the API address for your site: ${api}` });
    })
    .default("https://api.datadoghq.com")
    .meta({
      label: "Site API URL",
      help: "The API host of your Datadog site (see the URL you sign in at): US1 https://api.datadoghq.com, US3 https://api.us3.datadoghq.com, US5 https://api.us5.datadoghq.com, EU1 https://api.datadoghq.eu, AP1 https://api.ap1.datadoghq.com, AP2 https://api.ap2.datadoghq.com, UK1 https://api.uk1.datadoghq.com, US1-FED https://api.ddog-gov.com, US2-FED https://api.us2.ddog-gov.com.",
    }),
});

export const datadogCredentialsSchema = z.object({
  apiKey: z
    .string()
    .trim()
    .min(1, "Paste the API key.")
    .max(200, "That is too long for a Datadog API key.")
    .refine((v) => !/^[0-9a-f]{40}$/.test(v), "This looks like an application key (40 characters). Paste the API key (32 characters) here and the application key below.")
    .meta({ label: "API key", secret: true, help: "Organization Settings → API Keys. Needed to send metrics, events and logs." }),
  appKey: z
    .string()
    .trim()
    .min(1)
    .max(200, "That is too long for a Datadog application key.")
    .refine((v) => !/^[0-9a-f]{32}$/.test(v), "This looks like an API key (32 characters). Paste the application key (40 characters) here.")
    .optional()
    .meta({
      label: "Application key",
      secret: true,
      help: "Organization Settings → Application Keys (or Personal Settings). Needed to read data and manage monitors; it acts with its creator's permissions, limited by its scopes.",
    }),
});

export type DatadogSettings = z.output<typeof datadogConfigSchema> & z.output<typeof datadogCredentialsSchema>;

type DatadogErrors = { errors?: (string | { title?: string; detail?: string })[] };

function transportFailure(e: unknown): TestResult {
  if (isEgressError(e)) return { ok: false, message: e.message, ...(e.kind === "blocked" || e.kind === "bad_url" ? { field: "baseUrl" } : {}) };
  return { ok: false, message: `The Datadog check could not run: ${e instanceof Error ? e.message : String(e)}` };
}

function said(body: DatadogErrors | undefined): string {
  const list = (body?.errors ?? []).map((e) => (typeof e === "string" ? e : [e.title, e.detail].filter(Boolean).join(": "))).filter(Boolean);
  return list.length ? ` Datadog said: "${list.join("; ").slice(0, 300)}"` : "";
}

/** Datadog's documented `{ errors: [...] }` in plain words, for the key being checked. */
export function explainDatadogError(status: number, body: DatadogErrors | undefined, key: "apiKey" | "appKey"): TestResult {
  if (status === 401 || status === 403) {
    return key === "apiKey"
      ? { ok: false, field: "apiKey", message: `Datadog rejected the API key. Check the key, and that the site API URL matches the Datadog site the key belongs to.${said(body)}` }
      : { ok: false, field: "appKey", message: `Datadog accepted the API key but rejected the application key: it may be revoked, belong to another organization or site, or be missing scopes.${said(body)}` };
  }
  if (status === 429) return { ok: false, message: `Datadog is rate-limiting this organization. Try again in a minute.${said(body)}` };
  if (status >= 500) return { ok: false, message: `Datadog answered with HTTP ${status}. It may be having an outage; try again in a few minutes.${said(body)}` };
  if (body?.errors) return { ok: false, message: `Datadog refused the request (HTTP ${status}).${said(body)}` };
  return { ok: false, field: "baseUrl", message: `The answer (HTTP ${status}) is not a Datadog API response. Check the site API URL.` };
}

export async function testDatadog(settings: DatadogSettings, ctx: TestContext): Promise<TestResult> {
  const call = (path: string, headers: Record<string, string>) =>
    egressFetch(joinUrl(settings.baseUrl, path), {
      headers: { accept: "application/json", ...headers },
      ...egressOptions("datadog", ctx),
    });
  try {
    const res = await call("/api/v1/validate", { "dd-api-key": settings.apiKey });
    const body = jsonOrUndefined(res.text()) as ({ valid?: boolean } & DatadogErrors) | undefined;
    if (res.status !== 200 || body?.valid !== true) return explainDatadogError(res.status, body, "apiKey");
    if (!settings.appKey) {
      return { ok: true, message: "Datadog accepted the API key. Add an application key to read data or manage monitors.", details: { appKeyChecked: false } };
    }
    const both = await call("/api/v2/validate_keys", { "dd-api-key": settings.apiKey, "dd-application-key": settings.appKey });
    const bothBody = jsonOrUndefined(both.text()) as ({ status?: string } & DatadogErrors) | undefined;
    if (both.status === 404) {
      return { ok: true, message: "Datadog accepted the API key. This Datadog site cannot validate application keys, so the application key was not checked.", details: { appKeyChecked: false } };
    }
    if (both.status !== 200) return explainDatadogError(both.status, bothBody, "appKey");
    return { ok: true, message: "Datadog accepted the API key and the application key.", details: { appKeyChecked: true } };
  } catch (e) {
    return transportFailure(e);
  }
}

export const datadog = defineProvider({
  key: "datadog",
  name: "Datadog",
  category: "monitoring",
  description: "Send metrics, events and logs to Datadog and read monitors and dashboards, on any Datadog site (US, EU, AP, Gov).",
  icon: "datadog.svg",
  docsUrl: "https://docs.datadoghq.com/api/latest/",
  popular: false,
  authModes: ["api_key"],
  capabilities: ["api_calls"],
  configSchema: datadogConfigSchema,
  credentialsSchema: datadogCredentialsSchema,
  test: testDatadog,
  client: (s, ctx) => ({
    request: apiClient({
      providerKey: "datadog",
      name: "Datadog",
      baseUrl: s.baseUrl,
      ctx,
      auth: () => ({ headers: { "dd-api-key": s.apiKey, ...(s.appKey ? { "dd-application-key": s.appKey } : {}) } }),
    }).request,
  }),
});
