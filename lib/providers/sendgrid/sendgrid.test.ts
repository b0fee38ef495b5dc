import { describe, expect, it } from "vitest";
import { type JsonReply, type SeenRequest, startJsonPeer, testContext } from "@/lib/providers/_shared/testing";
import { sendgrid } from "./index";

const KEY = "SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq";

type Seen = SeenRequest;
type Reply = JsonReply;
const peer = await startJsonPeer();
const { seen, url: baseUrl } = peer;

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
    peer.reply = withKey(["mail.send", "alerts.read"]);
    const r = await sendgrid.test!(settings(), ctx());
    expect(seen[0]).toMatchObject({ method: "GET", url: "/v3/scopes" });
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(r).toMatchObject({ ok: true });
    expect(r.message).toMatch(/can send mail/);
  });

  it("fails on the API key field when mail.send is missing", async () => {
    peer.reply = withKey(["alerts.read"]);
    const r = await sendgrid.test!(settings(), ctx());
    expect(r).toMatchObject({ ok: false, field: "apiKey" });
    expect(r.message).toMatch(/Mail Send/);
  });

  it("explains SendGrid's 401 body on the API key field", async () => {
    peer.reply = withKey(["mail.send"]);
    const r = await sendgrid.test!({ ...settings(), apiKey: "SG.wrong.key" }, ctx());
    expect(r).toMatchObject({ ok: false, field: "apiKey" });
    expect(r.message).toMatch(/SendGrid rejected the API key/);
    expect(r.message).toMatch(/authorization required/);
  });

  it("explains a 403", async () => {
    peer.reply = () => ({ status: 403, json: { errors: [{ field: null, message: "access forbidden" }] } });
    const r = await sendgrid.test!(settings(), ctx());
    expect(r).toMatchObject({ ok: false, field: "apiKey" });
    expect(r.message).toMatch(/access forbidden/);
  });
});
