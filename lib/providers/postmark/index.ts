import "server-only";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch } from "@/lib/http";
import { egressOptions, excerpt, jsonOrUndefined, obj, str, unreachable } from "@/lib/providers/_shared/egress";
import { joinUrl, serviceUrl } from "@/lib/providers/_shared/url";
import { apiClient } from "@/lib/providers/_shared/api-client";

const KEY = "postmark";

export const postmarkConfigSchema = z.object({
  fromAddress: z.email("Enter a valid sender address, like alerts@example.com.").meta({ label: "From address", placeholder: "no-reply@example.com", help: "A confirmed Sender Signature or an address on a verified domain." }),
  fromName: z.string().trim().max(100).optional().meta({ label: "From name", placeholder: "Acme" }),
  messageStream: z.string().trim().max(100).default("outbound").meta({ label: "Message stream", help: "outbound for transactional mail, or the ID of another stream." }),
  baseUrl: serviceUrl().default("https://api.postmarkapp.com").meta({ label: "API base URL" }),
});

export const postmarkCredentialsSchema = z.object({
  serverToken: z
    .string()
    .trim()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "A Postmark Server API token is a GUID. Find it under Servers → your server → API Tokens.")
    .meta({ label: "Server API token", secret: true, help: "Servers → your server → API Tokens. Not the Account token." }),
});

export type PostmarkSettings = z.output<typeof postmarkConfigSchema> & z.output<typeof postmarkCredentialsSchema>;

/** Postmark's documented `{ ErrorCode, Message }`: 10 is a bad or missing server token. */
export function explainPostmarkError(status: number, body: unknown, token: string): TestResult {
  const b = obj(body);
  const code = typeof b.ErrorCode === "number" ? b.ErrorCode : undefined;
  const said = str(b.Message) ? ` Postmark said: "${excerpt(String(b.Message), [token])}"` : "";
  if (status === 401 || code === 10) return { ok: false, field: "serverToken", message: `Postmark rejected the Server API token (it may be an Account token, or revoked).${said}` };
  if (status === 429) return { ok: false, message: `Postmark is rate-limiting this token. Try again in a minute.${said}` };
  if (status >= 500) return { ok: false, message: `Postmark answered with HTTP ${status}; it may be having an outage.${said}` };
  if (code !== undefined) return { ok: false, message: `Postmark refused the request (error ${code}).${said}` };
  return { ok: false, field: "baseUrl", message: `The answer (HTTP ${status}) is not a Postmark API response. Check the API base URL.` };
}

export async function testPostmark(s: PostmarkSettings, ctx: TestContext): Promise<TestResult> {
  let res;
  try {
    res = await egressFetch(joinUrl(s.baseUrl, "/server"), { ...egressOptions(KEY, ctx), headers: { accept: "application/json", "x-postmark-server-token": s.serverToken } });
  } catch (error) {
    return unreachable(error, "Postmark", "baseUrl");
  }
  const body = jsonOrUndefined(res.text());
  if (res.status !== 200) return explainPostmarkError(res.status, body, s.serverToken);
  const name = str(obj(body).Name);
  return { ok: true, message: `The token works for the Postmark server${name ? ` “${name}”` : ""}. Mail will come from ${s.fromAddress} on stream ${s.messageStream}.`, details: { server: name } };
}

export const postmark = defineProvider({
  key: KEY,
  name: "Postmark",
  category: "email",
  description: "Send transactional email through Postmark's API with a Server API token.",
  icon: "postmark.svg",
  docsUrl: "https://postmarkapp.com/developer/api/server-api",
  popular: false,
  authModes: ["api_key"],
  capabilities: ["send_email"],
  configSchema: postmarkConfigSchema,
  credentialsSchema: postmarkCredentialsSchema,
  test: testPostmark,
  client: (s, ctx) => ({ request: apiClient({ providerKey: "postmark", name: "Postmark", baseUrl: s.baseUrl, ctx, auth: () => ({ headers: { "x-postmark-server-token": s.serverToken } }) }).request }),
});
