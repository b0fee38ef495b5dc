import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeRequest, startFake, testContext } from "@/lib/providers/_shared/testing";
import { generateWebhookSecret, outboundWebhook } from "./index";

type Seen = { method: string; url: string; headers: FakeRequest["headers"]; body: string; verified: boolean; payload?: unknown; error?: string };
type Reply = { status: number; body?: string; headers?: Record<string, string> };

const SECRET = generateWebhookSecret();
let reply: (req: Seen) => Reply = () => ({ status: 204 });
const seen: Seen[] = [];
let peer: Awaited<ReturnType<typeof startFake>>;
let baseUrl = "";

beforeAll(async () => {
  peer = await startFake((req) => {
    const body = req.body;
    const s: Seen = { method: req.method, url: req.url.pathname + req.url.search, headers: req.headers, body, verified: false };
    // The receiver's side, with the official library.
    try {
      s.payload = new Webhook(SECRET).verify(body, req.headers as Record<string, string>);
      s.verified = true;
    } catch (e) {
      s.error = (e as Error).message;
    }
    seen.push(s);
    const r = reply(s);
    return { status: r.status, headers: { "content-type": "text/plain", ...r.headers }, body: r.body ?? "" };
  });
  baseUrl = peer.url;
});
afterAll(() => peer.close());
beforeEach(() => {
  seen.length = 0;
});

const ctx = () => testContext();
const settings = (signingSecret = SECRET) => ({
  ...outboundWebhook.configSchema.parse({ url: `${baseUrl}/hooks/patchbay`, description: "Billing" }),
  ...outboundWebhook.credentialsSchema.parse({ signingSecret }),
});

describe("outbound-webhook schemas", () => {
  it("generates secrets the schema accepts", () => {
    const s = generateWebhookSecret();
    expect(s).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(outboundWebhook.credentialsSchema.safeParse({ signingSecret: s }).success).toBe(true);
    expect(generateWebhookSecret()).not.toBe(s);
  });
  it("refuses secrets without the prefix, not base64, or too short", () => {
    const msg = (signingSecret: string) => outboundWebhook.credentialsSchema.safeParse({ signingSecret }).error?.issues[0]?.message;
    expect(msg("hunter2")).toMatch(/starts with whsec_/);
    expect(msg("whsec_not base64!")).toMatch(/base64/);
    expect(msg(`whsec_${Buffer.alloc(16, 1).toString("base64")}`)).toMatch(/only 16 bytes/);
    expect(msg("")).toBeDefined();
  });
  it("requires an http(s) URL", () => {
    expect(outboundWebhook.configSchema.safeParse({ url: "ftp://example.com/x" }).success).toBe(false);
    expect(outboundWebhook.configSchema.safeParse({}).success).toBe(false);
    expect(outboundWebhook.configSchema.safeParse({ url: "https://example.com/hook?token=abc" }).success).toBe(true);
    // Plain http only to this machine or a private network.
    expect(outboundWebhook.configSchema.safeParse({ url: "http://example.com/hook" }).error?.issues[0]?.message).toMatch(/https/);
    expect(outboundWebhook.configSchema.safeParse({ url: "http://10.0.0.5/hook" }).success).toBe(true);
  });
});

describe("outbound-webhook test()", () => {
  it("POSTs a ping signed per Standard Webhooks that the official library verifies", async () => {
    reply = () => ({ status: 204 });
    const r = await outboundWebhook.test!(settings(), ctx());
    expect(seen).toHaveLength(1);
    const got = seen[0]!;
    expect(got.method).toBe("POST");
    expect(got.url).toBe("/hooks/patchbay");
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers["webhook-id"]).toMatch(/^msg_/);
    expect(got.headers["webhook-signature"]).toMatch(/^v1,/);
    expect(got.error).toBeUndefined();
    expect(got.verified).toBe(true);
    expect(got.payload).toMatchObject({ type: "patchbay.ping", data: { message: expect.any(String) } });
    expect(Date.parse((got.payload as { timestamp: string }).timestamp)).not.toBeNaN();
    expect(r).toMatchObject({ ok: true });
    expect(r.message).toMatch(/accepted the signed ping \(HTTP 204\)/);
  });

  it("a receiver with another secret cannot verify it", async () => {
    reply = (req) => (req.verified ? { status: 200 } : { status: 401, body: "invalid signature" });
    const r = await outboundWebhook.test!(settings(generateWebhookSecret()), ctx());
    expect(seen[0]!.verified).toBe(false);
    expect(r).toMatchObject({ ok: false, field: "signingSecret" });
    expect(r.message).toMatch(/HTTP 401\): "invalid signature"/);
  });

  it("says the endpoint is gone on 410", async () => {
    reply = () => ({ status: 410, body: "gone" });
    const r = await outboundWebhook.test!(settings(), ctx());
    expect(r).toMatchObject({ ok: false, field: "url" });
    expect(r.message).toMatch(/the endpoint says it is gone/i);
  });

  it("treats a redirect as a failure and does not follow it", async () => {
    reply = (req) => (req.url === "/hooks/patchbay" ? { status: 301, headers: { location: `${baseUrl}/elsewhere` } } : { status: 200 });
    const r = await outboundWebhook.test!(settings(), ctx());
    expect(seen).toHaveLength(1);
    expect(r).toMatchObject({ ok: false, field: "url" });
    expect(r.message).toMatch(/redirects \(HTTP 301 to http:\/\/127\.0\.0\.1:\d+\/elsewhere\)/);
  });

  it("quotes the first 200 characters of an error answer", async () => {
    reply = () => ({ status: 500, body: `boom ${"x".repeat(400)}` });
    const r = await outboundWebhook.test!(settings(), ctx());
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^The endpoint answered HTTP 500: "boom x+…"$/);
    expect(r.message.length).toBeLessThan(260);
  });
});
