import { generateKeyPairSync } from "node:crypto";
import { decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeRequest, startFake, testContext } from "@/lib/providers/_shared/testing";
import { createAppJwt, githubApp, githubAppInstallUrl } from "./index";

type Seen = { method: string; url: string; headers: FakeRequest["headers"]; jwt?: { verified: boolean; iss?: string; alg?: string; error?: string } };
type Reply = { status: number; json?: unknown; headers?: Record<string, string> };

const APP_ID = 424242;
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pkcs1 = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const pkcs8 = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const ecKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();

let reply: (req: Seen) => Reply = () => ({ status: 500 });
const seen: Seen[] = [];
let peer: Awaited<ReturnType<typeof startFake>>;
let baseUrl = "";

const appBody = { id: APP_ID, slug: "acme-patchbay", name: "Acme Patchbay", owner: { login: "acme" }, html_url: "https://github.com/apps/acme-patchbay", installations_count: 3, permissions: { contents: "read" }, events: ["push"] };

beforeAll(async () => {
  peer = await startFake(async (req) => {
    const s: Seen = { method: req.method, url: req.url.pathname + req.url.search, headers: req.headers };
    const auth = req.headers.authorization ?? "";
    if (auth.startsWith("Bearer ")) {
      try {
        const { payload, protectedHeader } = await jwtVerify(auth.slice(7), publicKey, { algorithms: ["RS256"], issuer: String(APP_ID) });
        s.jwt = { verified: true, iss: payload.iss, alg: protectedHeader.alg };
      } catch (e) {
        s.jwt = { verified: false, error: (e as Error).message };
      }
    }
    seen.push(s);
    const r = s.jwt?.verified ? reply(s) : { status: 401, json: { message: "A JSON web token could not be decoded", documentation_url: "https://docs.github.com/rest", status: "401" } };
    return { status: r.status, headers: { "content-type": "application/json; charset=utf-8", ...r.headers }, body: r.json === undefined ? "" : JSON.stringify(r.json) };
  });
  baseUrl = peer.url;
});
afterAll(() => peer.close());
beforeEach(() => {
  seen.length = 0;
});

const ctx = () => testContext();
const settings = (over: { privateKey?: string; appId?: number; appSlug?: string } = {}) => ({
  ...githubApp.configSchema.parse({ appId: over.appId ?? APP_ID, appSlug: over.appSlug ?? "acme-patchbay", baseUrl }),
  ...githubApp.credentialsSchema.parse({ privateKey: over.privateKey ?? pkcs1, webhookSecret: "hook-secret" }),
});

describe("github-app schemas", () => {
  it("parses the config with the default base URL, coercing the App ID", () => {
    expect(githubApp.configSchema.parse({ appId: "123", appSlug: "my-app" })).toEqual({ appId: 123, appSlug: "my-app", baseUrl: "https://api.github.com" });
    expect(githubApp.configSchema.safeParse({ appId: "abc", appSlug: "my-app" }).success).toBe(false);
    expect(githubApp.configSchema.safeParse({ appId: 1, appSlug: "My App" }).success).toBe(false);
  });
  it("accepts PKCS#1 and PKCS#8 RSA keys, also pasted with literal \\n", () => {
    expect(githubApp.credentialsSchema.safeParse({ privateKey: pkcs1 }).success).toBe(true);
    expect(githubApp.credentialsSchema.safeParse({ privateKey: pkcs8 }).success).toBe(true);
    const escaped = githubApp.credentialsSchema.parse({ privateKey: pkcs1.trim().replace(/\n/g, "\\n") });
    expect(escaped.privateKey).toBe(pkcs1.trim());
  });
  it("refuses a bad PEM with a field message", () => {
    const msg = (privateKey: string) => githubApp.credentialsSchema.safeParse({ privateKey }).error?.issues[0]?.message;
    expect(msg("hello")).toMatch(/whole \.pem file/);
    expect(msg("-----BEGIN RSA PRIVATE KEY-----\nMIIEnotakey\n-----END RSA PRIVATE KEY-----")).toMatch(/could not be read/);
    expect(msg(publicKey.export({ type: "spki", format: "pem" }).toString())).toMatch(/public key/);
    expect(msg(ecKey)).toMatch(/EC key/);
  });
  it("builds the install URL for github.com and GitHub Enterprise Server", () => {
    expect(githubAppInstallUrl({ appSlug: "acme", baseUrl: "https://api.github.com" })).toBe("https://github.com/apps/acme/installations/new");
    expect(githubAppInstallUrl({ appSlug: "acme", baseUrl: "https://ghe.example.com/api/v3" })).toBe("https://ghe.example.com/apps/acme/installations/new");
  });
});

describe("createAppJwt", () => {
  it("signs RS256 with iss = App ID, iat = now - 60 and exp = now + 9 min", async () => {
    const now = new Date("2026-01-01T00:00:00Z");
    const jwt = await createAppJwt(APP_ID, pkcs1, now);
    const t = now.getTime() / 1000;
    expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: "RS256" });
    expect(decodeJwt(jwt)).toEqual({ iss: String(APP_ID), iat: t - 60, exp: t + 540 });
  });
});

describe("github-app test()", () => {
  it("calls GET /app with a verified app JWT and the documented headers", async () => {
    reply = () => ({ status: 200, json: appBody });
    const r = await githubApp.test!(settings(), ctx());
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: "GET", url: "/app", jwt: { verified: true, iss: String(APP_ID), alg: "RS256" } });
    expect(seen[0]!.headers.accept).toBe("application/vnd.github+json");
    expect(seen[0]!.headers["x-github-api-version"]).toBe("2022-11-28");
    expect(r).toMatchObject({ ok: true, message: 'Signed in as the GitHub App "Acme Patchbay" owned by acme, installed on 3 accounts.' });
  });

  it("works with a PKCS#8 key too", async () => {
    reply = () => ({ status: 200, json: appBody });
    expect((await githubApp.test!(settings({ privateKey: pkcs8 }), ctx())).ok).toBe(true);
  });

  it("explains GitHub's 401 for a key of another app on the private key field", async () => {
    const r = await githubApp.test!(settings({ privateKey: other }), ctx());
    expect(seen[0]!.jwt?.verified).toBe(false);
    expect(r).toMatchObject({ ok: false, field: "privateKey" });
    expect(r.message).toMatch(/GitHub rejected the app JWT: check the App ID and private key/);
    expect(r.message).toMatch(/could not be decoded/);
  });

  it("blames the clock when GitHub complains about exp/iat", async () => {
    reply = () => ({ status: 401, json: { message: "'Expiration time' claim ('exp') is too far in the future", documentation_url: "https://docs.github.com/rest" } });
    const r = await githubApp.test!(settings(), ctx());
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/clock/);
  });

  it("names the right App ID and slug when they differ", async () => {
    reply = () => ({ status: 200, json: { ...appBody, id: 7 } });
    expect(await githubApp.test!(settings(), ctx())).toMatchObject({ ok: false, field: "appId" });
    reply = () => ({ status: 200, json: appBody });
    const r = await githubApp.test!(settings({ appSlug: "wrong-slug" }), ctx());
    expect(r).toMatchObject({ ok: false, field: "appSlug" });
    expect(r.message).toMatch(/"acme-patchbay"/);
  });
});
