import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { testDbKinds, useTestDb } from "@/db/testing";
import { healthChecks, integrations, webhookDeliveries, webhookEvents, webhookQueue } from "@/db/schema";
import { POST } from "@/app/api/webhooks/[connectionId]/route";
import { createConnection, setConnectionEnabled, updateConnection } from "@/lib/connections/service";
import { flushPassiveSignals } from "@/lib/health/passive";
import { getBoss, stopBoss } from "@/lib/jobs/boss";
import { completeSetup } from "@/lib/organizations/setup";
import { flipped, githubDelivery, pagerdutyDelivery, reserialized, slackDelivery, standardDelivery, stripeDelivery, twilioDelivery, type Signed } from "./testing/signers";
import { providerWebhookHandlers } from "./handlers";
import { processWebhookEvent } from "./process";
import { webhooksReceived } from "./metrics";
import { clearWebhookTargets, webhookTarget } from "./targets";
import { countQueries } from "../../bench/lib/query-counter";
import { replayEvents, replayFiltered, sendTestWebhook } from "./admin";

const BASE = "http://hub.test";
const post = (id: string, d: { headers: Record<string, string>; body: string | Uint8Array }) =>
  POST(new Request(`${BASE}/api/webhooks/${id}`, { method: "POST", headers: d.headers, body: d.body as BodyInit }), { params: Promise.resolve({ connectionId: id }) });
const status = async (id: string, d: { headers: Record<string, string>; body: string | Uint8Array }) => (await post(id, d)).status;

describe.each(testDbKinds())("inbound webhooks on %s", (kind) => {
  let handle: DbHandle;
  let org: { id: string; name: string };
  let actor: { id: string; email: string; isPlatformAdmin: boolean };
  const ids: Record<string, string> = {};
  const secrets = {
    github: "gh-webhook-secret",
    stripe: "whsec_stripe_secret_1",
    slack: "slack-signing-secret-0123456789",
    pagerduty: "pd-webhook-secret",
    twilio: "0123456789abcdef0123456789abcdef",
    standard: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    hmac: "generic-hmac-secret",
  };
  const create = async (providerKey: string, name: string, values: Record<string, unknown>) =>
    (await createConnection({ org, actor, providerKey, platformWide: false, name, values, testBeforeSave: false, ip: null })).id;
  const rows = async (connectionId: string) => handle.db.select().from(webhookEvents).where(eq(webhookEvents.integrationId, connectionId));
  /** Queued: received with a fresh attempt budget, and on webhook_queue due now. */
  const queuedNow = async (eventId: string) => {
    const [row] = await handle.db.select().from(webhookEvents).where(eq(webhookEvents.id, eventId));
    const [entry] = await handle.db.select().from(webhookQueue).where(eq(webhookQueue.eventId, eventId));
    return row!.status === "received" && row!.runAttempts === 0 && entry !== undefined && entry.dueAt.getTime() <= Date.now() + 1000;
  };

  beforeAll(async () => {
    handle = await useTestDb(kind);
    await getBoss();
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    org = setup.org;
    actor = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: true };
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    ids.github = await create("github-app", "GH", { appId: 1, appSlug: "acme", privateKey, webhookSecret: secrets.github });
    ids.stripe = await create("stripe", "Stripe", { secretKey: "sk_test_123", webhookSecret: secrets.stripe });
    ids.stripeNoSecret = await create("stripe", "Stripe without secret", { secretKey: "sk_test_456" });
    ids.slack = await create("slack", "Slack", { botToken: "xoxb-1-2-3", signingSecret: secrets.slack });
    ids.pagerduty = await create("pagerduty", "PD", { apiKey: "pd-api-key", webhookSecret: secrets.pagerduty });
    ids.twilio = await create("twilio", "Twilio", { accountSid: `AC${"a".repeat(32)}`, authToken: secrets.twilio });
    ids.standard = await create("custom-api-key", "Std", { baseUrl: "https://api.example.com", apiKey: "k", webhookScheme: "standard", webhookSecret: secrets.standard });
    ids.hmac = await create("custom-api-key", "Hmac", {
      baseUrl: "https://api.example.com",
      apiKey: "k",
      webhookScheme: "hmac",
      webhookSignatureHeader: "X-Sig",
      webhookSignaturePrefix: "sha256=",
      webhookTimestampHeader: "X-Ts",
      webhookSecret: secrets.hmac,
    });
    ids.customOff = await create("custom-api-key", "No webhooks", { baseUrl: "https://api.example.com", apiKey: "k" });
  }, 120_000);
  afterAll(async () => {
    await stopBoss(1_000);
    await handle.close();
  });

  const payload = (n: string) => ({ id: `evt_${n}`, type: "invoice.paid", object: "event", data: { object: { amount: 100 } } });
  const stale = Math.floor(Date.now() / 1000) - 3600;

  async function expectScheme(id: string, good: Signed, staleDelivery?: Signed, malformed?: Record<string, string>) {
    const res = await post(id, good);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ received: true, duplicate: false });
    expect(await status(id, { headers: good.headers, body: reserialized(good.body) })).toBe(401);
    expect(await status(id, { headers: good.headers, body: flipped(good.body) })).toBe(401);
    if (staleDelivery) expect(await status(id, staleDelivery)).toBe(401);
    if (malformed) {
      const r = await post(id, { headers: { ...good.headers, ...malformed }, body: good.body });
      expect(r.status).toBe(401);
      expect((await r.json()).error.code).toBe("unauthorized");
    }
  }

  it("GitHub: @octokit/webhooks-methods signature → 202; tampered or malformed → 401", async () => {
    await expectScheme(ids.github!, await githubDelivery(secrets.github, { zen: "Keep it logically awesome." }), undefined, { "x-hub-signature-256": "sha256=not-hex" });
    const [row] = await rows(ids.github!);
    expect(row).toMatchObject({ providerKey: "github-app", eventType: "ping", status: "received", orgId: org.id });
    expect(row!.headers["x-hub-signature-256"]).toBe("[redacted]");
    expect(await queuedNow(row!.id)).toBe(true);
  });

  it("Stripe: generateTestHeaderStringAsync → 202; re-serialized, flipped, stale, malformed → 401", async () => {
    await expectScheme(ids.stripe!, await stripeDelivery(secrets.stripe, payload("s1")), await stripeDelivery(secrets.stripe, payload("s2"), { timestamp: stale }), { "stripe-signature": "t=,v1=zz" });
    expect((await rows(ids.stripe!)).map((r) => [r.deliveryId, r.eventType])).toEqual([["evt_s1", "invoice.paid"]]);
  });

  it("Standard Webhooks: standardwebhooks signature → 202; stale or malformed → 401", async () => {
    await expectScheme(ids.standard!, standardDelivery(secrets.standard, payload("w1"), { id: "msg_1" }), standardDelivery(secrets.standard, payload("w2"), { at: new Date(stale * 1000) }), { "webhook-signature": "v1,%%%" });
    expect((await rows(ids.standard!))[0]!.deliveryId).toBe("msg_1");
  });

  it("Twilio: getExpectedTwilioSignature over the public URL and sorted params → 202; changed params → 401", async () => {
    const url = `${BASE}/api/webhooks/${ids.twilio}`;
    const good = twilioDelivery(secrets.twilio, url, { MessageSid: "SM1", MessageStatus: "delivered", To: "+15005550006" });
    expect(await status(ids.twilio!, good)).toBe(202);
    expect(await status(ids.twilio!, { headers: good.headers, body: good.body + "&Extra=1" })).toBe(401);
    expect(await status(ids.twilio!, { headers: good.headers, body: flipped(good.body) })).toBe(401);
    expect(await status(ids.twilio!, { headers: { ...good.headers, "x-twilio-signature": "@@" }, body: good.body })).toBe(401);
    expect((await rows(ids.twilio!))[0]!.eventType).toBe("message.delivered");
  });

  it("Slack: v0 signature → 202, url_verification answered with its challenge; stale → 401", async () => {
    const body = JSON.stringify({ type: "event_callback", event_id: "Ev01", event: { type: "app_mention", text: "hi" } });
    await expectScheme(ids.slack!, slackDelivery(secrets.slack, body), slackDelivery(secrets.slack, body, { timestamp: stale }), { "x-slack-signature": "v0=" });
    const challenge = await post(ids.slack!, slackDelivery(secrets.slack, JSON.stringify({ type: "url_verification", challenge: "abc123", token: "t" })));
    expect(challenge.status).toBe(200);
    expect(await challenge.json()).toEqual({ challenge: "abc123" });
    expect((await rows(ids.slack!)).map((r) => r.eventType)).toEqual(["app_mention"]);
  });

  it("PagerDuty v3: signature (one of several) → 202; tampered → 401", async () => {
    await expectScheme(ids.pagerduty!, pagerdutyDelivery(["rotated-out", secrets.pagerduty], { event: { id: "01PD", event_type: "incident.triggered" } }), undefined, { "x-pagerduty-signature": "v1" });
    expect((await rows(ids.pagerduty!))[0]).toMatchObject({ deliveryId: "01PD", eventType: "incident.triggered" });
  });

  it("generic HMAC with a timestamp header: the configured signature → 202; stale → 401", async () => {
    const { createHmac } = await import("node:crypto");
    const sign = (ts: number, body: string) => ({ "content-type": "application/json", "x-ts": String(ts), "x-sig": `sha256=${createHmac("sha256", secrets.hmac).update(`${ts}.${body}`).digest("hex")}`, "x-webhook-id": `d-${ts}` });
    const body = JSON.stringify({ id: "h1", type: "order.created" });
    const now = Math.floor(Date.now() / 1000);
    expect(await status(ids.hmac!, { headers: sign(now, body), body })).toBe(202);
    await expectScheme(ids.hmac!, { headers: sign(now + 1, body), body }, { headers: sign(stale, body), body }, { "x-sig": "sha256=" });
    expect((await rows(ids.hmac!))[0]).toMatchObject({ deliveryId: `d-${now}`, eventType: "order.created" });
    expect(await rows(ids.hmac!)).toHaveLength(2);
  });

  it("fails closed: no secret, another connection's secret, webhooks off → 401/404; unknown or malformed ids → 404", async () => {
    const noSecret = await post(ids.stripeNoSecret!, await stripeDelivery(secrets.stripe, payload("x1")));
    expect(noSecret.status).toBe(401);
    expect((await noSecret.json()).error.message).toMatch(/No Webhook signing secret is configured .* \/connections\//);
    // Signed with the Stripe connection's (valid) secret, sent to another Stripe-like scheme connection.
    expect(await status(ids.github!, await githubDelivery(secrets.stripe, { zen: "x" }))).toBe(401);
    expect(await status(ids.standard!, standardDelivery("whsec_" + Buffer.from("someone-elses-secret-32-bytes!!!").toString("base64"), payload("x2")))).toBe(401);
    expect(await status(ids.customOff!, await stripeDelivery(secrets.stripe, payload("x3")))).toBe(404);
    expect(await status(crypto.randomUUID(), await stripeDelivery(secrets.stripe, payload("x4")))).toBe(404);
    expect(await status("not-a-uuid'--", await stripeDelivery(secrets.stripe, payload("x5")))).toBe(404);
    await setConnectionEnabled({ org, actor, id: ids.pagerduty!, enabled: false, ip: null });
    const disabled = await post(ids.pagerduty!, pagerdutyDelivery([secrets.pagerduty], { event: { id: "02PD" } }));
    expect(disabled.status).toBe(404);
    expect((await disabled.json()).error.message).toMatch(/disabled/);
    await setConnectionEnabled({ org, actor, id: ids.pagerduty!, enabled: true, ip: null });
  });

  it("bodies over 1 MiB → 413, by Content-Length and by counting a stream without one", async () => {
    const big = "x".repeat(1024 * 1024 + 1);
    expect(await status(ids.stripe!, { headers: { "content-type": "application/json" }, body: big })).toBe(413);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new Uint8Array(64 * 1024));
        c.close();
      },
    });
    const res = await POST(new Request(`${BASE}/api/webhooks/${ids.stripe}`, { method: "POST", body: stream, duplex: "half" } as RequestInit), { params: Promise.resolve({ connectionId: ids.stripe! }) });
    expect(res.status).toBe(413);
  });

  it("a redelivery is acknowledged but stored and queued once, also when copies arrive concurrently", async () => {
    const d = await stripeDelivery(secrets.stripe, payload("dup"));
    const first = await post(ids.stripe!, d);
    expect(await first.json()).toEqual({ received: true, duplicate: false });
    const again = await post(ids.stripe!, d);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    const c = await stripeDelivery(secrets.stripe, { ...payload("concurrent"), type: "customer.created" });
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(ids.stripe!, c)));
    expect(answers.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    const flags = await Promise.all(answers.map(async (r) => (await r.json()).duplicate));
    expect(flags.filter((f) => f === false)).toHaveLength(1);
    const stored = (await rows(ids.stripe!)).filter((r) => r.deliveryId === "evt_concurrent");
    expect(stored).toHaveLength(1);
    expect(await queuedNow(stored[0]!.id)).toBe(true);
    // Two workers reaching for the same event at once: one processes it, the other finds it taken.
    const outcomes = await Promise.all([processWebhookEvent(stored[0]!.id), processWebhookEvent(stored[0]!.id)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["processed", "skipped"]);
    expect((await rows(ids.stripe!)).find((r) => r.deliveryId === "evt_concurrent")).toMatchObject({ status: "processed", attempts: 1 });
  });

  it("the database failing to store the event → 503 with Retry-After, never a 2xx", async () => {
    await handle.db.execute(sql`alter table webhook_events rename to webhook_events_away`);
    try {
      const res = await post(ids.stripe!, await stripeDelivery(secrets.stripe, payload("db-down")));
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("30");
    } finally {
      await handle.db.execute(sql`alter table webhook_events_away rename to webhook_events`);
    }
    expect((await rows(ids.stripe!)).some((r) => r.deliveryId === "evt_db-down")).toBe(false);
  });

  it("processing: a GitHub installation deleted event disconnects its connection; a failing handler retries, then is dead", async () => {
    await handle.db.update(integrations).set({ status: "active", config: sql`config || '{"installationId": 42}'::jsonb` }).where(eq(integrations.id, ids.github!));
    const d = await githubDelivery(secrets.github, { action: "deleted", installation: { id: 42 } }, { event: "installation" });
    expect(await status(ids.github!, d)).toBe(202);
    const [event] = await handle.db.select().from(webhookEvents).where(and(eq(webhookEvents.integrationId, ids.github!), eq(webhookEvents.eventType, "installation.deleted")));
    expect(await processWebhookEvent(event!.id, { retryCount: 0 })).toEqual({ status: "processed", eventId: event!.id });
    const [conn] = await handle.db.select().from(integrations).where(eq(integrations.id, ids.github!));
    expect(conn).toMatchObject({ status: "needs_reauth", healthStatus: "disconnected" });
    const [done] = await handle.db.select().from(webhookEvents).where(eq(webhookEvents.id, event!.id));
    expect(done).toMatchObject({ status: "processed", attempts: 1 });
    expect(done!.latencyMs).toBeGreaterThanOrEqual(0);
    // Processing again (a job run twice) does nothing.
    expect((await processWebhookEvent(event!.id, { retryCount: 0 })).status).toBe("skipped");

    providerWebhookHandlers.stripe = async () => {
      throw new Error("downstream exploded");
    };
    try {
      const s = await stripeDelivery(secrets.stripe, payload("fails"));
      expect(await status(ids.stripe!, s)).toBe(202);
      const [failing] = await handle.db.select().from(webhookEvents).where(eq(webhookEvents.deliveryId, "evt_fails"));
      await expect(processWebhookEvent(failing!.id, { retryCount: 0 })).rejects.toThrow("downstream exploded");
      expect((await handle.db.select().from(webhookEvents).where(eq(webhookEvents.id, failing!.id)))[0]).toMatchObject({ status: "failed", attempts: 1, lastError: "downstream exploded" });
      await expect(processWebhookEvent(failing!.id, { retryCount: 5 })).rejects.toThrow();
      expect((await handle.db.select().from(webhookEvents).where(eq(webhookEvents.id, failing!.id)))[0]).toMatchObject({ status: "dead", attempts: 2 });
    } finally {
      delete providerWebhookHandlers.stripe;
    }
  });

  it("replay resets a processed event and queues it once, also for two concurrent replays; a filtered replay counts what it queued", async () => {
    const d = await stripeDelivery(secrets.stripe, payload("replay"));
    expect(await status(ids.stripe!, d)).toBe(202);
    const [event] = await handle.db.select().from(webhookEvents).where(eq(webhookEvents.deliveryId, "evt_replay"));
    await processWebhookEvent(event!.id, { retryCount: 0 });
    const who = { id: actor.id, email: actor.email };
    const [a, b] = await Promise.all([replayEvents({ orgId: org.id, actor: who, ids: [event!.id], ip: null }), replayEvents({ orgId: org.id, actor: who, ids: [event!.id], ip: null })]);
    expect(a.queued + b.queued).toBe(1);
    expect(await queuedNow(event!.id)).toBe(true);
    expect((await handle.db.select().from(webhookEvents).where(eq(webhookEvents.id, event!.id)))[0]).toMatchObject({ status: "received", processedAt: null });
    await processWebhookEvent(event!.id, { retryCount: 0 });
    expect((await handle.db.select().from(webhookEvents).where(eq(webhookEvents.id, event!.id)))[0]).toMatchObject({ status: "processed", attempts: 2 });
    // Another organization cannot replay it.
    expect((await replayEvents({ orgId: "other-org", actor: who, ids: [event!.id], ip: null })).queued).toBe(0);
    const filtered = await replayFiltered({ orgId: org.id, actor: who, filters: { connection: ids.stripe!, type: "invoice", status: "processed" }, limit: 10, ip: null });
    expect(filtered).toMatchObject({ matched: 1, queued: 1, skipped: 0 });
  });

  it("a processed event is relayed to the organization's outbound endpoints that subscribe to it, in the same transaction", async () => {
    const endpoint = await create("outbound-webhook", "Relay", { url: "https://hooks.example.com/in", signingSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", eventTypes: "inbound.stripe.*" });
    const other = await create("outbound-webhook", "Only GitHub", { url: "https://hooks.example.com/gh", signingSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", eventTypes: "inbound.github-app.*" });
    const d = await stripeDelivery(secrets.stripe, payload("relay"));
    expect(await status(ids.stripe!, d)).toBe(202);
    const [event] = await handle.db.select().from(webhookEvents).where(eq(webhookEvents.deliveryId, "evt_relay"));
    expect((await processWebhookEvent(event!.id, { retryCount: 0 })).status).toBe("processed");
    const relayed = await handle.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.integrationId, endpoint));
    expect(relayed).toHaveLength(1);
    expect(relayed[0]).toMatchObject({ eventType: "inbound.stripe.invoice.paid", status: "pending" });
    expect((relayed[0]!.payload as { data: Record<string, unknown> }).data).toMatchObject({ connectionId: ids.stripe, eventId: event!.id, deliveryId: "evt_relay", payload: payload("relay") });
    expect(await handle.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.integrationId, other))).toHaveLength(0);
    await setConnectionEnabled({ org, actor, id: endpoint, enabled: false, ip: null });
    await setConnectionEnabled({ org, actor, id: other, enabled: false, ip: null });
  });

  it("a new webhook secret or disabling the connection applies to the very next delivery (no stale cached secret)", async () => {
    const id = await create("stripe", "Rotating", { secretKey: "sk_test_rot", webhookSecret: "whsec_rotation_old" });
    expect(await status(id, await stripeDelivery("whsec_rotation_old", payload("rot1")))).toBe(202);
    await updateConnection({ org, actor, id, name: "Rotating", values: { webhookSecret: "whsec_rotation_new" }, testBeforeSave: false, ip: null });
    expect(await status(id, await stripeDelivery("whsec_rotation_old", payload("rot2")))).toBe(401);
    expect(await status(id, await stripeDelivery("whsec_rotation_new", payload("rot3")))).toBe(202);
    await setConnectionEnabled({ org, actor, id, enabled: false, ip: null });
    expect(await status(id, await stripeDelivery("whsec_rotation_new", payload("rot4")))).toBe(404);
  });

  it("deliveries that arrive while a connection's target is being loaded share that one load", async () => {
    // A connection saved long before (a fresh save's own change notification would, rightly, drop the load in flight).
    const id = ids.stripe!;
    clearWebhookTargets();
    const counter = countQueries(handle, (text) => text.includes("integration_secrets"));
    try {
      const targets = await Promise.all(Array.from({ length: 5 }, () => webhookTarget(id)));
      expect(counter.count).toBe(1);
      expect(new Set(targets).size).toBe(1);
      expect(targets[0]!.secret).toBe(secrets.stripe);
      // Cached now: no further read.
      await webhookTarget(id);
      expect(counter.count).toBe(1);
    } finally {
      counter.restore();
    }
  });

  it("a verified delivery is a passive health signal (in memory, stored at the flush); a rejected one is not", async () => {
    const id = await create("stripe", "Inbound health", { secretKey: "sk_test_ih", webhookSecret: "whsec_inbound_health" });
    await flushPassiveSignals();
    expect(await status(id, await stripeDelivery("whsec_inbound_health", payload("ih1")))).toBe(202);
    expect(await status(id, await stripeDelivery("whsec_wrong", payload("ih2")))).toBe(401);
    expect(await handle.db.select().from(healthChecks).where(eq(healthChecks.integrationId, id))).toHaveLength(0);
    await flushPassiveSignals();
    expect(await handle.db.select().from(healthChecks).where(eq(healthChecks.integrationId, id))).toMatchObject([{ kind: "inbound", ok: true, message: "1 verified inbound webhook delivery" }]);
  });

  it("counts what senders were answered in patchbay_webhooks_received_total", async () => {
    const value = async (outcome: string) => (await webhooksReceived.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
    const [stored, duplicate, rejected] = [await value("stored"), await value("duplicate"), await value("rejected")];
    const d = await stripeDelivery(secrets.stripe, payload("metrics"));
    expect(await status(ids.stripe!, d)).toBe(202);
    expect(await status(ids.stripe!, d)).toBe(202);
    expect(await status(ids.stripe!, await stripeDelivery("whsec_wrong", payload("metrics2")))).toBe(401);
    expect([await value("stored"), await value("duplicate"), await value("rejected")]).toEqual([stored + 1, duplicate + 1, rejected + 1]);
  });

  it("Send test event signs with the connection's own secret and goes through the same path", async () => {
    expect(await sendTestWebhook({ orgId: org.id, connectionId: ids.standard!, origin: BASE })).toMatchObject({ status: 202 });
    expect(await sendTestWebhook({ orgId: org.id, connectionId: ids.twilio!, origin: BASE })).toMatchObject({ status: 202 });
    expect((await rows(ids.standard!)).some((r) => r.eventType === "patchbay.test")).toBe(true);
    await expect(sendTestWebhook({ orgId: org.id, connectionId: ids.stripeNoSecret!, origin: BASE })).rejects.toThrow(/Set the Webhook signing secret first/);
    await expect(sendTestWebhook({ orgId: "other-org", connectionId: ids.stripe!, origin: BASE })).rejects.toThrow(/no such connection/);
  });
});
