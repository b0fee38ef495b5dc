import "server-only";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch } from "@/lib/http";
import { currentAccessToken, rejectedToken } from "@/lib/providers/_shared/access-token";
import { egressOptions, excerpt, jsonOrUndefined, obj, str, unreachable } from "@/lib/providers/_shared/egress";
import { joinUrl, scopesSchema, serviceUrl, splitScopes } from "@/lib/providers/_shared/url";
import { apiClient, bearer } from "@/lib/providers/_shared/api-client";

const KEY = "salesforce";

export const salesforceConfigSchema = z.object({
  clientId: z.string().trim().min(1, "Enter the connected app's consumer key.").max(300).meta({ label: "Consumer key", help: "From the connected app (or external client app): Consumer Key." }),
  loginUrl: serviceUrl()
    .default("https://login.salesforce.com")
    .meta({ label: "Login URL", help: "https://login.salesforce.com for production, https://test.salesforce.com for sandboxes, or your My Domain URL." }),
  scopes: scopesSchema
    .default("api refresh_token id")
    .meta({ label: "Scopes", help: "Space-separated. refresh_token keeps the connection alive; id lets the test read who connected." }),
  instanceUrl: serviceUrl()
    .optional()
    .meta({ label: "Instance URL", help: "Filled in when you connect (the org's My Domain address, from the token response)." }),
});

export const salesforceCredentialsSchema = z.object({
  clientSecret: z.string().trim().min(1, "Enter the connected app's consumer secret.").max(500).meta({ label: "Consumer secret", secret: true, help: "From the connected app: Consumer Secret." }),
});

export type SalesforceSettings = z.output<typeof salesforceConfigSchema> & z.output<typeof salesforceCredentialsSchema>;

/** Where API calls go: the instance URL from the token response, or the login host before the first connect. */
export const salesforceApiBase = (s: Pick<SalesforceSettings, "instanceUrl" | "loginUrl">) => s.instanceUrl ?? s.loginUrl;

async function testSalesforce(settings: SalesforceSettings, ctx: TestContext): Promise<TestResult> {
  const access = await currentAccessToken(ctx, "Salesforce");
  if ("result" in access) return access.result;
  const base = salesforceApiBase(settings);
  const field = settings.instanceUrl ? "instanceUrl" : "loginUrl";
  let res;
  try {
    res = await egressFetch(joinUrl(base, "/services/oauth2/userinfo"), {
      ...egressOptions(KEY, ctx),
      headers: { authorization: `Bearer ${access.token}`, accept: "application/json" },
    });
  } catch (error) {
    return unreachable(error, "Salesforce", field);
  }
  const text = res.text();
  // An expired or revoked token is a 401, or a 403 "Bad_OAuth_Token" on the identity endpoints.
  if (res.status === 401 || (res.status === 403 && /Bad_OAuth_Token|INVALID_SESSION_ID/i.test(text))) return rejectedToken("Salesforce");
  if (res.status === 403) {
    return { ok: false, field: "scopes", message: `Salesforce refused to say who is connected (403: ${excerpt(text)}). Add the "id" scope and reconnect.` };
  }
  if (res.status !== 200) return { ok: false, field: res.status === 404 ? field : undefined, message: `Salesforce answered ${res.status}: ${excerpt(text) || "no details"}.` };
  const body = obj(jsonOrUndefined(text));
  const user = str(body.preferred_username) ?? str(body.email) ?? str(body.name) ?? str(body.user_id);
  const org = str(body.organization_id);
  return {
    ok: true,
    message: `Connected to Salesforce${user ? ` as ${user}` : ""}${org ? ` (organization ${org})` : ""}.`,
    details: { userId: str(body.user_id), organizationId: org, username: user, instanceUrl: settings.instanceUrl, ms: res.ms },
  };
}

export const salesforce = defineProvider({
  key: KEY,
  name: "Salesforce",
  category: "crm",
  description: "Sync accounts, contacts and opportunities from Salesforce, and call its REST API on behalf of a connected user.",
  icon: "salesforce.svg",
  docsUrl: "https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm",
  popular: true,
  authModes: ["oauth2_code"],
  capabilities: ["sync", "api_calls"],
  configSchema: salesforceConfigSchema,
  credentialsSchema: salesforceCredentialsSchema,
  oauth: {
    grant: "authorization_code",
    authorizationEndpoint: (c) => joinUrl(c.loginUrl, "/services/oauth2/authorize"),
    tokenEndpoint: (c) => joinUrl(c.loginUrl, "/services/oauth2/token"),
    revocationEndpoint: (c) => joinUrl(c.loginUrl, "/services/oauth2/revoke"),
    scopes: (c) => splitScopes(c.scopes),
    clientAuth: "client_secret_post",
    pkce: true,
  },
  test: testSalesforce,
  client: (s, ctx) => ({ request: apiClient({ providerKey: KEY, name: "Salesforce", baseUrl: salesforceApiBase(s), ctx, auth: async () => bearer(await ctx.getAccessToken()) }).request }),
});
