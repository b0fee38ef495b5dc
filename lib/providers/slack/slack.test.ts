import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeRequest, startFake, testContext } from "@/lib/providers/_shared/testing";
import { slack } from "./index";

type Seen = { method: string; url: string; headers: FakeRequest["headers"]; body: string };
type Reply = { status: number; json?: unknown; headers?: Record<string, string> };

let reply: (req: Seen) => Reply = () => ({ status: 500 });
const seen: Seen[] = [];
let peer: Awaited<ReturnType<typeof startFake>>;
let baseUrl = "";

beforeAll(async () => {
  peer = await startFake((req) => {
    const s: Seen = { method: req.method, url: req.url.pathname + req.url.search, headers: req.headers, body: req.body };
    seen.push(s);
    const r = reply(s);
    return { status: r.status, headers: { "content-type": "application/json; charset=utf-8", ...r.headers }, body: r.json === undefined ? "" : JSON.stringify(r.json) };
  });
  baseUrl = peer.url;
});
afterAll(() => peer.close());
beforeEach(() => {
  seen.length = 0;
});

const ctx = () => testContext();
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
