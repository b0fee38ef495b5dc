import "server-only";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch } from "@/lib/http";
import { currentAccessToken, rejectedToken } from "@/lib/providers/_shared/access-token";
import { egressOptions, excerpt, jsonOrUndefined, obj, str, unreachable } from "@/lib/providers/_shared/egress";
import { joinUrl, scopesSchema, serviceUrl, splitScopes } from "@/lib/providers/_shared/url";
import { apiClient, bearer } from "@/lib/providers/_shared/api-client";

const KEY = "hubspot";
/**
 * HubSpot's date-versioned API. Its OAuth endpoints take every parameter in the form body; the v1
 * endpoints (/oauth/v1/token, DELETE /oauth/v1/refresh-tokens/{token}) put tokens in URLs, where
 * logs keep them, and are retired on 2027-02-16.
 */
const API_VERSION = "2026-03";

export const hubspotConfigSchema = z.object({
  clientId: z.string().trim().min(1, "Enter the app's client ID.").max(200).meta({ label: "Client ID", help: "From your HubSpot app: Auth → Client ID." }),
  scopes: scopesSchema
    .default("oauth crm.objects.contacts.read crm.objects.companies.read crm.objects.deals.read")
    .meta({ label: "Scopes", help: "Space-separated; they must match the scopes configured on the app in HubSpot. oauth lets Test read the account details." }),
  authBaseUrl: serviceUrl().default("https://app.hubspot.com").meta({ label: "Authorization base URL", help: "Where users sign in and approve the app." }),
  apiBaseUrl: serviceUrl().default("https://api.hubapi.com").meta({ label: "API base URL", help: "HubSpot's API host; also serves the token endpoint." }),
});

export const hubspotCredentialsSchema = z.object({
  clientSecret: z.string().trim().min(1, "Enter the app's client secret.").max(500).meta({ label: "Client secret", secret: true, help: "From your HubSpot app: Auth → Client secret." }),
});

export type HubspotSettings = z.output<typeof hubspotConfigSchema> & z.output<typeof hubspotCredentialsSchema>;

async function testHubspot(settings: HubspotSettings, ctx: TestContext): Promise<TestResult> {
  const access = await currentAccessToken(ctx, "HubSpot");
  if ("result" in access) return access.result;
  // The account details take the token in a header; v1's token-metadata endpoint
  // (/oauth/v1/access-tokens/{token}) would put it in a URL path, which egress logs record.
  let res;
  try {
    res = await egressFetch(joinUrl(settings.apiBaseUrl, `/account-info/${API_VERSION}/details`), {
      ...egressOptions(KEY, ctx),
      headers: { authorization: `Bearer ${access.token}`, accept: "application/json" },
    });
  } catch (error) {
    return unreachable(error, "HubSpot", "apiBaseUrl");
  }
  const body = obj(jsonOrUndefined(res.text()));
  if (res.status === 401) return rejectedToken("HubSpot");
  if (res.status === 403) {
    const detail = str(body.message) ?? excerpt(res.text());
    return { ok: false, field: "scopes", message: `HubSpot refused to read the account details (403): ${detail}. Add the "oauth" scope to the app and reconnect.` };
  }
  if (res.status !== 200) {
    const detail = str(body.message) ?? excerpt(res.text());
    return { ok: false, field: res.status === 404 ? "apiBaseUrl" : undefined, message: `HubSpot answered ${res.status}${detail ? `: ${detail}` : ""}.` };
  }
  const portalId = str(body.portalId);
  const domain = str(body.uiDomain);
  return {
    ok: true,
    message: `Connected to HubSpot account ${portalId ?? "(unknown id)"}${domain ? ` (${domain})` : ""}.`,
    details: { portalId, accountType: str(body.accountType), uiDomain: domain, dataHostingLocation: str(body.dataHostingLocation), ms: res.ms },
  };
}

export const hubspot = defineProvider({
  key: KEY,
  name: "HubSpot",
  category: "crm",
  description: "Sync contacts, companies and deals from HubSpot CRM, and call its API on behalf of a connected account.",
  icon: "hubspot.svg",
  docsUrl: "https://developers.hubspot.com/docs/api-reference/latest/authentication/manage-oauth-tokens",
  popular: true,
  authModes: ["oauth2_code"],
  capabilities: ["sync", "api_calls"],
  configSchema: hubspotConfigSchema,
  credentialsSchema: hubspotCredentialsSchema,
  oauth: {
    grant: "authorization_code",
    authorizationEndpoint: (c) => joinUrl(c.authBaseUrl, "/oauth/authorize"),
    tokenEndpoint: (c) => joinUrl(c.apiBaseUrl, `/oauth/${API_VERSION}/token`),
    // RFC 7009 shaped (token + client credentials in the body); it revokes the refresh token.
    revocationEndpoint: (c) => joinUrl(c.apiBaseUrl, `/oauth/${API_VERSION}/token/revoke`),
    scopes: (c) => splitScopes(c.scopes),
    clientAuth: "client_secret_post",
    pkce: true,
  },
  test: testHubspot,
  client: (s, ctx) => ({ request: apiClient({ providerKey: KEY, name: "HubSpot", baseUrl: s.apiBaseUrl, ctx, auth: async () => bearer(await ctx.getAccessToken()) }).request }),
});
