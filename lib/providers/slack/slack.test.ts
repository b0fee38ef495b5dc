import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TestContext } from "@/lib/catalog/define-provider";
import { slack } from "./index";

type Seen = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };
type Reply = { status: number; json?: unknown; headers?: Record<string, string> };

let reply: (req: Seen) => Reply = () => ({ status: 500 });
const seen: Seen[] = [];
let server: http.Server;
let baseUrl = "";

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const s: Seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      seen.push(s);
      const r = reply(s);
      res.writeHead(r.status, { "content-type": "application/json; charset=utf-8", ...r.headers });
      res.end(r.json === undefined ? "" : JSON.stringify(r.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen.length = 0;
});

const ctx = (): TestContext => ({ connectionId: null, orgId: null, signal: new AbortController().signal, allowPrivate: ["127.0.0.1"] });
const settings = (over: Record<string, unknown> = {}) => ({
  ...slack.configSchema.parse({ baseUrl }),
  ...slack.credentialsSchema.parse({ botToken: "xoxb-1111-2222-abcdef", signingSecret: "8f742231b10e8888abcd99yyyzzz85a5" }),
  ...over,
});

describe("slack schemas", () => {
  it("defaults the base URL to https://slack.com", () => {
    expect(slack.configSchema.parse({}).baseUrl).toBe("https://slack.com");
    expect(slack.configSchema.safeParse({ baseUrl: "not a url" }).success).toBe(false);
  });
  it("accepts a bot token and an optional signing secret", () => {
    expect(slack.credentialsSchema.parse({ botToken: " xoxb-123-456-abc " })).toEqual({ botToken: "xoxb-123-456-abc" });
  });
  it("explains user, app-level and unknown tokens", () => {
    const msg = (botToken: string) => slack.credentialsSchema.safeParse({ botToken }).error?.issues[0]?.message;
    expect(msg("xoxp-123")).toMatch(/user token/);
    expect(msg("xapp-1-A0")).toMatch(/app-level token/);
    expect(msg("hello")).toMatch(/starts with xoxb-/);
    expect(slack.credentialsSchema.safeParse({ botToken: "xoxb-1", signingSecret: "short" }).success).toBe(false);
  });
});

describe("slack test()", () => {
  it("calls auth.test with the bot token and names the workspace", async () => {
    reply = () => ({ status: 200, json: { ok: true, url: "https://acme.slack.com/", team: "Acme", user: "patchbay", team_id: "T123", user_id: "U123", bot_id: "B123" } });
    const r = await slack.test!(settings(), ctx());
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe("POST");
    expect(seen[0]!.url).toBe("/api/auth.test");
    expect(seen[0]!.headers.authorization).toBe("Bearer xoxb-1111-2222-abcdef");
    expect(r).toMatchObject({ ok: true, message: 'Connected to the Slack workspace "Acme" as @patchbay.' });
    expect(r.ok && r.details).toMatchObject({ teamId: "T123", botId: "B123" });
  });

  it.each([
    ["invalid_auth", /rejected the bot token \(invalid_auth\)/],
    ["not_authed", /no token/],
    ["account_inactive", /deleted or the workspace was deactivated/],
    ["token_revoked", /revoked/],
  ])("explains %s on the bot token field", async (error, message) => {
    reply = () => ({ status: 200, json: { ok: false, error } });
    const r = await slack.test!(settings(), ctx());
    expect(r.ok).toBe(false);
    expect(r).toMatchObject({ field: "botToken" });
    expect(r.message).toMatch(message);
  });

  it("explains rate limiting without blaming a field", async () => {
    reply = () => ({ status: 429, json: { ok: false, error: "ratelimited" }, headers: { "retry-after": "0" } });
    const r = await slack.test!(settings(), ctx());
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/rate-limiting/);
    expect("field" in r && r.field).toBeFalsy();
  });

  it("says when the base URL is not Slack", async () => {
    reply = () => ({ status: 404, json: { message: "nope" } });
    const r = await slack.test!(settings(), ctx());
    expect(r).toMatchObject({ ok: false, field: "baseUrl" });
  });

  it("reports a transport failure in plain words", async () => {
    const r = await slack.test!(settings({ baseUrl: "http://127.0.0.1:1" }), ctx());
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/127\.0\.0\.1/);
  });
});
