import { describe, expect, it } from "vitest";
import { startJsonPeer, testContext } from "@/lib/providers/_shared/testing";
import { formatStripeAmount, stripe } from "./index";

const peer = await startJsonPeer();
const { seen, url: baseUrl } = peer;

const ctx = () => testContext();
const settings = (secretKey = "sk_test_51Habc") => ({ ...stripe.configSchema.parse({ baseUrl }), ...stripe.credentialsSchema.parse({ secretKey, webhookSecret: "whsec_abc123" }) });

describe("stripe schemas", () => {
  it("accepts secret and restricted keys, defaulting the base URL", () => {
    expect(stripe.configSchema.parse({}).baseUrl).toBe("https://api.stripe.com");
    expect(stripe.credentialsSchema.safeParse({ secretKey: "sk_live_abc" }).success).toBe(true);
    expect(stripe.credentialsSchema.safeParse({ secretKey: "rk_test_abc", webhookSecret: "whsec_x1" }).success).toBe(true);
  });
  it("explains a publishable key, a bad key and a bad signing secret", () => {
    const msg = (v: Record<string, string>) => stripe.credentialsSchema.safeParse(v).error?.issues[0]?.message;
    expect(msg({ secretKey: "pk_test_abc" })).toMatch(/publishable key/);
    expect(msg({ secretKey: "hello" })).toMatch(/starts with sk_/);
    expect(msg({ secretKey: "sk_test_abc", webhookSecret: "abc" })).toMatch(/whsec_/);
  });
  it("formats amounts in the currency's unit", () => {
    expect(formatStripeAmount({ amount: 12345, currency: "usd" })).toBe("123.45 USD");
    expect(formatStripeAmount({ amount: 500, currency: "jpy" })).toBe("500 JPY");
  });
});

describe("stripe test()", () => {
  it("reads the balance with a Bearer key and says which mode", async () => {
    peer.reply = () => ({ status: 200, json: { object: "balance", livemode: false, available: [{ amount: 12345, currency: "usd", source_types: { card: 12345 } }], pending: [] } });
    const r = await stripe.test!(settings(), ctx());
    expect(seen[0]).toMatchObject({ method: "GET", url: "/v1/balance" });
    expect(seen[0]!.headers.authorization).toBe("Bearer sk_test_51Habc");
    expect(r).toMatchObject({ ok: true, message: "Connected to Stripe in test mode. Available balance: 123.45 USD." });
  });

  it("explains Stripe's 401 on the secret key field", async () => {
    peer.reply = () => ({ status: 401, json: { error: { message: "Invalid API Key provided: sk_test_********abc", type: "invalid_request_error" } } });
    const r = await stripe.test!(settings(), ctx());
    expect(r).toMatchObject({ ok: false, field: "secretKey" });
    expect(r.message).toMatch(/^Stripe rejected the secret key/);
    expect(r.message).toMatch(/Invalid API Key provided/);
  });

  it("explains an expired key and a restricted key without the permission", async () => {
    peer.reply = () => ({ status: 401, json: { error: { type: "invalid_request_error", code: "api_key_expired", message: "Expired API Key provided: sk_live_****abc" } } });
    expect((await stripe.test!(settings(), ctx())).message).toMatch(/expired/);
    peer.reply = () => ({
      status: 403,
      json: { error: { type: "invalid_request_error", message: "The provided key 'rk_test_***abc' does not have the required permissions for this endpoint on account 'acct_1'. Having the 'rak_balance_read' permission would allow this request to continue." } },
    });
    const r = await stripe.test!(settings("rk_test_abc"), ctx());
    expect(r).toMatchObject({ ok: false, field: "secretKey" });
    expect(r.message).toMatch(/Balance: Read/);
  });

  it("says when the base URL is not Stripe", async () => {
    peer.reply = () => ({ status: 404 });
    expect(await stripe.test!(settings(), ctx())).toMatchObject({ ok: false, field: "baseUrl" });
  });
});
