import "server-only";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch, isEgressError } from "@/lib/http";
import { egressOptions, jsonOrUndefined } from "@/lib/providers/_shared/egress";
import { joinUrl, serviceUrl } from "@/lib/providers/_shared/url";
import { apiClient, basic } from "@/lib/providers/_shared/api-client";

export const jiraConfigSchema = z.object({
  baseUrl: serviceUrl()
    .superRefine((url, issues) => {
      if (!URL.canParse(url)) return; // already reported
      const u = new URL(url);
      if (u.hostname.endsWith(".atlassian.net") && u.pathname.replace(/\/+$/, "") !== "") {
        issues.addIssue({ code: "custom", message: `Enter only the site address: ${u.origin}` });
      }
    })
    .meta({ label: "Site URL", placeholder: "https://your-site.atlassian.net", help: "The address of your Jira Cloud site, without any path." }),
  email: z.email("Enter the email address of the Atlassian account that owns the API token.").meta({
    label: "Account email",
    placeholder: "integrations@example.com",
    help: "The Atlassian account the API token belongs to. Patchbay acts with this account's Jira permissions; a dedicated account is best.",
  }),
});

export const jiraCredentialsSchema = z.object({
  apiToken: z
    .string()
    .trim()
    .min(1, "Paste the API token.")
    .max(1000, "That is too long for an Atlassian API token.")
    .meta({
      label: "API token",
      secret: true,
      help: "Create one at id.atlassian.com → Security → API tokens while signed in as the account above. Your password does not work here.",
    }),
});

export type JiraSettings = z.output<typeof jiraConfigSchema> & z.output<typeof jiraCredentialsSchema>;

type JiraErrors = { errorMessages?: string[]; errors?: Record<string, string>; message?: string };
type JiraUser = { accountId?: string; emailAddress?: string; displayName?: string; active?: boolean; accountType?: string; timeZone?: string };

function transportFailure(e: unknown): TestResult {
  const urlKinds = new Set(["blocked", "bad_url", "network", "timeout", "redirect_blocked"]);
  if (isEgressError(e)) return { ok: false, message: e.message, ...(urlKinds.has(e.kind) ? { field: "baseUrl" } : {}) };
  return { ok: false, message: `The Jira check could not run: ${e instanceof Error ? e.message : String(e)}` };
}

/** Jira's documented `{ errorMessages, errors }` (and the gateway's `{ message }`) in plain words. */
export function explainJiraError(status: number, body: JiraErrors | undefined, loginReason?: string | null): TestResult {
  const list = [...(body?.errorMessages ?? []), ...Object.values(body?.errors ?? {}), ...(body?.message ? [body.message] : [])].filter(Boolean);
  const said = list.length ? ` Jira said: "${list.join("; ").slice(0, 300)}"` : "";
  if (status === 401) {
    return { ok: false, field: "apiToken", message: `Jira rejected the email and API token. Check that the token belongs to this email's Atlassian account and was not revoked (a password does not work).${said}` };
  }
  if (status === 403 && loginReason && /CAPTCHA|AUTHENTICATION_DENIED/i.test(loginReason)) {
    return { ok: false, field: "apiToken", message: `Jira now asks this account for a CAPTCHA after failed sign-ins. Sign in to the site once in a browser as this account, then test again.` };
  }
  if (status === 403) return { ok: false, field: "email", message: `Jira accepted the token but this account has no access to the site. Give it Jira access in Atlassian Administration.${said}` };
  if (status === 404) return { ok: false, field: "baseUrl", message: `There is no Jira Cloud REST API at this address. Check the site URL (like https://your-site.atlassian.net).${said}` };
  if (status === 429) return { ok: false, message: `Jira is rate-limiting this account. Try again in a minute.${said}` };
  if (status >= 300 && status < 400) return { ok: false, field: "baseUrl", message: `The site redirected elsewhere (HTTP ${status}). Enter the site's own address.` };
  if (status >= 500) return { ok: false, message: `Jira answered with HTTP ${status}. It may be having an outage; try again in a few minutes.${said}` };
  return { ok: false, field: "baseUrl", message: `The answer (HTTP ${status}) is not a Jira API response. Check the site URL.${said}` };
}

export async function testJira(settings: JiraSettings, ctx: TestContext): Promise<TestResult> {
  let res;
  try {
    res = await egressFetch(joinUrl(settings.baseUrl, "/rest/api/3/myself"), {
      headers: { authorization: `Basic ${Buffer.from(`${settings.email}:${settings.apiToken}`).toString("base64")}`, accept: "application/json" },
      ...egressOptions("jira", ctx),
    });
  } catch (e) {
    return transportFailure(e);
  }
  const body = jsonOrUndefined(res.text()) as (JiraUser & JiraErrors) | undefined;
  if (res.status !== 200 || !body?.accountId) {
    if (res.status === 200) return { ok: false, field: "baseUrl", message: "This address answered, but not like a Jira site. Check the site URL." };
    return explainJiraError(res.status, body, res.headers.get("x-seraph-loginreason"));
  }
  if (body.active === false) return { ok: false, field: "email", message: `The Atlassian account ${body.displayName ?? settings.email} is deactivated.` };
  return {
    ok: true,
    message: `Signed in to Jira as ${body.displayName ?? body.emailAddress ?? settings.email}.`,
    details: { accountId: body.accountId, displayName: body.displayName, emailAddress: body.emailAddress, accountType: body.accountType, timeZone: body.timeZone },
  };
}

export const jira = defineProvider({
  key: "jira",
  name: "Jira",
  category: "ticketing",
  description: "Create and update Jira Cloud issues, comments and transitions with an Atlassian account's API token.",
  icon: "jira.svg",
  docsUrl: "https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/",
  popular: false,
  authModes: ["basic"],
  capabilities: ["api_calls"],
  configSchema: jiraConfigSchema,
  credentialsSchema: jiraCredentialsSchema,
  test: testJira,
  client: (s, ctx) => ({ request: apiClient({ providerKey: "jira", name: "Jira", baseUrl: s.baseUrl, ctx, auth: () => basic(s.email, s.apiToken) }).request }),
});
