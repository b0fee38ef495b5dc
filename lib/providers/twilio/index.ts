import "server-only";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch, isEgressError } from "@/lib/http";
import { egressOptions, jsonOrUndefined } from "@/lib/providers/_shared/egress";
import { joinUrl, serviceUrl } from "@/lib/providers/_shared/url";
import { apiClient, basic } from "@/lib/providers/_shared/api-client";

export const twilioConfigSchema = z.object({
  accountSid: z
    .string()
    .trim()
    .min(1, "Enter the Account SID.")
    .refine((v) => !/^SK[0-9a-fA-F]{32}$/.test(v), { message: "This is an API key SID (SK…). Enter the Account SID, which starts with AC.", abort: true })
    .refine((v) => /^AC[0-9a-fA-F]{32}$/.test(v), "An Account SID is AC followed by 32 hexadecimal characters (34 in all). Copy it from the Twilio Console's Account Info.")
    .meta({ label: "Account SID", placeholder: "AC…", help: "Twilio Console → Account Info. For a subaccount, use the subaccount's SID and auth token." }),
  baseUrl: serviceUrl()
    .default("https://api.twilio.com")
    .meta({ label: "API base URL", help: "Leave as https://api.twilio.com unless you route calls through a proxy." }),
});

export const twilioCredentialsSchema = z.object({
  authToken: z
    .string()
    .trim()
    .min(1, "Paste the auth token.")
    .max(200, "That is too long for a Twilio auth token.")
    .refine((v) => /^[0-9a-fA-F]{32}$/.test(v), "A Twilio auth token is 32 hexadecimal characters. Copy it from the Twilio Console's Account Info (click Show).")
    .meta({ label: "Auth token", secret: true, help: "Twilio Console → Account Info → Auth Token. Patchbay also uses it to check X-Twilio-Signature on inbound webhooks." }),
});

export type TwilioSettings = z.output<typeof twilioConfigSchema> & z.output<typeof twilioCredentialsSchema>;

type TwilioError = { code?: number; message?: string; more_info?: string; status?: number };
type TwilioAccount = { sid?: string; friendly_name?: string; status?: "active" | "suspended" | "closed"; type?: "Trial" | "Full" };

function transportFailure(e: unknown): TestResult {
  if (isEgressError(e)) return { ok: false, message: e.message, ...(e.kind === "blocked" || e.kind === "bad_url" ? { field: "baseUrl" } : {}) };
  return { ok: false, message: `The Twilio check could not run: ${e instanceof Error ? e.message : String(e)}` };
}

/** Twilio's documented error body (`{ code, message, more_info, status }`) in plain words. */
export function explainTwilioError(status: number, body: TwilioError | undefined): TestResult {
  const said = body?.message ? ` Twilio said: "${body.message.slice(0, 200)}"${body.code ? ` (error ${body.code})` : ""}.` : "";
  if (status === 401 || body?.code === 20003) {
    return { ok: false, field: "authToken", message: `Twilio rejected the Account SID and auth token. Check the auth token, and that it belongs to this account (a rotated token stops working once the secondary is promoted).${said}` };
  }
  if (status === 404 || body?.code === 20404) return { ok: false, field: "accountSid", message: `Twilio has no account with this SID visible to this auth token.${said}` };
  if (status === 403) return { ok: false, field: "authToken", message: `Twilio refused access to this account.${said}` };
  if (status === 429 || body?.code === 20429) return { ok: false, message: `Twilio is rate-limiting this account. Try again in a minute.${said}` };
  if (status >= 500) return { ok: false, message: `Twilio answered with HTTP ${status}. It may be having an outage; try again in a few minutes.${said}` };
  if (body?.message) return { ok: false, message: `Twilio refused the request (HTTP ${status}).${said}` };
  return { ok: false, field: "baseUrl", message: `The answer (HTTP ${status}) is not a Twilio API response. Check the API base URL.` };
}

export async function testTwilio(settings: TwilioSettings, ctx: TestContext): Promise<TestResult> {
  let res;
  try {
    res = await egressFetch(joinUrl(settings.baseUrl, `/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}.json`), {
      headers: { authorization: `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString("base64")}`, accept: "application/json" },
      ...egressOptions("twilio", ctx),
    });
  } catch (e) {
    return transportFailure(e);
  }
  const body = jsonOrUndefined(res.text()) as (TwilioAccount & TwilioError) | undefined;
  if (res.status !== 200 || !body?.sid) return explainTwilioError(res.status, body);
  const name = body.friendly_name ? `"${body.friendly_name}"` : body.sid;
  if (body.status === "suspended") return { ok: false, field: "accountSid", message: `The Twilio account ${name} is suspended: it cannot send messages. Check billing or contact Twilio support.` };
  if (body.status === "closed") return { ok: false, field: "accountSid", message: `The Twilio account ${name} is closed.` };
  const trial = body.type === "Trial" ? " It is a trial account: it can only message verified numbers." : "";
  return { ok: true, message: `Connected to the Twilio account ${name}.${trial}`, details: { sid: body.sid, friendlyName: body.friendly_name, status: body.status, type: body.type } };
}

export const twilio = defineProvider({
  key: "twilio",
  name: "Twilio",
  category: "messaging",
  description: "Send SMS and WhatsApp messages and place calls through Twilio, and receive Twilio webhooks verified with the account's auth token.",
  icon: "twilio.svg",
  docsUrl: "https://www.twilio.com/docs/usage/api",
  popular: true,
  authModes: ["basic"],
  capabilities: ["send_message", "webhooks_in"],
  webhook: { scheme: "twilio", secretField: "authToken" },
  configSchema: twilioConfigSchema,
  credentialsSchema: twilioCredentialsSchema,
  test: testTwilio,
  // Twilio takes form-encoded bodies: pass a URLSearchParams. Paths are under /2010-04-01/Accounts/{accountSid}.
  client: (s, ctx) => ({ accountSid: s.accountSid, request: apiClient({ providerKey: "twilio", name: "Twilio", baseUrl: s.baseUrl, ctx, auth: () => basic(s.accountSid, s.authToken) }).request }),
});
