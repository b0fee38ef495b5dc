import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeRequest, startFake, testContext } from "@/lib/providers/_shared/testing";
import { sendgrid } from "./index";

type Seen = { method: string; url: string; headers: FakeRequest["headers"] };
type Reply = { status: number; json?: unknown };

const KEY = "SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq";
let reply: (req: Seen) => Reply = () => ({ status: 500 });
const seen: Seen[] = [];
let peer: Awaited<ReturnType<typeof startFake>>;
let baseUrl = "";

beforeAll(async () => {
  peer = await startFake((req) => {
    const s: Seen = { method: req.method, url: req.url.pathname + req.url.search, headers: req.headers };
    seen.push(s);
    const r = reply(s);
    return { status: r.status, headers: { "content-type": "application/json" }, body: r.json === undefined ? "" : JSON.stringify(r.json) };
  });
  baseUrl = peer.url;
});
afterAll(() => peer.close());
beforeEach(() => {
  seen.length = 0;
});

const ctx = () => testContext();
const settings = () => ({ ...sendgrid.configSchema.parse({ baseUrl, fromAddress: "no-reply@example.com", fromName: "Acme" }), ...sendgrid.credentialsSchema.parse({ apiKey: KEY }) });
const withKey = (scopes: string[]) => (req: Seen): Reply =>
  req.headers.authorization === `Bearer ${KEY}` ? { status: 200, json: { scopes } } : { status: 401, json: { errors: [{ field: null, message: "authorization required" }] } };

describe("sendgrid schemas", () => {
  it("requires a sender address and an SG. key", () => {
    expect(sendgrid.configSchema.parse({ fromAddress: "a@example.com" }).baseUrl).toBe("https://api.sendgrid.com");
    expect(sendgrid.configSchema.safeParse({ fromAddress: "nope" }).success).toBe(false);
    expect(sendgrid.credentialsSchema.safeParse({ apiKey: KEY }).success).toBe(true);
    expect(sendgrid.credentialsSchema.safeParse({ apiKey: "abc" }).error?.issues[0]?.message).toMatch(/SG\.xxxx\.yyyy/);
  });
});

describe("sendgrid test()", () => {
  it("lists the key's scopes with Bearer auth and finds mail.send", async () => {
    reply = withKey(["mail.send", "alerts.read"]);
    const r = await sendgrid.test!(settings(), ctx());
    expect(seen[0]).toMatchObject({ method: "GET", url: "/v3/scopes" });
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(r).toMatchObject({ ok: true });
    expect(r.message).toMatch(/can send mail/);
  });

  it("fails on the API key field when mail.send is missing", async () => {
    reply = withKey(["alerts.read"]);
    const r = await sendgrid.test!(settings(), ctx());
    expect(r).toMatchObject({ ok: false, field: "apiKey" });
    expect(r.message).toMatch(/Mail Send/);
  });

  it("explains SendGrid's 401 body on the API key field", async () => {
    reply = withKey(["mail.send"]);
    const r = await sendgrid.test!({ ...settings(), apiKey: "SG.wrong.key" }, ctx());
    expect(r).toMatchObject({ ok: false, field: "apiKey" });
    expect(r.message).toMatch(/SendGrid rejected the API key/);
    expect(r.message).toMatch(/authorization required/);
  });

  it("explains a 403", async () => {
    reply = () => ({ status: 403, json: { errors: [{ field: null, message: "access forbidden" }] } });
    const r = await sendgrid.test!(settings(), ctx());
    expect(r).toMatchObject({ ok: false, field: "apiKey" });
    expect(r.message).toMatch(/access forbidden/);
  });
});
