import "server-only";
import * as oauth from "oauth4webapi";
import { z } from "zod";
import { defineProvider, type TestContext, type TestResult } from "@/lib/catalog/define-provider";
import { egressFetch } from "@/lib/http";
import { egressOptions, excerpt, jsonOrUndefined, obj, str, unreachable, type EgressContext } from "@/lib/providers/_shared/egress";
import { classifyOAuthError } from "@/lib/providers/_shared/oauth-errors";
import { oauthHttpOptions } from "@/lib/providers/_shared/oauth-fetch";
import { guidSchema, joinUrl, serviceUrl } from "@/lib/providers/_shared/url";
import { apiClient, bearer } from "@/lib/providers/_shared/api-client";

const KEY = "microsoft-graph";
const tenantPattern = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})$/i;

export const microsoftGraphConfigSchema = z.object({
  tenantId: z
    .string()
    .trim()
    .regex(tenantPattern, "Enter the Directory (tenant) ID, a GUID, or a verified domain like contoso.onmicrosoft.com.")
    .meta({ label: "Tenant ID", placeholder: "00000000-0000-0000-0000-000000000000", help: "Entra ID → App registrations → your app → Overview → Directory (tenant) ID." }),
  clientId: guidSchema("The client ID").meta({ label: "Client ID", placeholder: "00000000-0000-0000-0000-000000000000", help: "Application (client) ID, on the same Overview page." }),
  authorityUrl: serviceUrl()
    .default("https://login.microsoftonline.com")
    .meta({ label: "Authority", help: "https://login.microsoftonline.us for US Government, https://login.partner.microsoftonline.cn for China (21Vianet)." }),
  graphBaseUrl: serviceUrl()
    .default("https://graph.microsoft.com")
    .meta({ label: "Graph base URL", help: "https://graph.microsoft.us or https://microsoftgraph.chinacloudapi.cn for national clouds; the token is requested for this host." }),
});

export const microsoftGraphCredentialsSchema = z.object({
  clientSecret: z
    .string()
    .trim()
    .min(1, "Enter the client secret's value.")
    .max(500)
    .meta({ label: "Client secret", secret: true, help: "Certificates & secrets → the secret's Value (shown once when created), not its Secret ID." }),
});

export type MicrosoftGraphSettings = z.output<typeof microsoftGraphConfigSchema> & z.output<typeof microsoftGraphCredentialsSchema>;

export const graphTokenEndpoint = (c: Pick<MicrosoftGraphSettings, "authorityUrl" | "tenantId">) => joinUrl(c.authorityUrl, `/${encodeURIComponent(c.tenantId)}/oauth2/v2.0/token`);
/** Application permissions are requested as "<resource>/.default"; the resource is the Graph host of this cloud. */
export const graphScope = (c: Pick<MicrosoftGraphSettings, "graphBaseUrl">) => `${new URL(c.graphBaseUrl).origin}/.default`;

/** AADSTS codes that point at one setting, in plain words. */
function explainAadsts(code: string | undefined, s: MicrosoftGraphSettings): { field?: string; message: string } | undefined {
  switch (code) {
    case "7000215":
      return { field: "clientSecret", message: "Microsoft rejected the client secret. Paste the secret's Value from Certificates & secrets (not its Secret ID), or create a new one." };
    case "7000222":
      return { field: "clientSecret", message: "The client secret has expired. Create a new one under Certificates & secrets and paste its Value." };
    case "7000218":
      return { field: "clientSecret", message: "Microsoft expected a client secret and received none." };
    case "700016":
      return { field: "clientId", message: `No application with client ID ${s.clientId} exists in tenant ${s.tenantId}. Check the Application (client) ID, and that the app is registered in or consented to by this tenant.` };
    case "7000112":
      return { field: "clientId", message: `The application ${s.clientId} is disabled in tenant ${s.tenantId}.` };
    case "90002":
      return { field: "tenantId", message: `Tenant ${s.tenantId} was not found. Check the Directory (tenant) ID, and that the authority matches its cloud.` };
    case "900023":
      return { field: "tenantId", message: `${s.tenantId} is neither a valid tenant ID nor a verified domain.` };
    case "500011":
    case "70011":
    case "1002012":
      return { field: "graphBaseUrl", message: `Microsoft does not accept the scope ${graphScope(s)}. Check that the Graph base URL belongs to the same cloud as the authority.` };
    case "53003":
      return { message: "A Conditional Access policy in the tenant blocks this app from signing in." };
    default:
      return undefined;
  }
}

export type GraphToken = { accessToken: string; expiresIn?: number };

/** An app-only Graph token (OAuth client credentials), through egress. Throws what oauth4webapi throws. */
export async function requestGraphToken(s: MicrosoftGraphSettings, ctx: EgressContext): Promise<GraphToken> {
  const tokenEndpoint = graphTokenEndpoint(s);
  const as: oauth.AuthorizationServer = { issuer: joinUrl(s.authorityUrl, `/${s.tenantId}/v2.0`), token_endpoint: tokenEndpoint };
  const client: oauth.Client = { client_id: s.clientId };
  const opts = oauthHttpOptions(KEY, ctx, tokenEndpoint);
  const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretPost(s.clientSecret), { scope: graphScope(s) }, opts);
  const token = await oauth.processClientCredentialsResponse(as, client, response);
  return { accessToken: token.access_token, expiresIn: token.expires_in };
}

function explainTokenError(error: unknown, s: MicrosoftGraphSettings): TestResult {
  const f = classifyOAuthError(error);
  if (f.kind === "transport") return unreachable(f.error, "Microsoft sign-in", "authorityUrl");
  if (f.kind === "protocol") return { ok: false, field: "authorityUrl", message: `The token endpoint ${graphTokenEndpoint(s)} did not answer like Microsoft sign-in${f.status ? ` (status ${f.status})` : ""}.` };
  const codes = Array.isArray(f.body.error_codes) ? f.body.error_codes.map(String) : [];
  const code = codes[0] ?? /AADSTS(\d+)/.exec(f.description)?.[1];
  const known = explainAadsts(code, s);
  if (known) return { ok: false, ...known };
  // The first line of error_description is the human part; the rest is trace and correlation ids.
  const first = f.description.split(/\r?\n/)[0]?.trim();
  return { ok: false, message: `Microsoft refused the token request (${f.error})${first ? `: ${first}` : "."}` };
}

async function testMicrosoftGraph(s: MicrosoftGraphSettings, ctx: TestContext): Promise<TestResult> {
  let token: GraphToken;
  try {
    token = await requestGraphToken(s, ctx);
  } catch (error) {
    return explainTokenError(error, s);
  }
  let res;
  try {
    res = await egressFetch(joinUrl(s.graphBaseUrl, "/v1.0/organization?$select=id,displayName,verifiedDomains"), {
      ...egressOptions(KEY, ctx),
      headers: { authorization: `Bearer ${token.accessToken}`, accept: "application/json" },
    });
  } catch (error) {
    return unreachable(error, "Microsoft Graph", "graphBaseUrl");
  }
  const body = obj(jsonOrUndefined(res.text()));
  const graphError = obj(body.error);
  const detail = str(graphError.message) ?? excerpt(res.text());
  if (res.status === 401) {
    // A fresh app-only token was refused: it was issued for another cloud's Graph, not an expired sign-in.
    return { ok: false, field: "graphBaseUrl", message: `Microsoft Graph rejected the new access token (${str(graphError.code) ?? "401"}: ${detail}). Check that the Graph base URL matches the authority's cloud.` };
  }
  if (res.status === 403) {
    return {
      ok: false,
      message: `Signed in, but the app may not read the organization (${str(graphError.code) ?? "403"}). Add the Microsoft Graph application permission Organization.Read.All and grant admin consent in Entra ID.`,
    };
  }
  if (res.status !== 200) return { ok: false, field: res.status === 404 ? "graphBaseUrl" : undefined, message: `Microsoft Graph answered ${res.status}: ${detail || "no details"}.` };
  const org = obj(Array.isArray(body.value) ? body.value[0] : undefined);
  const domains = Array.isArray(org.verifiedDomains) ? org.verifiedDomains.map(obj) : [];
  const defaultDomain = str(domains.find((d) => d.isDefault === true)?.name);
  const name = str(org.displayName) ?? s.tenantId;
  return {
    ok: true,
    message: `Connected to Microsoft Graph for ${name}${defaultDomain ? ` (${defaultDomain})` : ""}.`,
    details: { tenantId: str(org.id) ?? s.tenantId, displayName: str(org.displayName), defaultDomain, tokenExpiresIn: token.expiresIn, ms: res.ms },
  };
}

export const microsoftGraph = defineProvider({
  key: KEY,
  name: "Microsoft Graph",
  category: "chat",
  description: "Post to Microsoft Teams and call Microsoft 365 APIs (users, groups, mail, calendars) as an Entra ID application.",
  icon: "microsoft-graph.svg",
  docsUrl: "https://learn.microsoft.com/en-us/graph/auth-v2-service",
  popular: false,
  authModes: ["oauth2_client_credentials"],
  capabilities: ["send_message", "api_calls"],
  configSchema: microsoftGraphConfigSchema,
  credentialsSchema: microsoftGraphCredentialsSchema,
  oauth: {
    grant: "client_credentials",
    tokenEndpoint: graphTokenEndpoint,
    scopes: (c) => [graphScope(c)],
    clientAuth: "client_secret_post",
  },
  test: testMicrosoftGraph,
  client: (s, ctx) => ({ request: apiClient({ providerKey: KEY, name: "Microsoft Graph", baseUrl: s.graphBaseUrl, ctx, auth: async () => bearer(await ctx.getAccessToken()) }).request }),
});
