import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TestContext } from "@/lib/catalog/define-provider";
import { formatStripeAmount, stripe } from "./index";

type Seen = { method: string; url: string; headers: http.IncomingHttpHeaders };
type Reply = { status: number; json?: unknown; headers?: Record<string, string> };

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
      res.writeHead(r.status, { "content-type": "application/json", ...r.headers });
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
    reply = () => ({ status: 200, json: { object: "balance", livemode: false, available: [{ amount: 12345, currency: "usd", source_types: { card: 12345 } }], pending: [] } });
    const r = await stripe.test!(settings(), ctx());
    expect(seen[0]).toMatchObject({ method: "GET", url: "/v1/balance" });
    expect(seen[0]!.headers.authorization).toBe("Bearer sk_test_51Habc");
    expect(r).toMatchObject({ ok: true, message: "Connected to Stripe in test mode. Available balance: 123.45 USD." });
  });

  it("explains Stripe's 401 on the secret key field", async () => {
    reply = () => ({ status: 401, json: { error: { message: "Invalid API Key provided: sk_test_********abc", type: "invalid_request_error" } } });
    const r = await stripe.test!(settings(), ctx());
    expect(r).toMatchObject({ ok: false, field: "secretKey" });
    expect(r.message).toMatch(/^Stripe rejected the secret key/);
    expect(r.message).toMatch(/Invalid API Key provided/);
  });

  it("explains an expired key and a restricted key without the permission", async () => {
    reply = () => ({ status: 401, json: { error: { type: "invalid_request_error", code: "api_key_expired", message: "Expired API Key provided: sk_live_****abc" } } });
    expect((await stripe.test!(settings(), ctx())).message).toMatch(/expired/);
    reply = () => ({
      status: 403,
      json: { error: { type: "invalid_request_error", message: "The provided key 'rk_test_***abc' does not have the required permissions for this endpoint on account 'acct_1'. Having the 'rak_balance_read' permission would allow this request to continue." } },
    });
    const r = await stripe.test!(settings("rk_test_abc"), ctx());
    expect(r).toMatchObject({ ok: false, field: "secretKey" });
    expect(r.message).toMatch(/Balance: Read/);
  });

  it("says when the base URL is not Stripe", async () => {
    reply = () => ({ status: 404 });
    expect(await stripe.test!(settings(), ctx())).toMatchObject({ ok: false, field: "baseUrl" });
  });
});
