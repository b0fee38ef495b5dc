import { describe, expect, it } from "vitest";
import { type JsonReply, type SeenRequest, startJsonPeer, testContext } from "@/lib/providers/_shared/testing";
import { pagerduty } from "./index";

const KEY = "y_NbAkKc66ryYTWUXYEu";

type Seen = SeenRequest;
type Reply = JsonReply;
const peer = await startJsonPeer();
const { seen, url: baseUrl } = peer;

const ctx = () => testContext();
const settings = (apiKey = KEY) => ({ ...pagerduty.configSchema.parse({ baseUrl, fromEmail: "oncall@example.com" }), ...pagerduty.credentialsSchema.parse({ apiKey }) });
const fake = (req: Seen): Reply =>
  req.headers.authorization === `Token token=${KEY}`
    ? { status: 200, json: { abilities: ["teams", "read_only_users", "sso"] } }
    : { status: 401, json: { error: { message: "Unauthorized", code: 2006, errors: [] } } };

describe("pagerduty schemas", () => {
  it("parses config with defaults and validates the from email", () => {
    expect(pagerduty.configSchema.parse({})).toEqual({ baseUrl: "https://api.pagerduty.com" });
    expect(pagerduty.configSchema.safeParse({ fromEmail: "not-an-email" }).success).toBe(false);
  });
  it("explains an Events API routing key pasted as the REST key", () => {
    expect(pagerduty.credentialsSchema.safeParse({ apiKey: KEY }).success).toBe(true);
    expect(pagerduty.credentialsSchema.safeParse({ apiKey: "e93facc04764012d7bfb002500d5d1a6" }).error?.issues[0]?.message).toMatch(/routing/);
  });
});

describe("pagerduty test()", () => {
  it("calls GET /abilities with the Token header and the v2 Accept", async () => {
    peer.reply = fake;
    const r = await pagerduty.test!(settings(), ctx());
    expect(seen[0]).toMatchObject({ method: "GET", url: "/abilities" });
    expect(seen[0]!.headers.authorization).toBe(`Token token=${KEY}`);
    expect(seen[0]!.headers.accept).toBe("application/vnd.pagerduty+json;version=2");
    expect(r).toMatchObject({ ok: true, message: "Connected to PagerDuty; the account has 3 abilities enabled." });
  });

  it("explains PagerDuty's 401 body on the API key field", async () => {
    peer.reply = fake;
    const r = await pagerduty.test!(settings("wrong-key-0000000000"), ctx());
    expect(r).toMatchObject({ ok: false, field: "apiKey" });
    expect(r.message).toMatch(/PagerDuty rejected the API key/);
    expect(r.message).toMatch(/code 2006/);
  });

  it("explains a locked account", async () => {
    peer.reply = () => ({ status: 403, json: { error: { message: "Account Locked", code: 2008 } } });
    const r = await pagerduty.test!(settings(), ctx());
    expect(r).toMatchObject({ ok: false, field: "apiKey" });
    expect(r.message).toMatch(/locked/);
  });
});
