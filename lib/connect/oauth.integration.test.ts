import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { getDb, type DbHandle } from "@/db/client";
import { auditLog, integrations, integrationSecrets, oauthStates, tokenLeases } from "@/db/schema";
import { testDbKinds, useTestDb } from "@/db/testing";
import { getUserByEmail } from "@/db/queries/users";
import { createConnection, deleteConnection } from "@/lib/connections/service";
import { resetEnvForTests } from "@/lib/env";
import { resetEgressForTests } from "@/lib/http/testing";
import { openSecret } from "@/lib/lockbox";
import { formatMasterKey } from "@/lib/lockbox/crypto";
import { masterKeys } from "@/lib/lockbox/keyring";
import { addMember, changeMemberRole, createOrganizationFor } from "@/lib/organizations/members";
import { completeSetup } from "@/lib/organizations/setup";
import { IntegrationUnavailableError, resolveSettings } from "@/lib/settings";
import { stopSettingsListener } from "@/lib/settings/invalidation";
import { ACCESS_TOKEN_FIELD, browserCookieName, CALLBACK_PATH, completeAuthorization, getAccessToken, OAuthFlowError, REFRESH_TOKEN_FIELD, startAuthorization } from "./oauth";
import { s256, startFakeOAuth, type FakeOAuth } from "./testing/fake-oauth";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PASSWORD = "correct horse battery";
const ORIGIN = "https://patchbay.example";
const CLIENT = { clientId: "patchbay-test-client", clientSecret: "client-secret-9f3b1c" };
const PARALLEL = 20;
const REFRESH_DELAY_MS = 150;

type Actor = { id: string; email: string; isPlatformAdmin: boolean };
type OrgRef = { id: string; name: string };
type Cookie = { name: string; value: string; maxAge: number };

const sha256hex = (s: string) => createHash("sha256").update(s).digest("hex");
const reader = (cookie: Pick<Cookie, "name" | "value">) => (n: string) => (n === cookie.name ? cookie.value : undefined);

function callbackUrl(params: Record<string, string>): URL {
  const u = new URL(`${ORIGIN}${CALLBACK_PATH}`);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u;
}

/** The rejection of a promise, or a failure if it resolved. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(v)}`);
    },
    (e: unknown) => e,
  );
}

async function expectFlowError(p: Promise<unknown>, reason: OAuthFlowError["reason"]): Promise<OAuthFlowError> {
  const e = await rejection(p);
  expect(e).toBeInstanceOf(OAuthFlowError);
  expect((e as OAuthFlowError).reason).toBe(reason);
  return e as OAuthFlowError;
}

async function connectionRow(id: string) {
  const [row] = await getDb().select().from(integrations).where(eq(integrations.id, id));
  return row;
}

async function secretRows(id: string) {
  return getDb().select().from(integrationSecrets).where(eq(integrationSecrets.integrationId, id));
}

async function storedToken(orgId: string, id: string, field: string): Promise<string | undefined> {
  const row = (await secretRows(id)).find((r) => r.field === field);
  return row ? openSecret({ orgId, integrationId: id, field, ciphertext: row.ciphertext }) : undefined;
}

/**
 * Make the stored access token due for refresh: it expires in 60 s (inside the 5-minute
 * refresh-ahead window) and was obtained an hour ago, so it is due under any reading of "ahead".
 */
async function makeDue(id: string): Promise<void> {
  await getDb()
    .update(integrationSecrets)
    .set({ expiresAt: new Date(Date.now() + 60_000), updatedAt: new Date(Date.now() - 3_600_000) })
    .where(and(eq(integrationSecrets.integrationId, id), eq(integrationSecrets.field, ACCESS_TOKEN_FIELD)));
}

/** Every ciphertext is a lockbox envelope that contains none of these values in any usual encoding. */
function expectSealedWithout(rows: { ciphertext: string }[], plaintexts: string[]) {
  for (const row of rows) {
    expect(row.ciphertext.startsWith("pb1.")).toBe(true);
    for (const p of plaintexts) {
      for (const form of [p, ...(["base64", "base64url", "hex"] as const).map((enc) => Buffer.from(p).toString(enc))]) expect(row.ciphertext).not.toContain(form);
    }
  }
}

// Cross-process cases need a real server; on PGlite they are not defined at all (never "skipped").
const noTest = (() => undefined) as unknown as typeof it;

describe.each(testDbKinds())("OAuth 2.0 connect flow (custom-oauth2 against a local authorization server) on %s", (kind) => {
  const itOnPostgres = kind === "postgres" ? it : noTest;
  let handle: DbHandle;
  let fake: FakeOAuth;
  let owner: Actor;
  let acme: OrgRef;
  let beta: OrgRef;
  let bob: Actor;
  const children: ChildProcess[] = [];

  const values = () => ({
    serviceName: "Fake IdP",
    authorizationUrl: fake.authorizationUrl,
    tokenUrl: fake.tokenUrl,
    revocationUrl: fake.revocationUrl,
    scopes: "read write",
    clientId: CLIENT.clientId,
    clientSecret: CLIENT.clientSecret,
    usePkce: true,
    clientAuth: "client_secret_basic",
  });

  async function newConnection(name: string): Promise<string> {
    const { id } = await createConnection({ org: acme, actor: owner, providerKey: "custom-oauth2", platformWide: false, name, values: values(), testBeforeSave: false, ip: null });
    return id;
  }

  async function start(connectionId: string, actor: Actor = owner) {
    const r = await startAuthorization({ orgId: acme.id, actor, connectionId, origin: ORIGIN, ip: null });
    const state = new URL(r.url).searchParams.get("state")!;
    return { ...r, state };
  }

  /** A connection taken through the whole browser flow; returns the tokens the fake issued. */
  async function authorizedConnection(name: string) {
    const id = await newConnection(name);
    const a = await start(id);
    const { code } = fake.authorize(a.url);
    const before = fake.tokenCalls.length;
    await completeAuthorization({ url: callbackUrl({ code, state: a.state }), readCookie: reader(a.cookie), userId: owner.id, ip: null });
    const call = fake.tokenCalls[before]!;
    expect(call.status).toBe(200);
    await makeDue(id);
    return { id, accessToken: call.accessToken!, refreshToken: call.refreshToken! };
  }

  const savedEgressFlag = process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;

  beforeAll(async () => {
    // The fake authorization server listens on loopback; the egress client refuses private
    // addresses unless this is set.
    process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS = "true";
    resetEnvForTests();
    handle = await useTestDb(kind);
    fake = await startFakeOAuth(CLIENT);
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: PASSWORD, orgName: "Acme", ip: null });
    owner = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: setup.user.isPlatformAdmin };
    acme = { id: setup.org.id, name: setup.org.name };
    const b = await createOrganizationFor(owner, "Beta Corp", null);
    beta = { id: b.id, name: b.name };
    await addMember(acme, owner, { email: "bob@example.com", name: "Bob", role: "admin", mode: "password", password: PASSWORD }, null);
    const bobRow = (await getUserByEmail("bob@example.com"))!;
    bob = { id: bobRow.id, email: bobRow.email, isPlatformAdmin: false };
  });

  afterEach(() => {
    fake.reset();
  });

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once("exit", r));
        child.kill("SIGKILL");
        await gone;
      }
    }
    await fake?.close();
    await resetEgressForTests();
    await stopSettingsListener();
    delete (globalThis as { __patchbaySettingsCache?: unknown }).__patchbaySettingsCache;
    await handle?.close();
    if (savedEgressFlag === undefined) delete process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;
    else process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS = savedEgressFlag;
    resetEnvForTests();
  });

  it("authorizes: an authorization URL with PKCE, a callback that exchanges the code, tokens stored sealed", async () => {
    const id = await newConnection("Fake IdP");
    expect((await connectionRow(id))!.status).toBe("pending");

    const started = await startAuthorization({ orgId: acme.id, actor: owner, connectionId: id, origin: ORIGIN, ip: null });
    const url = new URL(started.url);
    expect(`${url.origin}${url.pathname}`).toBe(fake.authorizationUrl);
    const p = url.searchParams;
    expect(p.get("response_type")).toBe("code");
    expect(p.get("client_id")).toBe(CLIENT.clientId);
    expect(p.get("redirect_uri")).toBe(`${ORIGIN}/api/oauth/callback`);
    expect(p.get("redirect_uri")!.endsWith("/api/oauth/callback")).toBe(true);
    expect(p.get("scope")).toBe("read write");
    const state = p.get("state")!;
    expect(state).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(p.get("code_challenge_method")).toBe("S256");
    const challenge = p.get("code_challenge")!;
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(started.cookie).toMatchObject({ name: browserCookieName(state), maxAge: 600 });
    expect(started.cookie.value.length).toBeGreaterThanOrEqual(32);
    expect((await connectionRow(id))!.status).toBe("configuring");

    // The attempt is stored by the state's hash, with the PKCE verifier sealed; the verifier is the
    // one the challenge was computed from.
    const [attempt] = await getDb().select().from(oauthStates).where(eq(oauthStates.integrationId, id));
    expect(attempt).toMatchObject({ stateHash: sha256hex(state), userId: owner.id, orgId: acme.id, usedAt: null, redirectUri: `${ORIGIN}/api/oauth/callback` });
    expect(attempt!.browserHash).toBe(sha256hex(started.cookie.value));
    expect(attempt!.codeVerifier.startsWith("pb1.")).toBe(true);
    const verifier = await openSecret({ orgId: acme.id, integrationId: id, field: "oauth_code_verifier", ciphertext: attempt!.codeVerifier });
    expect(s256(verifier)).toBe(challenge);
    expect(attempt!.codeVerifier).not.toContain(verifier);

    // The provider redirects back with a code.
    const { code } = fake.authorize(started.url);
    const before = fake.tokenCalls.length;
    const result = await completeAuthorization({ url: callbackUrl({ code, state }), readCookie: reader(started.cookie), userId: owner.id, ip: null });
    expect(result).toEqual({ connectionId: id });

    expect(fake.tokenCalls).toHaveLength(before + 1);
    const exchange = fake.tokenCalls[before]!;
    expect(exchange).toMatchObject({ grantType: "authorization_code", auth: "client_secret_basic", status: 200, pkceOk: true, codeVerifier: verifier });
    expect(exchange.params).toMatchObject({ code, redirect_uri: `${ORIGIN}/api/oauth/callback` });
    expect(exchange.params.client_secret).toBeUndefined(); // client_secret_basic: only in the header

    const row = (await connectionRow(id))!;
    expect(row.status).toBe("active");
    expect(row.lastError).toBeNull();
    const info = row.config.oauthToken as { tokenType: string; scope: string; expiresAt: string };
    expect(info.tokenType.toLowerCase()).toBe("bearer");
    expect(info.scope).toBe("read write");
    expect(Math.abs(new Date(info.expiresAt).getTime() - (Date.now() + 60_000))).toBeLessThan(10_000);
    expect(JSON.stringify(row.config)).not.toContain(exchange.accessToken!);

    // Raw rows: lockbox envelopes only; the tokens and the client secret appear nowhere in clear.
    const secrets = await secretRows(id);
    expect(secrets.map((s) => s.field).sort()).toEqual([ACCESS_TOKEN_FIELD, "clientSecret", REFRESH_TOKEN_FIELD].sort());
    expectSealedWithout(secrets, [exchange.accessToken!, exchange.refreshToken!, CLIENT.clientSecret]);
    const accessRow = secrets.find((s) => s.field === ACCESS_TOKEN_FIELD)!;
    expect(Math.abs(accessRow.expiresAt!.getTime() - (Date.now() + 60_000))).toBeLessThan(10_000);
    // …and they open, bound to their own field, to what the provider issued.
    expect(await storedToken(acme.id, id, ACCESS_TOKEN_FIELD)).toBe(exchange.accessToken);
    expect(await storedToken(acme.id, id, REFRESH_TOKEN_FIELD)).toBe(exchange.refreshToken);

    const [attemptAfter] = await getDb().select().from(oauthStates).where(eq(oauthStates.stateHash, sha256hex(state)));
    expect(attemptAfter!.usedAt).not.toBeNull();
    const audit = await getDb().select().from(auditLog).where(and(eq(auditLog.targetId, id), eq(auditLog.action, "connection.authorized")));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorId).toBe(owner.id);
  });

  it("checks the state, browser and user before any token request", async () => {
    const id = await newConnection("State checks");
    const tokenCallsAtStart = fake.tokenCalls.length;
    const complete = (url: URL, readCookie: (n: string) => string | undefined, userId: string | null) => completeAuthorization({ url, readCookie, userId, ip: null });

    const a = await start(id);
    const { code } = fake.authorize(a.url);
    const good = callbackUrl({ code, state: a.state });

    // Unknown or missing state, with a real code: nothing is exchanged.
    await expectFlowError(complete(callbackUrl({ code, state: randomBytes(32).toString("base64url") }), reader(a.cookie), owner.id), "invalid_state");
    await expectFlowError(complete(callbackUrl({ code }), reader(a.cookie), owner.id), "invalid_state");
    await expectFlowError(complete(callbackUrl({ code, state: "x".repeat(201) }), reader(a.cookie), owner.id), "invalid_state");

    // Another browser: no cookie, a forged value, or the cookie of another attempt.
    const b = await start(id);
    expect(b.cookie.name).not.toBe(a.cookie.name);
    let e = await expectFlowError(complete(good, () => undefined, owner.id), "other_browser");
    expect(e.connectionId).toBe(id);
    await expectFlowError(complete(good, reader({ name: a.cookie.name, value: randomBytes(24).toString("base64url") }), owner.id), "other_browser");
    await expectFlowError(complete(good, (n) => (n === a.cookie.name ? b.cookie.value : undefined), owner.id), "other_browser");

    // Another user, even an admin of the same organization, or nobody signed in.
    e = await expectFlowError(complete(good, reader(a.cookie), bob.id), "wrong_user");
    expect(e.message).toMatch(/another user/);
    await expectFlowError(complete(good, reader(a.cookie), null), "wrong_user");

    expect(fake.tokenCalls).toHaveLength(tokenCallsAtStart);
    // None of the refused callbacks used the attempt up: the right browser and user still complete it.
    await expect(complete(good, reader(a.cookie), owner.id)).resolves.toEqual({ connectionId: id });
    expect(fake.tokenCalls).toHaveLength(tokenCallsAtStart + 1);
    expect(fake.tokenCalls.at(-1)).toMatchObject({ grantType: "authorization_code", status: 200 });

    // Replay of the very same callback, by the same browser and user.
    e = await expectFlowError(complete(good, reader(a.cookie), owner.id), "replayed");
    expect(e.message).toMatch(/already used/);

    // Expired: older than 10 minutes (moved into the past in the database).
    const c = await start(id);
    const cCode = fake.authorize(c.url).code;
    await getDb()
      .update(oauthStates)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(oauthStates.stateHash, sha256hex(c.state)));
    e = await expectFlowError(complete(callbackUrl({ code: cCode, state: c.state }), reader(c.cookie), owner.id), "expired");
    expect(e.message).toMatch(/expired/);

    // Started by Bob while an admin, completed after he was made a plain member.
    const d = await start(id, bob);
    const dCode = fake.authorize(d.url).code;
    await changeMemberRole(acme, owner, bob.id, "member", null);
    try {
      e = await expectFlowError(complete(callbackUrl({ code: dCode, state: d.state }), reader(d.cookie), bob.id), "wrong_user");
      expect(e.message).toMatch(/no longer manage/);
    } finally {
      await changeMemberRole(acme, owner, bob.id, "admin", null);
    }

    expect(fake.tokenCalls).toHaveLength(tokenCallsAtStart + 1);
    expect((await connectionRow(id))!.status).toBe("active");
  });

  it("the same callback delivered several times at once is exchanged once; the others are replays", async () => {
    const id = await newConnection("Concurrent replay");
    const a = await start(id);
    const url = callbackUrl({ code: fake.authorize(a.url).code, state: a.state });
    const before = fake.tokenCalls.length;
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => completeAuthorization({ url, readCookie: reader(a.cookie), userId: owner.id, ip: null })));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as unknown] : []));
    expect(refused.map((e) => (e instanceof OAuthFlowError ? e.reason : String(e)))).toEqual(["replayed", "replayed", "replayed", "replayed"]);
    expect(fake.tokenCalls.slice(before).map((x) => `${x.grantType} ${x.status}`)).toEqual(["authorization_code 200"]);
    expect((await connectionRow(id))!.status).toBe("active");
  });

  it("a denied consent (error=access_denied) is a provider_error that says so, without a token request", async () => {
    const id = await newConnection("Denied");
    const a = await start(id);
    fake.authorize(a.url); // the user is shown the consent screen, and refuses
    const before = fake.tokenCalls.length;
    const url = callbackUrl({ error: "access_denied", error_description: "The user denied access", state: a.state });
    const e = await expectFlowError(completeAuthorization({ url, readCookie: reader(a.cookie), userId: owner.id, ip: null }), "provider_error");
    expect(e.message).toMatch(/denied/);
    expect(e.message).toContain("The user denied access");
    expect(e.connectionId).toBe(id);
    expect(fake.tokenCalls).toHaveLength(before);

    const row = (await connectionRow(id))!;
    expect(row.status).toBe("error");
    expect(row.lastError).toBe(e.message);
    expect((await secretRows(id)).map((s) => s.field)).toEqual(["clientSecret"]);
    // The attempt is used up: the same response cannot be replayed.
    await expectFlowError(completeAuthorization({ url, readCookie: reader(a.cookie), userId: owner.id, ip: null }), "replayed");
    expect(fake.tokenCalls).toHaveLength(before);
  });

  it("20 parallel getAccessToken calls in one process cause exactly one refresh", async () => {
    const c = await authorizedConnection("Parallel");
    fake.behaviour.refreshDelayMs = REFRESH_DELAY_MS;
    const before = fake.tokenCalls.length;

    const tokens = await Promise.all(Array.from({ length: PARALLEL }, () => getAccessToken({ orgId: acme.id, connectionId: c.id })));

    const calls = fake.tokenCalls.slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ grantType: "refresh_token", status: 200, auth: "client_secret_basic", params: { refresh_token: c.refreshToken } });
    expect(new Set(tokens)).toEqual(new Set([calls[0]!.accessToken]));
    expect(tokens[0]).not.toBe(c.accessToken);

    // Stored (rotated refresh token too), fresh for an hour: the next call needs no token request.
    expect(await storedToken(acme.id, c.id, ACCESS_TOKEN_FIELD)).toBe(calls[0]!.accessToken);
    expect(await storedToken(acme.id, c.id, REFRESH_TOKEN_FIELD)).toBe(calls[0]!.refreshToken);
    expect(await getAccessToken({ orgId: acme.id, connectionId: c.id })).toBe(calls[0]!.accessToken);
    expect(fake.tokenCalls).toHaveLength(before + 1);
    expect(await getDb().select().from(tokenLeases)).toEqual([]);
  });

  it("a refresh response without a refresh_token keeps the old refresh token", async () => {
    const c = await authorizedConnection("Keeps refresh token");
    fake.behaviour.omitRefreshToken = true;
    const before = fake.tokenCalls.length;

    const first = await getAccessToken({ orgId: acme.id, connectionId: c.id });
    expect(fake.tokenCalls).toHaveLength(before + 1);
    expect(fake.tokenCalls[before]).toMatchObject({ grantType: "refresh_token", status: 200, params: { refresh_token: c.refreshToken }, accessToken: first });
    expect(fake.tokenCalls[before]!.refreshToken).toBeUndefined();
    expect(await storedToken(acme.id, c.id, REFRESH_TOKEN_FIELD)).toBe(c.refreshToken);
    expect(await storedToken(acme.id, c.id, ACCESS_TOKEN_FIELD)).toBe(first);

    // When that token is due in turn, the next refresh sends the old refresh token again.
    await makeDue(c.id);
    const second = await getAccessToken({ orgId: acme.id, connectionId: c.id });
    expect(second).not.toBe(first);
    expect(fake.tokenCalls).toHaveLength(before + 2);
    expect(fake.tokenCalls[before + 1]).toMatchObject({ grantType: "refresh_token", status: 200, params: { refresh_token: c.refreshToken }, accessToken: second });
    expect((await connectionRow(c.id))!.status).toBe("active");
  });

  it("a token whose whole lifetime is shorter than the refresh-ahead window is not refreshed on every call", async () => {
    // Keycloak's default access-token lifespan is 5 minutes; Okta and Auth0 allow shorter ones.
    const c = await authorizedConnection("Short-lived tokens");
    fake.behaviour.refreshAccessTtlS = 300;
    const before = fake.tokenCalls.length;
    const first = await getAccessToken({ orgId: acme.id, connectionId: c.id });
    expect(fake.tokenCalls).toHaveLength(before + 1);
    for (let i = 0; i < 3; i++) expect(await getAccessToken({ orgId: acme.id, connectionId: c.id })).toBe(first);
    expect(fake.tokenCalls).toHaveLength(before + 1);
  });

  it("a 5xx from the token endpoint backs off: the next calls make no token request until the wait is over", async () => {
    const c = await authorizedConnection("Provider outage");
    fake.behaviour.refreshHttpStatus = 503;
    const before = fake.tokenCalls.length;
    await expect(getAccessToken({ orgId: acme.id, connectionId: c.id })).rejects.toThrow(/token refresh failed: the server answered HTTP 503\. Retrying in 2 s/);
    expect(fake.tokenCalls).toHaveLength(before + 1);
    const more = await Promise.allSettled(Array.from({ length: 5 }, () => getAccessToken({ orgId: acme.id, connectionId: c.id })));
    expect(more.every((r) => r.status === "rejected" && /paused after a provider error/.test(String((r.reason as Error).message)))).toBe(true);
    expect(fake.tokenCalls).toHaveLength(before + 1);
    // The connection is not marked disconnected for a provider outage.
    expect((await connectionRow(c.id))!.status).toBe("active");
    fake.behaviour.refreshHttpStatus = null;
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await getAccessToken({ orgId: acme.id, connectionId: c.id })).toBeTruthy();
    expect(fake.tokenCalls).toHaveLength(before + 2);
  });

  it("invalid_grant marks the connection needs_reauth, and later calls make no token request", async () => {
    const c = await authorizedConnection("Revoked at the provider");
    fake.behaviour.refreshError = "invalid_grant";
    const before = fake.tokenCalls.length;

    const e = await rejection(getAccessToken({ orgId: acme.id, connectionId: c.id }));
    expect(e).toBeInstanceOf(IntegrationUnavailableError);
    expect((e as Error).message).toContain("invalid_grant");
    expect((e as Error).message).toContain(`/connections/${c.id}`);
    expect(fake.tokenCalls).toHaveLength(before + 1);
    expect(fake.tokenCalls[before]).toMatchObject({ grantType: "refresh_token", status: 400 });

    const row = (await connectionRow(c.id))!;
    expect(row).toMatchObject({ status: "needs_reauth", healthStatus: "disconnected", lastError: (e as Error).message });
    const audit = await getDb().select().from(auditLog).where(and(eq(auditLog.targetId, c.id), eq(auditLog.action, "connection.needs_reauth")));
    expect(audit).toHaveLength(1);

    // No retry storm: neither a second call nor 20 parallel ones reach the token endpoint.
    await expect(getAccessToken({ orgId: acme.id, connectionId: c.id })).rejects.toBeInstanceOf(IntegrationUnavailableError);
    const more = await Promise.allSettled(Array.from({ length: PARALLEL }, () => getAccessToken({ orgId: acme.id, connectionId: c.id })));
    expect(more.every((r) => r.status === "rejected" && r.reason instanceof IntegrationUnavailableError)).toBe(true);
    expect(fake.tokenCalls).toHaveLength(before + 1);
    await expect(resolveSettings("custom-oauth2", { orgId: acme.id, connectionId: c.id })).rejects.toThrow(/needs to be reconnected/);

    // Reconnecting repairs it.
    fake.reset();
    const a = await start(c.id);
    expect((await connectionRow(c.id))!.status).toBe("configuring");
    await completeAuthorization({ url: callbackUrl({ code: fake.authorize(a.url).code, state: a.state }), readCookie: reader(a.cookie), userId: owner.id, ip: null });
    expect((await connectionRow(c.id))!.status).toBe("active");
    const issued = fake.tokenCalls.at(-1)!.accessToken;
    expect(await getAccessToken({ orgId: acme.id, connectionId: c.id }, { aheadMs: 0 })).toBe(issued);
  });

  it("never hands a connection's token to a caller naming another organization, even while a refresh is in flight", async () => {
    const c = await authorizedConnection("Tenant-bound");
    fake.behaviour.refreshDelayMs = REFRESH_DELAY_MS;
    const own = getAccessToken({ orgId: acme.id, connectionId: c.id });
    const foreign = rejection(getAccessToken({ orgId: beta.id, connectionId: c.id }));
    await own;
    expect(await foreign).toMatchObject({ code: "not_found" });
    // …and when nothing is in flight.
    await expect(getAccessToken({ orgId: beta.id, connectionId: c.id })).rejects.toMatchObject({ code: "not_found" });
  });

  itOnPostgres("three processes × 20 parallel calls on a due token: exactly one refresh, one token for all", async () => {
    if (handle.kind !== "postgres") throw new Error("expected a PostgreSQL handle");
    const c = await authorizedConnection("Two processes");
    fake.behaviour.refreshDelayMs = REFRESH_DELAY_MS;
    const before = fake.tokenCalls.length;

    const results = await raceAcrossProcesses(c.id, 2);

    const calls = fake.tokenCalls.slice(before);
    expect(calls.map((x) => `${x.grantType} ${x.status}`)).toEqual(["refresh_token 200"]);
    const fresh = calls[0]!.accessToken!;
    expect(results.errors).toEqual([]);
    expect(results.tokens).toHaveLength(PARALLEL * 3);
    expect(new Set(results.tokens)).toEqual(new Set([fresh]));
    expect(await storedToken(acme.id, c.id, ACCESS_TOKEN_FIELD)).toBe(fresh);
    expect(await getDb().select().from(tokenLeases)).toEqual([]);
  });

  itOnPostgres("invalid_grant seen by one process stops the others: one token request across processes", async () => {
    if (handle.kind !== "postgres") throw new Error("expected a PostgreSQL handle");
    const c = await authorizedConnection("Two processes, revoked");
    fake.behaviour.refreshDelayMs = REFRESH_DELAY_MS;
    fake.behaviour.refreshError = "invalid_grant";
    const before = fake.tokenCalls.length;

    const results = await raceAcrossProcesses(c.id, 2);

    expect(fake.tokenCalls.slice(before).map((x) => `${x.grantType} ${x.status}`)).toEqual(["refresh_token 400"]);
    expect(results.tokens).toEqual([]);
    expect(results.errors).toHaveLength(PARALLEL * 3);
    expect((await connectionRow(c.id))!.status).toBe("needs_reauth");
  });

  /**
   * `processes` child processes (lib/connect/testing/refresh-many.ts) and this one each fire
   * PARALLEL getAccessToken calls at the same moment; returns every caller's outcome.
   */
  async function raceAcrossProcesses(connectionId: string, processes: number): Promise<{ tokens: string[]; errors: string[] }> {
    if (handle.kind !== "postgres") throw new Error("expected a PostgreSQL handle");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: handle.url,
      PATCHBAY_MASTER_KEYS: masterKeys().map(formatMasterKey).join(","),
      AUTH_SECRET: "a".repeat(40),
      PATCHBAY_ALLOW_PRIVATE_EGRESS: "true",
      LOG_LEVEL: "warn",
      NODE_ENV: "test",
    };
    type Line = { type: "ready" | "done" | "failed"; tokens?: string[]; errors?: string[]; message?: string };
    const procs = Array.from({ length: processes }, () => {
      const proc = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "lib/connect/testing/refresh-many.ts", acme.id, connectionId, String(PARALLEL)], {
        cwd: ROOT,
        env,
        stdio: ["pipe", "pipe", "pipe"],
      });
      children.push(proc);
      let stderr = "";
      proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      const lines: Line[] = [];
      const waiters: (() => void)[] = [];
      createInterface({ input: proc.stdout! }).on("line", (line) => {
        try {
          const parsed = JSON.parse(line) as Line & { refreshMany?: boolean };
          if (!parsed.refreshMany) return;
          lines.push(parsed);
          waiters.splice(0).forEach((w) => w());
        } catch {
          // a log line
        }
      });
      const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
      const until = async (type: Line["type"]): Promise<Line> => {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const hit = lines.find((l) => l.type === type);
          if (hit) return hit;
          const failed = lines.find((l) => l.type === "failed");
          if (failed) throw new Error(`refresh-many failed: ${failed.message} ${stderr.slice(-2000)}`);
          if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`refresh-many exited (${proc.exitCode ?? proc.signalCode}) before "${type}": ${stderr.slice(-2000)}`);
          if (Date.now() > deadline) throw new Error(`refresh-many never said "${type}": ${stderr.slice(-2000)}`);
          await Promise.race([new Promise<void>((r) => waiters.push(r)), exited, new Promise((r) => setTimeout(r, 200))]);
        }
      };
      return { proc, until, exited };
    });
    await Promise.all(procs.map((p) => p.until("ready")));

    // Everyone at once: the children on "go", this process right after writing it.
    for (const p of procs) p.proc.stdin!.write("go\n");
    const mine = await Promise.allSettled(Array.from({ length: PARALLEL }, () => getAccessToken({ orgId: acme.id, connectionId })));
    const done = await Promise.all(procs.map((p) => p.until("done")));
    await Promise.all(procs.map((p) => p.exited));

    return {
      tokens: [...mine.flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])), ...done.flatMap((d) => d.tokens ?? [])],
      errors: [...mine.flatMap((r) => (r.status === "rejected" ? [`${(r.reason as Error).name}: ${(r.reason as Error).message}`] : [])), ...done.flatMap((d) => d.errors ?? [])],
    };
  }

  it("deleteConnection revokes the tokens at the provider (RFC 7009), then deletes the local credentials", async () => {
    const c = await authorizedConnection("To delete");
    const before = fake.revokeCalls.length;
    await deleteConnection({ org: acme, actor: owner, id: c.id, ip: null });

    const calls = fake.revokeCalls.slice(before);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.map((x) => x.token)).toContain(c.refreshToken);
    expect(calls.every((x) => x.status === 200 && x.auth === "client_secret_basic")).toBe(true);

    expect(await connectionRow(c.id)).toBeUndefined();
    expect(await secretRows(c.id)).toEqual([]);
    expect(await getDb().select().from(oauthStates).where(eq(oauthStates.integrationId, c.id))).toEqual([]);
    const [audit] = await getDb().select().from(auditLog).where(and(eq(auditLog.targetId, c.id), eq(auditLog.action, "connection.deleted")));
    expect(audit!.metadata).toMatchObject({ tokensRevoked: calls.length, revocationFailures: 0 });

    const before2 = fake.tokenCalls.length;
    await expect(getAccessToken({ orgId: acme.id, connectionId: c.id })).rejects.toMatchObject({ code: "not_found" });
    expect(fake.tokenCalls).toHaveLength(before2);
  });

  it("deletion succeeds and leaves nothing behind when the revocation endpoint answers 503", async () => {
    const c = await authorizedConnection("Delete with revocation down");
    fake.behaviour.revokeStatus = 503;
    const before = fake.revokeCalls.length;
    await expect(deleteConnection({ org: acme, actor: owner, id: c.id, ip: null })).resolves.toBeUndefined();

    const calls = fake.revokeCalls.slice(before);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.map((x) => x.token)).toContain(c.refreshToken);
    expect(calls.every((x) => x.status === 503)).toBe(true);

    expect(await connectionRow(c.id)).toBeUndefined();
    expect(await secretRows(c.id)).toEqual([]);
    expect(await getDb().select().from(tokenLeases).where(eq(tokenLeases.integrationId, c.id))).toEqual([]);
    const [audit] = await getDb().select().from(auditLog).where(and(eq(auditLog.targetId, c.id), eq(auditLog.action, "connection.deleted")));
    expect(audit!.metadata).toMatchObject({ tokensRevoked: 0, revocationFailures: calls.length });
  });

  it("the refresh token sent is never the wrong connection's: each connection refreshes with its own", async () => {
    const one = await authorizedConnection("First of two");
    const two = await authorizedConnection("Second of two");
    const before = fake.tokenCalls.length;
    const [t1, t2] = await Promise.all([getAccessToken({ orgId: acme.id, connectionId: one.id }), getAccessToken({ orgId: acme.id, connectionId: two.id })]);
    const calls = fake.tokenCalls.slice(before);
    expect(calls).toHaveLength(2);
    const byToken = new Map(calls.map((x) => [x.params.refresh_token, x.accessToken]));
    expect(byToken.get(one.refreshToken)).toBe(t1);
    expect(byToken.get(two.refreshToken)).toBe(t2);
    expect(t1).not.toBe(t2);
  });
});
