import "server-only";
import { STATUS_CODES } from "node:http";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch, type EgressResponse } from "@/lib/http";
import { egressOptions, excerpt, unreachable } from "@/lib/providers/_shared/egress";
import { serviceUrl } from "@/lib/providers/_shared/url";
import { customWebhookConfigFields, customWebhookCredentialFields, customWebhookScheme } from "@/lib/webhooks/custom-fields";
import { apiClient } from "@/lib/providers/_shared/api-client";

const KEY = "custom-api-key";
// Headers that frame the HTTP message itself; an API key never goes there.
const reservedHeaders = new Set(["host", "content-length", "content-type", "transfer-encoding", "connection", "upgrade", "te", "trailer", "keep-alive", "proxy-authorization", "expect"]);

export const customApiKeyConfigSchema = z.object({
  serviceName: z.string().trim().max(80).optional().meta({ label: "Service name", placeholder: "Acme API", help: "How messages name this service." }),
  baseUrl: serviceUrl().meta({ label: "Base URL", placeholder: "https://api.example.com/v1" }),
  testPath: z
    .string()
    .trim()
    .regex(/^\/(?!\/)[^\s#]*$/, "Enter a path starting with /, like /me or /status?verbose=1.")
    .max(1000)
    .default("/")
    .meta({ label: "Test path", help: "Appended to the base URL; Test sends a GET there." }),
  authPlacement: z
    .enum(["header", "query", "bearer"])
    .default("header")
    .meta({ label: "Send the key as", help: "header: in the header named below. query: as a query parameter. bearer: Authorization: Bearer <key>." }),
  headerName: z
    .string()
    .trim()
    .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, "Enter a header name like X-API-Key.")
    .refine((v) => !reservedHeaders.has(v.toLowerCase()), "This header cannot carry an API key.")
    .default("X-API-Key")
    .meta({ label: "Header name", help: "Used when the key is sent as a header. Authorization works too, for APIs that take the bare key there." }),
  queryParam: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._~-]{1,100}$/, "Enter a parameter name like api_key.")
    .default("api_key")
    .meta({ label: "Query parameter", help: "Used when the key is sent as a query parameter." }),
  expectedStatus: z.coerce.number().int().min(100).max(599).default(200).meta({ label: "Expected status", help: "The HTTP status a successful test returns." }),
  ...customWebhookConfigFields,
});

export const customApiKeyCredentialsSchema = z.object({
  apiKey: z
    .string()
    .trim()
    .min(1, "Enter the API key.")
    .max(4000)
    .regex(/^[^\r\n\0]+$/, "The API key must be a single line.")
    .meta({ label: "API key", secret: true }),
  ...customWebhookCredentialFields,
});

export type CustomApiKeySettings = z.output<typeof customApiKeyConfigSchema> & z.output<typeof customApiKeyCredentialsSchema>;

/** The request that carries the key as configured; `display` is the URL with the key left out, for messages. */
export function customApiKeyRequest(s: CustomApiKeySettings, path = s.testPath): { url: string; display: string; headers: Record<string, string> } {
  const url = new URL(s.baseUrl.replace(/\/+$/, "") + path);
  const display = url.href;
  const headers: Record<string, string> = { accept: "application/json, */*;q=0.5" };
  if (s.authPlacement === "query") url.searchParams.set(s.queryParam, s.apiKey);
  else if (s.authPlacement === "bearer") headers.authorization = `Bearer ${s.apiKey}`;
  else headers[s.headerName.toLowerCase()] = s.apiKey;
  return { url: url.href, display, headers };
}

async function testCustomApiKey(s: CustomApiKeySettings, ctx: TestContext): Promise<TestResult> {
  const name = s.serviceName || new URL(s.baseUrl).hostname;
  const req = customApiKeyRequest(s);
  let res: EgressResponse;
  try {
    res = await egressFetch(req.url, { ...egressOptions(KEY, ctx), headers: req.headers });
  } catch (error) {
    const r = unreachable(error, name, "baseUrl");
    return { ...r, message: r.message.split(s.apiKey).join("…") };
  }
  const status = (n: number) => `${n}${STATUS_CODES[n] ? ` ${STATUS_CODES[n]}` : ""}`;
  if (res.status === s.expectedStatus) return { ok: true, message: `GET ${req.display} answered ${status(res.status)}, as expected.`, details: { status: res.status, ms: res.ms } };
  const body = excerpt(res.text(), [s.apiKey]);
  const message = `GET ${req.display} answered ${status(res.status)} instead of ${s.expectedStatus}${body ? `: ${body}` : "."}`;
  if (res.status === 401 || res.status === 403) return { ok: false, field: "apiKey", message: `${message} Check the API key and how it is sent.` };
  if (res.status === 404) return { ok: false, field: "testPath", message };
  if (res.status >= 300 && res.status < 400) {
    const location = res.headers.get("location");
    return { ok: false, field: "baseUrl", message: `GET ${req.display} redirected (${res.status})${location ? ` to ${location.split(s.apiKey).join("…")}` : ""}; Patchbay does not follow redirects with the key. Use the final address as base URL.` };
  }
  return { ok: false, message };
}

export const customApiKey = defineProvider({
  key: KEY,
  name: "Custom REST API (API key)",
  category: "custom",
  description: "Call any REST API that authenticates with an API key in a header, a query parameter or a bearer token.",
  icon: "custom-api-key.svg",
  docsUrl: "https://swagger.io/docs/specification/v3_0/authentication/api-keys/",
  popular: false,
  authModes: ["api_key"],
  capabilities: ["api_calls", "webhooks_in"],
  webhook: { scheme: customWebhookScheme, secretField: "webhookSecret" },
  configSchema: customApiKeyConfigSchema,
  credentialsSchema: customApiKeyCredentialsSchema,
  test: testCustomApiKey,
  client: (s, ctx) => ({
    request: apiClient({
      providerKey: KEY,
      name: s.serviceName || new URL(s.baseUrl).hostname,
      baseUrl: s.baseUrl,
      ctx,
      auth: () => (s.authPlacement === "query" ? { query: { [s.queryParam]: s.apiKey } } : s.authPlacement === "bearer" ? { headers: { authorization: `Bearer ${s.apiKey}` } } : { headers: { [s.headerName.toLowerCase()]: s.apiKey } }),
      secrets: [s.apiKey],
    }).request,
  }),
});
