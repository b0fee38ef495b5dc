import { describe, expect, it } from "vitest";
import { type JsonReply, type SeenRequest, startJsonPeer, testContext } from "@/lib/providers/_shared/testing";
import { twilio } from "./index";

const SID = `AC${"a1".repeat(16)}`;
const TOKEN = "0123456789abcdef0123456789abcdef";

type Seen = SeenRequest;
type Reply = JsonReply;
const peer = await startJsonPeer();
const { seen, url: baseUrl } = peer;

const ctx = () => testContext();
const settings = () => ({ ...twilio.configSchema.parse({ accountSid: SID, baseUrl }), ...twilio.credentialsSchema.parse({ authToken: TOKEN }) });

// The fake checks Basic auth like Twilio: the documented 20003 body on a mismatch.
const twilioFake = (account: Record<string, unknown>) => (req: Seen): Reply => {
  const expected = `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString("base64")}`;
  if (req.headers.authorization !== expected) return { status: 401, json: { code: 20003, message: "Authenticate", more_info: "https://www.twilio.com/docs/errors/20003", status: 401 } };
  if (req.url !== `/2010-04-01/Accounts/${SID}.json`) return { status: 404, json: { code: 20404, message: `The requested resource ${req.url} was not found`, more_info: "https://www.twilio.com/docs/errors/20404", status: 404 } };
  return { status: 200, json: { sid: SID, friendly_name: "Acme", status: "active", type: "Full", ...account } };
};

describe("twilio schemas", () => {
  it("validates the Account SID (AC + 32 hex) and the auth token", () => {
    expect(twilio.configSchema.parse({ accountSid: SID })).toEqual({ accountSid: SID, baseUrl: "https://api.twilio.com" });
    const msg = (accountSid: string) => twilio.configSchema.safeParse({ accountSid }).error?.issues[0]?.message;
    expect(msg(`SK${"a1".repeat(16)}`)).toMatch(/API key SID/);
    expect(msg("AC123")).toMatch(/34 in all/);
    expect(twilio.credentialsSchema.safeParse({ authToken: TOKEN }).success).toBe(true);
    expect(twilio.credentialsSchema.safeParse({ authToken: "nope" }).success).toBe(false);
  });
});

describe("twilio test()", () => {
  it("fetches the account with Basic SID:token and names it", async () => {
    peer.reply = twilioFake({});
    const r = await twilio.test!(settings(), ctx());
    expect(seen[0]).toMatchObject({ method: "GET", url: `/2010-04-01/Accounts/${SID}.json` });
    expect(seen[0]!.headers.authorization).toMatch(/^Basic /);
    expect(r).toMatchObject({ ok: true, message: 'Connected to the Twilio account "Acme".' });
  });

  it("explains Twilio's 20003 on the auth token field", async () => {
    peer.reply = twilioFake({});
    const r = await twilio.test!({ ...settings(), authToken: "ffffffffffffffffffffffffffffffff" }, ctx());
    expect(r).toMatchObject({ ok: false, field: "authToken" });
    expect(r.message).toMatch(/rejected the Account SID and auth token/);
    expect(r.message).toMatch(/error 20003/);
  });

  it("reports a suspended account and mentions trial accounts", async () => {
    peer.reply = twilioFake({ status: "suspended" });
    expect(await twilio.test!(settings(), ctx())).toMatchObject({ ok: false, field: "accountSid" });
    peer.reply = twilioFake({ type: "Trial" });
    expect((await twilio.test!(settings(), ctx())).message).toMatch(/trial account/);
  });
});
