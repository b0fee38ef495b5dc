import "server-only";
import { z } from "zod";
import { defineProvider, type ClientContext, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch, isEgressError } from "@/lib/http";
import { egressOptions, jsonOrUndefined } from "@/lib/providers/_shared/egress";
import { apiClient, bearer, ProviderRequestError } from "@/lib/providers/_shared/api-client";
import { joinUrl, serviceUrl } from "@/lib/providers/_shared/url";

export const slackConfigSchema = z.object({
  baseUrl: serviceUrl()
    .default("https://slack.com")
    .meta({ label: "API base URL", help: "Leave as https://slack.com unless you route Slack calls through a proxy (Enterprise Grid customers keep the default too)." }),
});

export const slackCredentialsSchema = z.object({
  botToken: z
    .string()
    .trim()
    .min(1, "Paste the bot token.")
    .max(500, "That is too long for a Slack token.")
    .refine((v) => !/^xox[pe]-/.test(v), { message: "This is a user token. Paste the Bot User OAuth Token, which starts with xoxb-.", abort: true })
    .refine((v) => !/^xapp-/.test(v), { message: "This is an app-level token (xapp-…). Paste the Bot User OAuth Token, which starts with xoxb-.", abort: true })
    .refine((v) => v.startsWith("xoxb-"), { message: "A bot token starts with xoxb-. Copy the Bot User OAuth Token from your app's OAuth & Permissions page." })
    .meta({
      label: "Bot token",
      secret: true,
      placeholder: "xoxb-…",
      help: "The Bot User OAuth Token from your Slack app's OAuth & Permissions page (api.slack.com/apps). Install the app to the workspace first.",
    }),
  signingSecret: z
    .string()
    .trim()
    .min(20, "That does not look like a Slack signing secret: copy it from Basic Information → App Credentials.")
    .max(200)
    .optional()
    .meta({
      label: "Signing secret",
      secret: true,
      help: "From Basic Information → App Credentials. Patchbay uses it to check that inbound events really come from Slack. Needed only to receive events.",
    }),
});

export type SlackSettings = z.output<typeof slackConfigSchema> & z.output<typeof slackCredentialsSchema>;

type AuthTestResponse = {
  ok: boolean;
  error?: string;
  url?: string;
  team?: string;
  user?: string;
  team_id?: string;
  user_id?: string;
  bot_id?: string;
  enterprise_id?: string;
  is_enterprise_install?: boolean;
};

function transportFailure(e: unknown): TestResult {
  if (isEgressError(e)) return { ok: false, message: e.message, ...(e.kind === "blocked" || e.kind === "bad_url" ? { field: "baseUrl" } : {}) };
  return { ok: false, message: `The Slack check could not run: ${e instanceof Error ? e.message : String(e)}` };
}

/** Slack's documented `error` codes in plain words, naming the field to fix. */
export function explainSlackError(error: string, retryAfter?: string | null): TestResult {
  const code = ` (${error})`;
  switch (error) {
    case "invalid_auth":
      return {
        ok: false,
        field: "botToken",
        message: `Slack rejected the bot token${code}. Copy the Bot User OAuth Token again from OAuth & Permissions; if your workspace restricts API calls by IP address, allow this server's address.`,
      };
    case "not_authed":
      return { ok: false, field: "botToken", message: `Slack received no token${code}. Paste the Bot User OAuth Token.` };
    case "account_inactive":
      return { ok: false, field: "botToken", message: `Slack rejected the bot token${code}: the app's bot user was deleted or the workspace was deactivated.` };
    case "token_revoked":
      return { ok: false, field: "botToken", message: `Slack rejected the bot token${code}: it was revoked, usually because the app was uninstalled. Reinstall the app and paste the new token.` };
    case "token_expired":
      return { ok: false, field: "botToken", message: `Slack rejected the bot token${code}: it expired. Turn off token rotation for the app, or reinstall it and paste the new token.` };
    case "not_allowed_token_type":
    case "no_permission":
    case "missing_scope":
      return { ok: false, field: "botToken", message: `Slack refused this token for the check${code}. Make sure it is the Bot User OAuth Token of an installed app.` };
    case "ekm_access_denied":
    case "team_access_not_granted":
    case "org_login_required":
      return { ok: false, field: "botToken", message: `Slack refused access to the workspace${code}. A Slack admin has to approve or re-authorize the app.` };
    case "ratelimited":
      return { ok: false, message: `Slack is rate-limiting this app${code}.${retryAfter ? ` Try again in ${retryAfter} seconds.` : " Try again in a minute."}` };
    case "service_unavailable":
    case "fatal_error":
    case "internal_error":
    case "request_timeout":
      return { ok: false, message: `Slack had a problem on its side${code}. Try again in a few minutes.` };
    default:
      return { ok: false, message: `Slack refused the check with "${error}".` };
  }
}

export async function testSlack(settings: SlackSettings, ctx: TestContext): Promise<TestResult> {
  let res;
  try {
    res = await egressFetch(joinUrl(settings.baseUrl, "/api/auth.test"), {
      method: "POST",
      headers: { authorization: `Bearer ${settings.botToken}`, "content-type": "application/x-www-form-urlencoded" },
      body: "",
      ...egressOptions("slack", ctx),
    });
  } catch (e) {
    return transportFailure(e);
  }
  const body = jsonOrUndefined(res.text()) as Partial<AuthTestResponse> | undefined;
  const retryAfter = res.headers.get("retry-after");
  if (body && typeof body === "object" && body.ok === false) return explainSlackError(String(body.error ?? "unknown_error"), retryAfter);
  if (res.status === 429) return explainSlackError("ratelimited", retryAfter);
  if (res.status >= 500) return { ok: false, message: `Slack answered with HTTP ${res.status}. It may be having an outage; try again in a few minutes.` };
  if (res.status !== 200 || !body || typeof body !== "object" || body.ok !== true) {
    return { ok: false, field: "baseUrl", message: `The answer from ${settings.baseUrl} (HTTP ${res.status}) is not a Slack API response. Check the API base URL.` };
  }
  return {
    ok: true,
    message: `Connected to the Slack workspace "${body.team ?? body.team_id ?? "unknown"}" as @${body.user ?? body.user_id ?? "bot"}.`,
    details: { team: body.team, teamId: body.team_id, user: body.user, userId: body.user_id, botId: body.bot_id, url: body.url, enterpriseId: body.enterprise_id },
  };
}

export type SlackMessage = { channel: string; text: string; blocks?: unknown[]; threadTs?: string };

/** Slack answers 200 with { ok: false, error } for failures; postMessage turns that into an error. */
function slackClient(settings: SlackSettings, ctx: ClientContext) {
  const api = apiClient({ providerKey: "slack", name: "Slack", baseUrl: settings.baseUrl, ctx, auth: () => bearer(settings.botToken) });
  return {
    /** Any Web API method: request("/api/conversations.list", { query: { limit: 100 } }). Check `data.ok` yourself. */
    request: api.request,
    /** chat.postMessage as the bot. Resolves with the message's channel and timestamp. */
    async postMessage(msg: SlackMessage): Promise<{ channel: string; ts: string }> {
      const { data, status } = await api.request<{ ok?: boolean; error?: string; channel?: string; ts?: string }>("/api/chat.postMessage", {
        method: "POST",
        body: { channel: msg.channel, text: msg.text, ...(msg.blocks ? { blocks: msg.blocks } : {}), ...(msg.threadTs ? { thread_ts: msg.threadTs } : {}) },
        headers: { "content-type": "application/json; charset=utf-8" },
      });
      if (data?.ok !== true || !data.ts) {
        const error = data?.error ?? "unknown_error";
        const explained = error === "channel_not_found" || error === "not_in_channel" ? `Slack could not post to ${msg.channel} (${error}): invite the bot to the channel, or check its id.` : explainSlackError(error).message;
        throw new ProviderRequestError(explained, status, data);
      }
      return { channel: data.channel ?? msg.channel, ts: data.ts };
    },
  };
}

export const slack = defineProvider({
  key: "slack",
  name: "Slack",
  category: "chat",
  description: "Post messages to Slack channels with a bot token, and receive Slack events and interactions signed with your app's signing secret.",
  icon: "slack.svg",
  docsUrl: "https://api.slack.com/web",
  popular: true,
  authModes: ["api_key"],
  capabilities: ["send_message", "webhooks_in"],
  webhook: { scheme: "slack", secretField: "signingSecret" },
  configSchema: slackConfigSchema,
  credentialsSchema: slackCredentialsSchema,
  test: testSlack,
  client: slackClient,
});
