import { createHash, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { jwtVerify } from "jose";
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb, type DbHandle } from "@/db/client";
import { auditLog, integrations, integrationSecrets, oauthStates } from "@/db/schema";
import { testDbKinds, useTestDb } from "@/db/testing";
import { createConnection } from "@/lib/connections/service";
import { resetEnvForTests } from "@/lib/env";
import { resetEgressForTests } from "@/lib/http/testing";
import { openSecret } from "@/lib/lockbox";
import { completeSetup } from "@/lib/organizations/setup";
import { IntegrationUnavailableError } from "@/lib/settings";
import { stopSettingsListener } from "@/lib/settings/invalidation";
import { completeGithubInstall, getInstallationToken, GITHUB_SETUP_PATH, githubInstallCookieName, GithubInstallError, INSTALLATION_TOKEN_FIELD, startGithubInstall } from "./github-app";

const ORIGIN = "https://patchbay.example";
const APP_ID = 4242;
const APP_SLUG = "patchbay-test";
const KNOWN_INSTALLATION = 42;

type Call = { method: string; path: string; status: number };

/** A local GitHub API: checks the app JWT (RS256, iss = App ID) and serves the /app endpoints Patchbay uses. */
async function startFakeGithub(publicKey: KeyObject) {
  const calls: Call[] = [];
  const behaviour = { mintDelayMs: 100, mintStatus: 201 as number, expiresInMs: 3_600_000 };
  let minted = 0;
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const reply = (status: number, body: unknown) => {
      calls.push({ method, path, status });
      json(res, status, body);
    };
    const auth = req.headers.authorization ?? "";
    try {
      if (!auth.startsWith("Bearer ")) throw new Error("no bearer");
      await jwtVerify(auth.slice(7), publicKey, { issuer: String(APP_ID), algorithms: ["RS256"] });
    } catch {
      return reply(401, { message: "A JSON web token could not be decoded" });
    }
    if (method === "GET" && path === "/app") return reply(200, { id: APP_ID, slug: APP_SLUG, name: "Patchbay Test", owner: { login: "acme" } });
    const inst = /^\/app\/installations\/(\d+)$/.exec(path);
    if (method === "GET" && inst) {
      if (Number(inst[1]) !== KNOWN_INSTALLATION) return reply(404, { message: "Not Found" });
      return reply(200, { id: KNOWN_INSTALLATION, app_id: APP_ID, app_slug: APP_SLUG, target_type: "Organization", account: { login: "acme-corp", type: "Organization" } });
    }
    const tok = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (method === "POST" && tok) {
      await new Promise((r) => setTimeout(r, behaviour.mintDelayMs));
      if (Number(tok[1]) !== KNOWN_INSTALLATION || behaviour.mintStatus === 404) return reply(404, { message: "Not Found" });
      if (behaviour.mintStatus !== 201) return reply(behaviour.mintStatus, { message: "Bad credentials" });
      minted++;
      return reply(201, { token: `ghs_${randomBytes(18).toString("hex")}`, expires_at: new Date(Date.now() + behaviour.expiresInMs).toISOString(), permissions: { contents: "read" } });
    }
    reply(404, { message: "Not Found" });
  };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.resume();
    req.on("end", () => void handle(req, res).catch((e: unknown) => json(res, 500, { message: String(e) })));
  };
  const v4 = http.createServer(handler);
  await new Promise<void>((resolve) => v4.listen(0, "127.0.0.1", resolve));
  const { port } = v4.address() as AddressInfo;
  const v6 = http.createServer(handler);
  const v6Up = await new Promise<boolean>((resolve) => {
    v6.once("error", () => resolve(false));
    v6.listen(port, "::1", () => resolve(true));
  });
  return {
    base: `http://localhost:${port}`,
    calls,
    behaviour,
    mints: () => minted,
    reset() {
      calls.length = 0;
      minted = 0;
      Object.assign(behaviour, { mintDelayMs: 100, mintStatus: 201, expiresInMs: 3_600_000 });
    },
    async close() {
      await new Promise((r) => v4.close(r));
      if (v6Up) await new Promise((r) => v6.close(r));
    },
  };
}

const sha256hex = (s: string) => createHash("sha256").update(s).digest("hex");

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(v)}`);
    },
    (e: unknown) => e,
  );
}

describe.each(testDbKinds())("GitHub App installation flow against a local GitHub API on %s", (kind) => {
  let handle: DbHandle;
  let fake: Awaited<ReturnType<typeof startFakeGithub>>;
  let owner: { id: string; email: string; isPlatformAdmin: boolean };
  let org: { id: string; name: string };
  const savedEgressFlag = process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

  async function newConnection(name: string): Promise<string> {
    const values = { appId: String(APP_ID), appSlug: APP_SLUG, baseUrl: fake.base, privateKey };
    return (await createConnection({ org, actor: owner, providerKey: "github-app", platformWide: false, name, values, testBeforeSave: false, ip: null })).id;
  }

  async function start(connectionId: string) {
    const r = await startGithubInstall({ orgId: org.id, actor: owner, connectionId, origin: ORIGIN, ip: null });
    return { ...r, state: new URL(r.url).searchParams.get("state")! };
  }

  function setupUrl(params: Record<string, string>): URL {
    const u = new URL(`${ORIGIN}${GITHUB_SETUP_PATH}`);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u;
  }

  const reader = (cookie: { name: string; value: string }) => (n: string) => (n === cookie.name ? cookie.value : undefined);

  async function installed(name: string): Promise<string> {
    const id = await newConnection(name);
    const a = await start(id);
    await completeGithubInstall({ url: setupUrl({ installation_id: String(KNOWN_INSTALLATION), setup_action: "install", state: a.state }), readCookie: reader(a.cookie), userId: owner.id, ip: null });
    fake.reset();
    return id;
  }

  async function connectionRow(id: string) {
    const [row] = await getDb().select().from(integrations).where(eq(integrations.id, id));
    return row!;
  }

  async function tokenRow(id: string) {
    const [row] = await getDb()
      .select()
      .from(integrationSecrets)
      .where(and(eq(integrationSecrets.integrationId, id), eq(integrationSecrets.field, INSTALLATION_TOKEN_FIELD)));
    return row;
  }

  beforeAll(async () => {
    // The fake GitHub API listens on loopback; the egress client refuses private addresses unless this is set.
    process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS = "true";
    resetEnvForTests();
    handle = await useTestDb(kind);
    fake = await startFakeGithub(createPublicKey(publicKey));
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    owner = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: setup.user.isPlatformAdmin };
    org = { id: setup.org.id, name: setup.org.name };
  });

  afterEach(() => fake.reset());

  afterAll(async () => {
    await fake?.close();
    await resetEgressForTests();
    await stopSettingsListener();
    delete (globalThis as { __patchbaySettingsCache?: unknown }).__patchbaySettingsCache;
    await handle?.close();
    if (savedEgressFlag === undefined) delete process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;
    else process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS = savedEgressFlag;
    resetEnvForTests();
  });

  it("starts: a one-time hashed state bound to the browser, and the app's install URL", async () => {
    const id = await newConnection("Start");
    const a = await start(id);
    const url = new URL(a.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${fake.base}/apps/${APP_SLUG}/installations/new`);
    expect(a.state).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(a.cookie).toMatchObject({ name: githubInstallCookieName(a.state), maxAge: 600 });
    const [row] = await getDb().select().from(oauthStates).where(eq(oauthStates.stateHash, sha256hex(a.state)));
    expect(row).toMatchObject({ providerKey: "github-app", integrationId: id, userId: owner.id, usedAt: null, browserHash: sha256hex(a.cookie.value), redirectUri: `${ORIGIN}${GITHUB_SETUP_PATH}` });
    expect(row!.codeVerifier.startsWith("pb1.")).toBe(true);
    expect(Math.abs(row!.expiresAt.getTime() - (Date.now() + 600_000))).toBeLessThan(10_000);
    expect(fake.calls).toHaveLength(0);
  });

  it("completes with a valid state and installation 42: verified with GitHub, stored, active, audited", async () => {
    const id = await newConnection("Install");
    const a = await start(id);
    const r = await completeGithubInstall({ url: setupUrl({ installation_id: "42", setup_action: "install", state: a.state }), readCookie: reader(a.cookie), userId: owner.id, ip: "203.0.113.9" });
    expect(r).toEqual({ connectionId: id, installationId: 42 });
    expect(fake.calls).toEqual([{ method: "GET", path: "/app/installations/42", status: 200 }]);
    const row = await connectionRow(id);
    expect(row.status).toBe("active");
    expect(row.lastError).toBeNull();
    expect(row.config).toMatchObject({ installationId: 42, installationAccount: { login: "acme-corp", type: "Organization" }, appSlug: APP_SLUG });
    const audit = await getDb().select().from(auditLog).where(and(eq(auditLog.targetId, id), eq(auditLog.action, "connection.github_installed")));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorId).toBe(owner.id);
    expect(audit[0]!.metadata).toMatchObject({ installationId: 42, account: "acme-corp" });
    const [state] = await getDb().select().from(oauthStates).where(eq(oauthStates.stateHash, sha256hex(a.state)));
    expect(state!.usedAt).not.toBeNull();
  });

  it("refuses a replayed, cookie-less or foreign-user state before any GitHub call", async () => {
    const id = await newConnection("Replay");
    const a = await start(id);
    const url = setupUrl({ installation_id: "42", setup_action: "install", state: a.state });
    const noCookie = await rejection(completeGithubInstall({ url, readCookie: () => undefined, userId: owner.id, ip: null }));
    expect((noCookie as GithubInstallError).reason).toBe("other_browser");
    const noUser = await rejection(completeGithubInstall({ url, readCookie: reader(a.cookie), userId: null, ip: null }));
    expect((noUser as GithubInstallError).reason).toBe("wrong_user");
    const unknown = await rejection(completeGithubInstall({ url: setupUrl({ installation_id: "42", state: "x".repeat(43) }), readCookie: reader(a.cookie), userId: owner.id, ip: null }));
    expect((unknown as GithubInstallError).reason).toBe("invalid_state");
    expect(fake.calls).toHaveLength(0);

    await completeGithubInstall({ url, readCookie: reader(a.cookie), userId: owner.id, ip: null });
    expect(fake.calls).toHaveLength(1);
    const replay = await rejection(completeGithubInstall({ url, readCookie: reader(a.cookie), userId: owner.id, ip: null }));
    expect(replay).toBeInstanceOf(GithubInstallError);
    expect((replay as GithubInstallError).reason).toBe("replayed");
    expect(fake.calls).toHaveLength(1);
  });

  it("refuses an installation id that does not belong to the app, with a clear message", async () => {
    const id = await newConnection("Foreign");
    const a = await start(id);
    const e = await rejection(completeGithubInstall({ url: setupUrl({ installation_id: "999", setup_action: "install", state: a.state }), readCookie: reader(a.cookie), userId: owner.id, ip: null }));
    expect(e).toBeInstanceOf(GithubInstallError);
    expect((e as GithubInstallError).reason).toBe("foreign_installation");
    expect((e as Error).message).toContain("This installation does not belong to the app");
    expect(fake.calls).toEqual([{ method: "GET", path: "/app/installations/999", status: 404 }]);
    expect((await connectionRow(id)).config.installationId).toBeUndefined();
  });

  it("mints an installation token once and reuses it; 10 parallel callers share one mint", async () => {
    const id = await installed("Tokens");
    const t1 = await getInstallationToken({ orgId: org.id, connectionId: id });
    const t2 = await getInstallationToken({ orgId: org.id, connectionId: id });
    expect(t1).toMatch(/^ghs_/);
    expect(t2).toBe(t1);
    expect(fake.mints()).toBe(1);
    expect(fake.calls).toEqual([{ method: "POST", path: "/app/installations/42/access_tokens", status: 201 }]);
    const stored = (await tokenRow(id))!;
    expect(stored.ciphertext.startsWith("pb1.")).toBe(true);
    expect(stored.ciphertext).not.toContain(t1);
    expect(await openSecret({ orgId: org.id, integrationId: id, field: INSTALLATION_TOKEN_FIELD, ciphertext: stored.ciphertext })).toBe(t1);
    expect(Math.abs(stored.expiresAt!.getTime() - (Date.now() + 3_600_000))).toBeLessThan(10_000);

    await getDb().delete(integrationSecrets).where(and(eq(integrationSecrets.integrationId, id), eq(integrationSecrets.field, INSTALLATION_TOKEN_FIELD)));
    fake.reset();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => getInstallationToken({ orgId: org.id, connectionId: id })));
    expect(new Set(tokens).size).toBe(1);
    expect(fake.mints()).toBe(1);
  });

  it("re-mints when the cached token expired or is within 5 minutes of expiry", async () => {
    const id = await installed("Expiry");
    const t1 = await getInstallationToken({ orgId: org.id, connectionId: id });
    const expire = (at: Date) =>
      getDb()
        .update(integrationSecrets)
        .set({ expiresAt: at })
        .where(and(eq(integrationSecrets.integrationId, id), eq(integrationSecrets.field, INSTALLATION_TOKEN_FIELD)));
    await expire(new Date(Date.now() - 60_000));
    const t2 = await getInstallationToken({ orgId: org.id, connectionId: id });
    expect(t2).not.toBe(t1);
    expect(fake.mints()).toBe(2);
    await expire(new Date(Date.now() + 4 * 60_000));
    const t3 = await getInstallationToken({ orgId: org.id, connectionId: id });
    expect(t3).not.toBe(t2);
    expect(fake.mints()).toBe(3);
    expect(await getInstallationToken({ orgId: org.id, connectionId: id })).toBe(t3);
    expect(fake.mints()).toBe(3);
  });

  it("marks the connection needs_reauth when GitHub answers 404 (app uninstalled)", async () => {
    const id = await installed("Uninstalled");
    fake.behaviour.mintStatus = 404;
    const e = await rejection(getInstallationToken({ orgId: org.id, connectionId: id }));
    expect(e).toBeInstanceOf(IntegrationUnavailableError);
    expect((e as Error).message).toContain("uninstalled");
    const row = await connectionRow(id);
    expect(row.status).toBe("needs_reauth");
    expect(row.lastError).toContain("Install it again");
    // No further GitHub calls while it needs attention.
    const calls = fake.calls.length;
    await expect(getInstallationToken({ orgId: org.id, connectionId: id })).rejects.toBeInstanceOf(IntegrationUnavailableError);
    expect(fake.calls.length).toBe(calls);
  });
});
