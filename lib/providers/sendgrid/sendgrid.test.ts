import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TestContext } from "@/lib/catalog/define-provider";
import { sendgrid } from "./index";

type Seen = { method: string; url: string; headers: http.IncomingHttpHeaders };
type Reply = { status: number; json?: unknown };

const KEY = "SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq";
let reply: (req: Seen) => Reply = () => ({ status: 500 });
const seen: Seen[] = [];
let server: http.Server;
let baseUrl = "";

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const s: Seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers };
      seen.push(s);
      const r = reply(s);
      res.writeHead(r.status, { "content-type": "application/json" });
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
