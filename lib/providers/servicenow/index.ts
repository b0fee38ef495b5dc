import "server-only";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch, isEgressError } from "@/lib/http";
import { egressOptions, jsonOrUndefined } from "@/lib/providers/_shared/egress";
import { joinUrl, serviceUrl } from "@/lib/providers/_shared/url";
import { apiClient, basic } from "@/lib/providers/_shared/api-client";

export const servicenowConfigSchema = z.object({
  instanceUrl: serviceUrl()
    .superRefine((url, issues) => {
      if (!URL.canParse(url)) return; // already reported
      const u = new URL(url);
      if (u.hostname.endsWith(".service-now.com") && u.pathname.replace(/\/+$/, "") !== "") {
        issues.addIssue({ code: "custom", message: `Enter only the instance address: ${u.origin}` });
      }
    })
    .meta({ label: "Instance URL", placeholder: "https://your-instance.service-now.com", help: "The address of your ServiceNow instance, without any path." }),
  username: z
    .string()
    .trim()
    .min(1, "Enter the ServiceNow user name.")
    .max(200)
    .meta({
      label: "User name",
      placeholder: "patchbay.integration",
      help: "A ServiceNow user (ideally a dedicated integration user marked Web service access only) with the roles for the tables Patchbay will use.",
    }),
});

export const servicenowCredentialsSchema = z.object({
  password: z.string().min(1, "Enter the password.").max(1000).meta({ label: "Password", secret: true, help: "The password of the user above. Stored encrypted." }),
});

export type ServicenowSettings = z.output<typeof servicenowConfigSchema> & z.output<typeof servicenowCredentialsSchema>;

type ServicenowError = { error?: { message?: string; detail?: string | null }; status?: string };

function transportFailure(e: unknown): TestResult {
  const urlKinds = new Set(["blocked", "bad_url", "network", "timeout", "redirect_blocked"]);
  if (isEgressError(e)) return { ok: false, message: e.message, ...(urlKinds.has(e.kind) ? { field: "instanceUrl" } : {}) };
  return { ok: false, message: `The ServiceNow check could not run: ${e instanceof Error ? e.message : String(e)}` };
}

/** ServiceNow's documented `{ error: { message, detail }, status: "failure" }` in plain words. */
export function explainServicenowError(status: number, body: ServicenowError | undefined): TestResult {
  const detail = [body?.error?.message, body?.error?.detail].filter(Boolean).join(": ");
  const said = detail ? ` ServiceNow said: "${detail.slice(0, 300)}"` : "";
  if (status === 401) {
    return { ok: false, field: "password", message: `ServiceNow rejected the user name and password. Check both, and that the user is active and not locked out.${said}` };
  }
  if (status === 403) {
    return { ok: false, field: "username", message: `ServiceNow signed the user in but refused to read the sys_user table: give the user a role that may read users (or the tables Patchbay will use).${said}` };
  }
  if (status === 404) return { ok: false, field: "instanceUrl", message: `There is no ServiceNow REST API at this address. Check the instance URL.${said}` };
  if (status === 429) return { ok: false, message: `ServiceNow is rate-limiting this user. Try again in a minute.${said}` };
  if (status >= 300 && status < 400) return { ok: false, field: "instanceUrl", message: `The instance redirected elsewhere (HTTP ${status}). Enter the instance's own address.` };
  if (status >= 500) return { ok: false, message: `ServiceNow answered with HTTP ${status}. The instance may be upgrading or down; try again in a few minutes.${said}` };
  return { ok: false, field: "instanceUrl", message: `The answer (HTTP ${status}) is not a ServiceNow API response. Check the instance URL.${said}` };
}

export async function testServicenow(settings: ServicenowSettings, ctx: TestContext): Promise<TestResult> {
  let res;
  try {
    // sysparm_fields keeps the answer to one id: the test proves access without reading anyone's details.
    res = await egressFetch(joinUrl(settings.instanceUrl, "/api/now/table/sys_user?sysparm_limit=1&sysparm_fields=sys_id"), {
      headers: { authorization: `Basic ${Buffer.from(`${settings.username}:${settings.password}`).toString("base64")}`, accept: "application/json" },
      ...egressOptions("servicenow", ctx),
    });
  } catch (e) {
    return transportFailure(e);
  }
  const text = res.text();
  const body = jsonOrUndefined(text) as ({ result?: unknown } & ServicenowError) | undefined;
  if (res.status === 200 && Array.isArray(body?.result)) {
    return { ok: true, message: `Signed in to ServiceNow at ${new URL(settings.instanceUrl).host} as ${settings.username}.`, details: { instance: new URL(settings.instanceUrl).host } };
  }
  if (res.status === 200) {
    // A sleeping developer instance answers every URL with an HTML "hibernating" page.
    const hibernating = /hibernat/i.test(text);
    return {
      ok: false,
      field: "instanceUrl",
      message: hibernating
        ? "The instance is hibernating. Wake it from the ServiceNow Developer site, then test again."
        : "This address answered with a web page instead of ServiceNow's JSON API. Check the instance URL.",
    };
  }
  return explainServicenowError(res.status, body);
}

export const servicenow = defineProvider({
  key: "servicenow",
  name: "ServiceNow",
  category: "ticketing",
  description: "Open and update ServiceNow incidents, requests and other records through the Table API, as a dedicated integration user.",
  icon: "servicenow.svg",
  docsUrl: "https://developer.servicenow.com/dev.do#!/reference/api/latest/rest/c_TableAPI",
  popular: false,
  authModes: ["basic"],
  capabilities: ["api_calls"],
  configSchema: servicenowConfigSchema,
  credentialsSchema: servicenowCredentialsSchema,
  test: testServicenow,
  client: (s, ctx) => ({ request: apiClient({ providerKey: "servicenow", name: "ServiceNow", baseUrl: s.instanceUrl, ctx, auth: () => basic(s.username, s.password) }).request }),
});
