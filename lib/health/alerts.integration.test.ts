import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { and, desc, eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import type { DbHandle } from "@/db/client";
import { listRecentAlertDeliveries } from "@/db/queries/alerts";
import { getConnectionForHealth } from "@/db/queries/health";
import { auditLog, healthStatusChanges } from "@/db/schema";
import { testDbKinds, useTestDb } from "@/db/testing";
import { startSmtpSink } from "@/e2e/peers/smtp-sink";
import { createConnection, setConnectionEnabled } from "@/lib/connections/service";
import { getBoss, stopBoss } from "@/lib/jobs/boss";
import { addAllowlistEntry } from "@/lib/network/allowlist";
import { createOrganizationFor } from "@/lib/organizations/members";
import { completeSetup } from "@/lib/organizations/setup";
import { generateWebhookSecret } from "@/lib/providers/outbound-webhook";
import { startFake, type FakeRequest } from "@/lib/providers/_shared/testing";
import { stopSettingsListener } from "@/lib/settings/invalidation";
import { recordCheck } from "./check";
import { createAlertChannel, deleteAlertChannel, listAlertCapableConnections, sendTestAlert, setAlertChannelEnabled } from "./alert-channels";
import { deliverAlert } from "./alerts";

const BOT_TOKEN = "xoxb-test-0123456789";
const SECRET = generateWebhookSecret();

// A Slack Web API stand-in: chat.postMessage answers with `slackReply` (Slack says ok:false on HTTP 200).
let slackReply: () => { status: number; body: object } = () => ({ status: 200, body: { ok: true, ts: "1.2" } });
type Received = { webhookId: string; payload: { type: string; data: Record<string, unknown> } };
let receiverStatus = 204;

describe.each(testDbKinds())("health alerts on %s", (kind) => {
  let handle: DbHandle;
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  let slack: Awaited<ReturnType<typeof startFake>>;
  let receiver: Awaited<ReturnType<typeof startFake>>;
  const received: Received[] = [];
  let org: { id: string; name: string };
  let other: { id: string; name: string };
  let actor: { id: string; email: string; isPlatformAdmin: boolean };
  const ids = { smtp: "", slack: "", webhook: "", subject: "", otherSmtp: "" };
  const channels = { email: "", slack: "", webhook: "" };

  const slackPosts = () => slack.requests.filter((r) => r.path === "/api/chat.postMessage");

  async function fail(connectionId: string) {
    const row = (await getConnectionForHealth(connectionId))!;
    return recordCheck({ row, result: { ok: false, message: "Billing API refused the connection.", ms: 12 }, trigger: "manual" });
  }
  async function pass(connectionId: string) {
    const row = (await getConnectionForHealth(connectionId))!;
    return recordCheck({ row, result: { ok: true, message: "ok", ms: 9 }, trigger: "manual" });
  }
  async function lastChange(connectionId: string) {
    const [c] = await handle.db.select().from(healthStatusChanges).where(eq(healthStatusChanges.integrationId, connectionId)).orderBy(desc(healthStatusChanges.id)).limit(1);
    return c!;
  }

  beforeAll(async () => {
    handle = await useTestDb(kind);
    await getBoss();
    sink = await startSmtpSink({ username: "mailer", password: "sink-password-1" });
    slack = await startFake((req) => {
      if (req.path !== "/api/chat.postMessage") return { status: 404, body: "not found" };
      const r = slackReply();
      return { status: r.status, body: r.body };
    });
    receiver = await startFake((req: FakeRequest) => {
      // The receiver's side, with the official library: only verified deliveries count.
      const payload = new Webhook(SECRET).verify(req.body, req.headers as Record<string, string>) as Received["payload"];
      received.push({ webhookId: String(req.headers["webhook-id"]), payload });
      return { status: receiverStatus };
    });
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    org = setup.org;
    actor = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: true };
    other = await createOrganizationFor(setup.user, "Globex", null);
    await addAllowlistEntry({ orgId: org.id, platform: false, actor, entry: "127.0.0.1", note: "test peers", ip: null });
    const make = (providerKey: string, name: string, values: Record<string, unknown>, inOrg = org) => createConnection({ org: inOrg, actor, providerKey, platformWide: false, name, values, testBeforeSave: false, ip: null });
    ids.smtp = (await make("smtp", "Ops mail", { host: "127.0.0.1", port: String(sink.port), security: "none", username: "mailer", password: "sink-password-1", fromAddress: "alerts@acme.test" })).id;
    ids.slack = (await make("slack", "Ops Slack", { baseUrl: slack.url, botToken: BOT_TOKEN })).id;
    ids.webhook = (await make("outbound-webhook", "Pager bridge", { url: `${receiver.url}/hooks/patchbay`, signingSecret: SECRET })).id;
    ids.subject = (await make("custom-api-key", "Billing API", { baseUrl: "http://127.0.0.1:9", apiKey: "key-0123456789" })).id;
    ids.otherSmtp = (await make("smtp", "Globex mail", { host: "127.0.0.1", port: String(sink.port), security: "none", fromAddress: "a@globex.test" }, other)).id;
  }, 60_000);
  afterAll(async () => {
    await stopBoss(1_000);
    await stopSettingsListener();
    await Promise.all([sink.close(), slack.close(), receiver.close()]);
    await handle.close();
  });
  beforeEach(() => {
    slackReply = () => ({ status: 200, body: { ok: true, ts: "1.2" } });
    receiverStatus = 204;
  });

  it("offers only connections that can carry alerts, and refuses another organization's connection", async () => {
    const offered = await listAlertCapableConnections(org.id);
    expect(offered.map((c) => [c.name, c.kind]).sort()).toEqual([
      ["Ops Slack", "slack"],
      ["Ops mail", "email"],
      ["Pager bridge", "webhook"],
    ]);
    await expect(createAlertChannel({ org, actor, connectionId: ids.otherSmtp, target: "ops@acme.test", ip: null })).rejects.toMatchObject({ details: { fieldErrors: { connectionId: ["Choose one of this organization's connections."] } } });
    await expect(createAlertChannel({ org, actor, connectionId: ids.subject, target: "", ip: null })).rejects.toMatchObject({ details: { fieldErrors: { connectionId: [expect.stringMatching(/cannot send alerts/)] } } });
    await expect(createAlertChannel({ org, actor, connectionId: ids.smtp, target: "ops@acme.test, nope", ip: null })).rejects.toMatchObject({ details: { fieldErrors: { target: ["This is not an email address: nope. Separate addresses with commas."] } } });
    await expect(createAlertChannel({ org, actor, connectionId: ids.slack, target: "#Ops", ip: null })).rejects.toMatchObject({ details: { fieldErrors: { target: [expect.stringMatching(/lowercase/)] } } });
  });

  it("adds email, Slack and webhook channels, each audited, and refuses a duplicate", async () => {
    channels.email = (await createAlertChannel({ org, actor, connectionId: ids.smtp, target: "Ops@acme.test, oncall@acme.test", ip: null })).id;
    const s = await createAlertChannel({ org, actor, connectionId: ids.slack, target: "ops", ip: null });
    expect(s.target).toBe("#ops");
    channels.slack = s.id;
    const w = await createAlertChannel({ org, actor, connectionId: ids.webhook, target: "ignored", ip: null });
    expect(w.target).toBe("");
    channels.webhook = w.id;
    await expect(createAlertChannel({ org, actor, connectionId: ids.slack, target: "#ops", ip: null })).rejects.toMatchObject({ code: "conflict" });
    const audits = await handle.db.select().from(auditLog).where(and(eq(auditLog.orgId, org.id), eq(auditLog.action, "alert_channel.created")));
    expect(audits).toHaveLength(3);
    expect(audits.find((a) => a.targetId === channels.email)?.metadata).toMatchObject({ kind: "email", target: "ops@acme.test, oncall@acme.test" });
  });

  it("sends one alert per transition through email, Slack and a signed webhook, with a link to the connection", async () => {
    await fail(ids.subject);
    const degraded = await lastChange(ids.subject);
    await fail(ids.subject);
    const failing = await lastChange(ids.subject);
    expect([degraded.toStatus, failing.toStatus]).toEqual(["degraded", "failing"]);
    // Each transition queued its own job, keyed by the change id.
    const boss = await getBoss();
    expect(await boss.findJobs("alert-deliver", { key: `change:${failing.id}` })).toHaveLength(1);
    expect(await boss.findJobs("alert-deliver", { key: `change:${degraded.id}` })).toHaveLength(1);

    const r = await deliverAlert(failing.id);
    expect(r.delivered.sort()).toEqual([channels.email, channels.slack, channels.webhook].sort());
    const link = `/connections/${ids.subject}`;

    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]!.to.sort()).toEqual(["oncall@acme.test", "ops@acme.test"]);
    expect(sink.received[0]!.raw).toContain("Subject: [Patchbay] Billing API is failing");
    expect(sink.received[0]!.raw).toContain(link);

    const posts = slackPosts();
    expect(posts).toHaveLength(1);
    expect(posts[0]!.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    const body = JSON.parse(posts[0]!.body) as { channel: string; text: string };
    expect(body.channel).toBe("#ops");
    expect(body.text).toContain(link);
    expect(body.text).toContain("changed from *degraded* to *failing*");

    expect(received).toHaveLength(1);
    expect(received[0]!.webhookId).toBe(`alert_${failing.id}`);
    expect(received[0]!.payload.type).toBe("connection.health_changed");
    expect(received[0]!.payload.data).toMatchObject({ changeId: failing.id, from: "degraded", to: "failing", connection: { id: ids.subject, name: "Billing API", provider: "custom-api-key" } });

    const after = await lastChange(ids.subject);
    expect(after.alertedAt).toBeInstanceOf(Date);
    expect(after.alertError).toBeNull();
    expect(Object.keys(after.alertDeliveries).sort()).toEqual([channels.email, channels.slack, channels.webhook].sort());

    // The same job run again (a redelivery) sends nothing.
    await deliverAlert(failing.id);
    expect(sink.received).toHaveLength(1);
    expect(slackPosts()).toHaveLength(1);
    expect(received).toHaveLength(1);
  });

  it("a retry after a partial failure sends only to the channels that did not get the alert", async () => {
    sink.received.length = 0;
    received.length = 0;
    slack.requests.length = 0;
    await pass(ids.subject);
    const recovery = await lastChange(ids.subject);
    expect(recovery.toStatus).toBe("healthy");

    // Slack answers 200 with ok:false: a failure. Email and webhook go out.
    slackReply = () => ({ status: 200, body: { ok: false, error: "not_in_channel" } });
    await expect(deliverAlert(recovery.id)).rejects.toThrow(/1 of 3 channels failed/);
    let row = await lastChange(ids.subject);
    expect(row.alertedAt).toBeNull();
    expect(row.alertError).toBe("Ops Slack → #ops: The Slack app is not a member of #ops. Invite it there (/invite @your-app) and try again.");
    expect(Object.keys(row.alertDeliveries).sort()).toEqual([channels.email, channels.webhook].sort());
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]!.raw).toContain("Subject: [Patchbay] Billing API is healthy again");
    expect(received).toHaveLength(1);
    expect(slackPosts()).toHaveLength(1);

    // The retry: Slack works now; email and webhook are not sent again.
    slackReply = () => ({ status: 200, body: { ok: true, ts: "1.3" } });
    const r = await deliverAlert(recovery.id);
    expect(r.delivered).toEqual([channels.slack]);
    expect(r.skipped.sort()).toEqual([channels.email, channels.webhook].sort());
    expect(sink.received).toHaveLength(1);
    expect(received).toHaveLength(1);
    expect(slackPosts()).toHaveLength(2);
    row = await lastChange(ids.subject);
    expect(row.alertedAt).toBeInstanceOf(Date);
    expect(row.alertError).toBeNull();

    const recent = await listRecentAlertDeliveries(org.id);
    expect(recent.map((d) => d.id)).toContain(recovery.id);
    expect(await listRecentAlertDeliveries(other.id)).toEqual([]);
  });

  it("a webhook endpoint that answers 5xx fails the delivery with its answer; a disabled channel gets nothing", async () => {
    sink.received.length = 0;
    received.length = 0;
    slack.requests.length = 0;
    await setAlertChannelEnabled({ org, actor, channelId: channels.slack, enabled: false, ip: null });
    receiverStatus = 503;
    await fail(ids.subject);
    const change = await lastChange(ids.subject);
    await expect(deliverAlert(change.id)).rejects.toThrow(/1 of 2 channels failed/);
    expect((await lastChange(ids.subject)).alertError).toBe("Pager bridge: The endpoint answered HTTP 503.");
    expect(slackPosts()).toHaveLength(0);
    expect(sink.received).toHaveLength(1);
    await setAlertChannelEnabled({ org, actor, channelId: channels.slack, enabled: true, ip: null });
  });

  it("a channel whose connection is disabled fails with a message naming where to fix it", async () => {
    await setConnectionEnabled({ org, actor, id: ids.smtp, enabled: false, ip: null });
    const r = await sendTestAlert({ org, actor, channelId: channels.email, ip: null });
    expect(r).toMatchObject({ ok: false, message: `The SMTP connection "Ops mail" is disabled. Enable it at /connections/${ids.smtp}.` });
    await setConnectionEnabled({ org, actor, id: ids.smtp, enabled: true, ip: null });
  });

  it("a test alert goes out now and reports the provider's error in plain words", async () => {
    sink.received.length = 0;
    const ok = await sendTestAlert({ org, actor, channelId: channels.email, ip: null });
    expect(ok).toMatchObject({ ok: true, message: "Test alert sent to Ops mail → ops@acme.test, oncall@acme.test." });
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]!.raw).toContain("Subject: [Patchbay test]");
    expect(sink.received[0]!.raw).toContain("/settings/alerts");

    slackReply = () => ({ status: 200, body: { ok: false, error: "channel_not_found" } });
    const bad = await sendTestAlert({ org, actor, channelId: channels.slack, ip: null });
    expect(bad).toMatchObject({ ok: false, message: "Slack cannot find the channel #ops. Check the name, or use the channel id (in Slack: channel details → About)." });
    slackReply = () => ({ status: 200, body: { ok: false, error: "invalid_auth" } });
    expect((await sendTestAlert({ org, actor, channelId: channels.slack, ip: null })).message).toMatch(/^Slack rejected the bot token \(invalid_auth\)/);

    received.length = 0;
    expect((await sendTestAlert({ org, actor, channelId: channels.webhook, ip: null })).ok).toBe(true);
    expect(received[0]!.webhookId).toMatch(/^alert_test_/);
    expect(received[0]!.payload.data).toMatchObject({ test: true });

    // Another organization cannot test (or see) this organization's channel.
    await expect(sendTestAlert({ org: other, actor, channelId: channels.email, ip: null })).rejects.toMatchObject({ code: "not_found" });
    const tested = await handle.db.select().from(auditLog).where(and(eq(auditLog.orgId, org.id), eq(auditLog.action, "alert_channel.tested")));
    expect(tested.length).toBeGreaterThanOrEqual(5);
  });

  it("deletes a channel (audited); another organization cannot", async () => {
    await expect(deleteAlertChannel({ org: other, actor, channelId: channels.webhook, ip: null })).rejects.toMatchObject({ code: "not_found" });
    await deleteAlertChannel({ org, actor, channelId: channels.webhook, ip: null });
    const deleted = await handle.db.select().from(auditLog).where(and(eq(auditLog.orgId, org.id), eq(auditLog.action, "alert_channel.deleted")));
    expect(deleted.map((a) => a.targetId)).toEqual([channels.webhook]);
  });
});
