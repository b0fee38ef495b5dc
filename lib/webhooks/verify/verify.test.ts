import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import twilio from "twilio";
import { flipped, githubDelivery, pagerdutyDelivery, reserialized, slackDelivery, standardDelivery, stripeDelivery, twilioDelivery } from "../testing/signers";
import { verifyWebhook } from "./index";
import type { WebhookScheme } from "@/lib/catalog/define-provider";

const enc = (s: string) => Buffer.from(s);
const run = (scheme: WebhookScheme, secret: string, headers: Record<string, string>, body: string | Uint8Array, extra: { url?: string; now?: number } = {}) =>
  verifyWebhook(scheme, { secret, headers: new Headers(headers), body: typeof body === "string" ? enc(body) : body, url: extra.url ?? "https://hub.example.com/api/webhooks/x", now: extra.now });

const event = { id: "evt_1", type: "thing.happened", data: { amount: 1200, note: "héllo" } };

describe("GitHub (X-Hub-Signature-256, @octokit/webhooks-methods)", () => {
  const secret = "gh-secret-1";
  it("accepts the official signature, refuses re-serialized JSON, a flipped byte, another secret and malformed headers", async () => {
    const d = await githubDelivery(secret, event);
    expect(run("github", secret, d.headers, d.body)).toEqual({ ok: true });
    expect(run("github", secret, d.headers, reserialized(d.body)).ok).toBe(false);
    expect(run("github", secret, d.headers, flipped(d.body)).ok).toBe(false);
    expect(run("github", "another-secret", d.headers, d.body).ok).toBe(false);
    for (const bad of ["", "sha256=", "sha256=zz", "sha1=" + "a".repeat(40), "sha256=" + "a".repeat(63), "sha256=" + "é".repeat(64)]) {
      const r = run("github", secret, { ...d.headers, "x-hub-signature-256": bad }, d.body);
      expect(r.ok).toBe(false);
    }
    const { "x-hub-signature-256": _, ...noSig } = d.headers;
    expect(run("github", secret, noSig, d.body)).toEqual({ ok: false, reason: expect.stringContaining("missing") });
  });
});

describe("Stripe (Stripe-Signature, stripe.webhooks.generateTestHeaderStringAsync)", () => {
  const secret = "whsec_test_secret_1";
  it("accepts the official header, several v1 values, and refuses tampering, stale timestamps and malformed headers", async () => {
    const d = await stripeDelivery(secret, event);
    expect(run("stripe", secret, d.headers, d.body)).toEqual({ ok: true });
    expect(run("stripe", secret, d.headers, reserialized(d.body)).ok).toBe(false);
    expect(run("stripe", secret, d.headers, flipped(d.body)).ok).toBe(false);
    expect(run("stripe", "whsec_other", d.headers, d.body).ok).toBe(false);
    // A rolled secret: Stripe sends one v1 per active secret; one match is enough.
    const other = await stripeDelivery("whsec_old_secret", event, { timestamp: Number(/t=(\d+)/.exec(d.headers["stripe-signature"]!)![1]) });
    const both = `${d.headers["stripe-signature"]},${/v1=[0-9a-f]+/.exec(other.headers["stripe-signature"]!)![0]}`;
    expect(run("stripe", "whsec_old_secret", { "stripe-signature": both }, d.body)).toEqual({ ok: true });
    expect(run("stripe", secret, { "stripe-signature": both }, d.body)).toEqual({ ok: true });
    const stale = await stripeDelivery(secret, event, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(run("stripe", secret, stale.headers, stale.body)).toEqual({ ok: false, reason: expect.stringContaining("300 seconds") });
    for (const bad of ["", "t=", "v1=abc", "t=abc,v1=" + "a".repeat(64), ",,,", "t=1,v1=" + "g".repeat(64), "garbage"]) {
      expect(run("stripe", secret, { "stripe-signature": bad }, d.body).ok).toBe(false);
    }
  });
});

describe("Standard Webhooks (standardwebhooks)", () => {
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  it("accepts the official signature (also among several), refuses tampering, stale timestamps, wrong secrets and malformed headers", () => {
    const d = standardDelivery(secret, event);
    expect(run("standard", secret, d.headers, d.body)).toEqual({ ok: true });
    expect(run("standard", secret, d.headers, reserialized(d.body)).ok).toBe(false);
    expect(run("standard", secret, d.headers, flipped(d.body)).ok).toBe(false);
    expect(run("standard", "whsec_" + Buffer.from("another-secret-of-32-bytes-xxxxx").toString("base64"), d.headers, d.body).ok).toBe(false);
    expect(run("standard", secret, { ...d.headers, "webhook-signature": `v1,${Buffer.alloc(32).toString("base64")} ${d.headers["webhook-signature"]}` }, d.body)).toEqual({ ok: true });
    expect(run("standard", secret, { ...d.headers, "webhook-id": "msg_other" }, d.body).ok).toBe(false);
    const stale = standardDelivery(secret, event, { at: new Date(Date.now() - 6 * 60_000) });
    expect(run("standard", secret, stale.headers, stale.body)).toEqual({ ok: false, reason: expect.stringContaining("five minutes") });
    for (const bad of ["", "v1,", "v2," + d.headers["webhook-signature"]!.slice(3), "v1,!!!!", "v1"]) {
      expect(run("standard", secret, { ...d.headers, "webhook-signature": bad }, d.body).ok).toBe(false);
    }
    expect(run("standard", secret, { ...d.headers, "webhook-timestamp": "soon" }, d.body).ok).toBe(false);
    expect(run("standard", "not base64 !", d.headers, d.body).ok).toBe(false);
  });
});

describe("Twilio (X-Twilio-Signature, twilio.getExpectedTwilioSignature)", () => {
  const token = "0123456789abcdef0123456789abcdef";
  const url = "https://hub.example.com/api/webhooks/abc?x=1";
  const params = { MessageSid: "SM123", MessageStatus: "delivered", To: "+15005550006", Body: "hi there" };
  it("accepts the official signature, refuses another URL, changed params, another token and malformed headers", () => {
    const d = twilioDelivery(token, url, params);
    expect(twilio.validateRequest(token, d.headers["x-twilio-signature"]!, url, params)).toBe(true);
    expect(run("twilio", token, d.headers, d.body, { url })).toEqual({ ok: true });
    expect(run("twilio", token, d.headers, d.body, { url: "https://evil.example.com/api/webhooks/abc?x=1" }).ok).toBe(false);
    expect(run("twilio", token, d.headers, new URLSearchParams({ ...params, Body: "hi there!" }).toString(), { url }).ok).toBe(false);
    expect(run("twilio", "fedcba9876543210fedcba9876543210", d.headers, d.body, { url }).ok).toBe(false);
    // The same params in another order are the same request for Twilio (it sorts them).
    expect(run("twilio", token, d.headers, new URLSearchParams(Object.entries(params).reverse()).toString(), { url })).toEqual({ ok: true });
    for (const bad of ["", "abc", "!!!!", Buffer.alloc(32).toString("base64")]) expect(run("twilio", token, { ...d.headers, "x-twilio-signature": bad }, d.body, { url }).ok).toBe(false);
  });
  it("accepts a JSON body signed through bodySHA256 (validateRequestWithBody) and refuses a changed body", () => {
    const body = JSON.stringify({ hello: "world" });
    const signedUrl = `https://hub.example.com/api/webhooks/abc?bodySHA256=${twilio.getExpectedBodyHash(body)}`;
    const sig = twilio.getExpectedTwilioSignature(token, signedUrl, {});
    expect(twilio.validateRequestWithBody(token, sig, signedUrl, body)).toBe(true);
    const headers = { "content-type": "application/json", "x-twilio-signature": sig };
    expect(run("twilio", token, headers, body, { url: signedUrl })).toEqual({ ok: true });
    expect(run("twilio", token, headers, reserialized(body), { url: signedUrl }).ok).toBe(false);
  });
});

describe("Slack (v0 signature, per Slack's documentation)", () => {
  const secret = "8f742231b10e8888abcd99yyyzzz85a5";
  it("accepts a documented signature and refuses tampering, stale timestamps and malformed headers", () => {
    const body = JSON.stringify({ type: "event_callback", event_id: "Ev1", event: { type: "app_mention" } });
    const d = slackDelivery(secret, body);
    expect(run("slack", secret, d.headers, d.body)).toEqual({ ok: true });
    expect(run("slack", secret, d.headers, reserialized(d.body)).ok).toBe(false);
    expect(run("slack", secret, d.headers, flipped(d.body)).ok).toBe(false);
    expect(run("slack", "another-signing-secret-xxxxxxxx", d.headers, d.body).ok).toBe(false);
    const stale = slackDelivery(secret, body, { timestamp: Math.floor(Date.now() / 1000) - 5 * 60 - 1 });
    expect(run("slack", secret, stale.headers, stale.body)).toEqual({ ok: false, reason: expect.stringContaining("five minutes") });
    for (const bad of ["", "v0=", "v1=" + "a".repeat(64), "v0=xyz"]) expect(run("slack", secret, { ...d.headers, "x-slack-signature": bad }, d.body).ok).toBe(false);
    expect(run("slack", secret, { ...d.headers, "x-slack-request-timestamp": "12a" }, d.body).ok).toBe(false);
  });
  it("checks Slack's own documented example", () => {
    // The example request from Slack's "Verifying requests" page.
    const body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const headers = { "x-slack-request-timestamp": "1531420618", "x-slack-signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503" };
    expect(run("slack", "8f742231b10e8888abcd99yyyzzz85a5", headers, body, { now: 1531420618 })).toEqual({ ok: true });
  });
});

describe("PagerDuty v3 (X-PagerDuty-Signature, per PagerDuty's documentation)", () => {
  it("accepts one matching signature among several and refuses tampering and malformed headers", () => {
    const payload = { event: { id: "01D", event_type: "incident.triggered", data: {} } };
    const d = pagerdutyDelivery(["old-secret", "pd-secret"], payload);
    expect(run("pagerduty", "pd-secret", d.headers, d.body)).toEqual({ ok: true });
    expect(run("pagerduty", "old-secret", d.headers, d.body)).toEqual({ ok: true });
    expect(run("pagerduty", "third", d.headers, d.body).ok).toBe(false);
    expect(run("pagerduty", "pd-secret", d.headers, reserialized(d.body)).ok).toBe(false);
    expect(run("pagerduty", "pd-secret", d.headers, flipped(d.body)).ok).toBe(false);
    for (const bad of ["", "v1=", "v2=" + "a".repeat(64), ",", "v1=" + "z".repeat(64)]) expect(run("pagerduty", "pd-secret", { "x-pagerduty-signature": bad }, d.body).ok).toBe(false);
  });
});

describe("generic HMAC", () => {
  const secret = "generic-secret";
  const body = JSON.stringify(event);
  it("verifies hex and base64, prefixes and a timestamp, and refuses the rest", () => {
    const hex = createHmac("sha256", secret).update(body).digest("hex");
    const hmac = { header: "X-Signature", algorithm: "sha256" as const, encoding: "hex" as const, prefix: "sha256=" };
    const v = (headers: Record<string, string>, b: string | Uint8Array, o = hmac) => verifyWebhook("hmac", { secret, headers: new Headers(headers), body: typeof b === "string" ? enc(b) : b, url: "", hmac: o });
    expect(v({ "x-signature": `sha256=${hex}` }, body)).toEqual({ ok: true });
    expect(v({ "x-signature": hex }, body).ok).toBe(false);
    expect(v({ "x-signature": `sha256=${hex}` }, flipped(body)).ok).toBe(false);
    const b64 = createHmac("sha512", secret).update(body).digest("base64");
    expect(v({ "x-sig": b64 }, body, { header: "X-Sig", algorithm: "sha512" as never, encoding: "base64" as never, prefix: "" })).toEqual({ ok: true });
    const ts = String(Math.floor(Date.now() / 1000));
    const withTs = { ...hmac, timestampHeader: "X-Timestamp" };
    const tsSig = createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex");
    expect(v({ "x-signature": `sha256=${tsSig}`, "x-timestamp": ts }, body, withTs)).toEqual({ ok: true });
    const old = String(Number(ts) - 600);
    const oldSig = createHmac("sha256", secret).update(`${old}.${body}`).digest("hex");
    expect(v({ "x-signature": `sha256=${oldSig}`, "x-timestamp": old }, body, withTs).ok).toBe(false);
    expect(v({ "x-signature": "sha256=nothex" }, body).ok).toBe(false);
    expect(verifyWebhook("hmac", { secret, headers: new Headers({ "x-signature": `sha256=${hex}` }), body: enc(body), url: "" }).ok).toBe(false);
  });
});
