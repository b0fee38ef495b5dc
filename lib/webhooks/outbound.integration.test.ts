import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, desc, eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import type { DbHandle } from "@/db/client";
import { getConnectionForHealth } from "@/db/queries/health";
import { listSecretRows } from "@/db/queries/integrations";
import { getDelivery, listAttempts } from "@/db/queries/webhook-deliveries";
import { auditLog, healthStatusChanges } from "@/db/schema";
import { testDbKinds, useTestDb } from "@/db/testing";
import { createConnection, revealSecret, setConnectionEnabled } from "@/lib/connections/service";
import { getBoss, stopBoss } from "@/lib/jobs/boss";
import { addAllowlistEntry } from "@/lib/network/allowlist";
import { createOrganizationFor } from "@/lib/organizations/members";
import { completeSetup } from "@/lib/organizations/setup";
import { generateWebhookSecret, PREVIOUS_SECRET_FIELD } from "@/lib/providers/outbound-webhook";
import { startFake, type FakeReply, type FakeRequest } from "@/lib/providers/_shared/testing";
import { emitEvent } from "@/lib/runtime/events";
import { stopSettingsListener } from "@/lib/settings/invalidation";
import { deliverOutbound } from "./outbound";
import { previousSecretValidUntil, resendDelivery, rotateSigningSecret, sendTestEvent } from "./outbound-endpoints";

const HOUR = 3_600_000;

describe.each(testDbKinds())("outbound webhooks on %s", (kind) => {
  let handle: DbHandle;
  let receiver: Awaited<ReturnType<typeof startFake>>;
  // Each test's endpoint has its own path on the receiver, and its own scripted answers.
  const scripts = new Map<string, (req: FakeRequest) => FakeReply | Promise<FakeReply>>();
  let org: { id: string; name: string };
  let other: { id: string; name: string };
  let actor: { id: string; email: string; isPlatformAdmin: boolean };

  const hits = (path: string) => receiver.requests.filter((r) => r.path === path);
  async function endpoint(path: string, eventTypes: string, reply: (req: FakeRequest) => FakeReply | Promise<FakeReply>, opts: { inOrg?: typeof org; secret?: string } = {}) {
    const secret = opts.secret ?? generateWebhookSecret();
    scripts.set(path, reply);
    const { id } = await createConnection({ org: opts.inOrg ?? org, actor, providerKey: "outbound-webhook", platformWide: false, name: `Endpoint ${path}`, values: { url: `${receiver.url}${path}`, eventTypes, signingSecret: secret }, testBeforeSave: false, ip: null });
    return { id, secret };
  }
  /** Replies from a list, one per request; the last one repeats. */
  const sequence = (...replies: FakeReply[]) => {
    let i = 0;
    return () => replies[Math.min(i++, replies.length - 1)]!;
  };

  beforeAll(async () => {
    handle = await useTestDb(kind);
    await getBoss();
    receiver = await startFake((req) => scripts.get(req.path)?.(req) ?? { status: 404 });
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    org = setup.org;
    actor = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: true };
    other = await createOrganizationFor(setup.user, "Globex", null);
    await addAllowlistEntry({ orgId: org.id, platform: false, actor, entry: "127.0.0.1", note: "test receiver", ip: null });
  }, 60_000);
  afterAll(async () => {
    await stopBoss(1_000);
    await stopSettingsListener();
    await receiver.close();
    await handle.close();
  });

  it("retries a delivery on schedule with a stable webhook-id: 500, 500, then 200, verified by the receiver", async () => {
    const { id: endpointId, secret } = await endpoint("/retry", "order.*", sequence({ status: 500, body: "database is down" }, { status: 500 }, { status: 200, body: "ok" }));
    const emitted = await emitEvent(org.id, "order.created", { orderId: 42 });
    expect(emitted).toMatchObject({ deliveries: 1 });
    expect(emitted.messageId).toMatch(/^msg_[0-9a-f]{32}$/);
    const deliveryId = emitted.deliveryIds[0]!;
    const boss = await getBoss();
    expect(await boss.findJobs("outbound-delivery", { key: deliveryId })).toHaveLength(1);

    const t0 = new Date();
    const first = await deliverOutbound(deliveryId, { now: t0 });
    expect(first).toMatchObject({ status: "failed", attempt: 1, httpStatus: 500 });
    expect(first.status !== "skipped" && first.nextAttemptAt!.getTime() - t0.getTime()).toBe(5_000);
    const t1 = new Date(t0.getTime() + 5_000);
    const second = await deliverOutbound(deliveryId, { now: t1 });
    expect(second).toMatchObject({ status: "failed", attempt: 2 });
    expect(second.status !== "skipped" && second.nextAttemptAt!.getTime() - t1.getTime()).toBe(5 * 60_000);
    const third = await deliverOutbound(deliveryId, { now: new Date(t1.getTime() + 5 * 60_000) });
    expect(third).toMatchObject({ status: "succeeded", attempt: 3, httpStatus: 200 });
    // A stale job for this delivery does nothing now.
    expect(await deliverOutbound(deliveryId, { expectedAttempt: 1 })).toMatchObject({ status: "skipped" });

    const seen = hits("/retry");
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((r) => r.headers["webhook-id"]))).toEqual(new Set([emitted.messageId]));
    expect(seen.map((r) => Number(r.headers["webhook-timestamp"]))).toEqual([t0, t1, new Date(t1.getTime() + 5 * 60_000)].map((t) => Math.floor(t.getTime() / 1000)));
    // The receiver's side, with the official library (its 5-minute tolerance needs the real clock: attempt 1).
    const payload = new Webhook(secret).verify(seen[0]!.body, seen[0]!.headers as Record<string, string>) as { type: string; data: unknown; timestamp: string };
    expect(payload).toMatchObject({ type: "order.created", data: { orderId: 42 } });
    expect(seen[2]!.body).toBe(seen[0]!.body);

    const delivery = (await getDelivery(deliveryId))!;
    expect(delivery).toMatchObject({ status: "succeeded", attempts: 3, lastStatus: 200, lastError: null, nextAttemptAt: null });
    const attempts = await listAttempts(org.id, [deliveryId]);
    expect(attempts.map((a) => [a.attempt, a.status, a.ok])).toEqual([
      [1, 500, "failed"],
      [2, 500, "failed"],
      [3, 200, "ok"],
    ]);
    expect(attempts[0]!.responseExcerpt).toBe("database is down");
    expect(await listAttempts(other.id, [deliveryId])).toEqual([]);

    // Resend: one more attempt now, same message id, audited.
    await resendDelivery({ org, actor, deliveryId, ip: null });
    expect(await getDelivery(deliveryId)).toMatchObject({ status: "pending" });
    await expect(resendDelivery({ org: other, actor, deliveryId, ip: null })).rejects.toMatchObject({ code: "not_found" });
    expect(await deliverOutbound(deliveryId, { expectedAttempt: 3 })).toMatchObject({ status: "succeeded", attempt: 4 });
    expect(hits("/retry")[3]!.headers["webhook-id"]).toBe(emitted.messageId);
    const [audit] = await handle.db.select().from(auditLog).where(and(eq(auditLog.action, "webhook_delivery.resent"), eq(auditLog.targetId, deliveryId)));
    expect(audit).toMatchObject({ orgId: org.id, actorEmail: "ada@example.com" });
    expect(endpointId).toBeTruthy();
  });

  it("sends an event only to the organization's enabled endpoints whose event types match", async () => {
    const a = await endpoint("/filter-a", "billing.*", () => ({ status: 204 }));
    const b = await endpoint("/filter-b", "billing.invoice.paid, billing.refund", () => ({ status: 204 }));
    await endpoint("/filter-other-org", "", () => ({ status: 204 }), { inOrg: other });
    const paid = await emitEvent(org.id, "billing.invoice.paid", { invoice: "in_1" });
    const created = await emitEvent(org.id, "billing.invoice.created", { invoice: "in_2" });
    const ids = async (r: { deliveryIds: string[] }) => (await Promise.all(r.deliveryIds.map((d) => getDelivery(d)))).map((d) => d!.integrationId).sort();
    // The "order.*" endpoint of the first test and the other organization's catch-all get neither.
    expect(await ids(paid)).toEqual([a.id, b.id].sort());
    expect(await ids(created)).toEqual([a.id]);
    await setConnectionEnabled({ org, actor, id: a.id, enabled: false, ip: null });
    expect((await emitEvent(org.id, "billing.invoice.created", {})).deliveries).toBe(0);
    await expect(emitEvent(org.id, "Not A Type", {})).rejects.toMatchObject({ code: "bad_request" });
    await expect(emitEvent(org.id, "billing.big", { blob: "x".repeat(300 * 1024) })).rejects.toMatchObject({ code: "bad_request" });
    // A delivery queued before its endpoint was disabled is cancelled, not sent.
    expect(await deliverOutbound(created.deliveryIds[0]!)).toMatchObject({ status: "cancelled" });
    expect(hits("/filter-a")).toHaveLength(0);
  });

  it("disables the endpoint on 410 Gone, cancels its pending deliveries and alerts through a health transition", async () => {
    const { id } = await endpoint("/gone", "gone.*", () => ({ status: 410, body: "unsubscribed" }));
    const one = await emitEvent(org.id, "gone.one", {});
    const two = await emitEvent(org.id, "gone.two", {});
    const r = await deliverOutbound(one.deliveryIds[0]!);
    expect(r).toMatchObject({ status: "cancelled", httpStatus: 410, endpointDisabled: true });
    const row = (await getConnectionForHealth(id))!;
    expect(row).toMatchObject({ enabled: false, status: "inactive", healthStatus: "disconnected" });
    expect(await getDelivery(two.deliveryIds[0]!)).toMatchObject({ status: "cancelled" });
    expect(await deliverOutbound(two.deliveryIds[0]!)).toMatchObject({ status: "skipped" });
    expect(hits("/gone")).toHaveLength(1);
    const [change] = await handle.db.select().from(healthStatusChanges).where(eq(healthStatusChanges.integrationId, id)).orderBy(desc(healthStatusChanges.id)).limit(1);
    expect(change).toMatchObject({ toStatus: "disconnected", reason: expect.stringMatching(/410 Gone/) });
    const audits = await handle.db.select().from(auditLog).where(and(eq(auditLog.action, "connection.disabled"), eq(auditLog.targetId, id)));
    expect(audits[0]!.metadata).toMatchObject({ automatic: true, cancelledDeliveries: 1 });
    expect((await emitEvent(org.id, "gone.three", {})).deliveries).toBe(0);
  });

  it("treats a redirect as a failure without following it, and honours Retry-After (capped at 10 h)", async () => {
    await endpoint("/moved", "moved.*", () => ({ status: 301, headers: { location: `${receiver.url}/elsewhere` } }));
    scripts.set("/elsewhere", () => ({ status: 200 }));
    const moved = await emitEvent(org.id, "moved.x", {});
    const r = await deliverOutbound(moved.deliveryIds[0]!);
    expect(r).toMatchObject({ status: "failed", httpStatus: 301, error: expect.stringMatching(/do not follow redirects/) });
    expect(hits("/elsewhere")).toHaveLength(0);

    await endpoint("/busy", "busy.*", sequence({ status: 503, headers: { "retry-after": "120" } }, { status: 429, headers: { "retry-after": "999999" } }, { status: 429, headers: { "retry-after": "1" } }));
    const busy = await emitEvent(org.id, "busy.x", {});
    const id = busy.deliveryIds[0]!;
    const t0 = new Date();
    const a1 = await deliverOutbound(id, { now: t0 });
    // The schedule says 5 s; the receiver asked for 120 s.
    expect(a1.status !== "skipped" && a1.nextAttemptAt!.getTime() - t0.getTime()).toBe(120_000);
    const a2 = await deliverOutbound(id, { now: t0 });
    expect(a2.status !== "skipped" && a2.nextAttemptAt!.getTime() - t0.getTime()).toBe(10 * HOUR);
    const a3 = await deliverOutbound(id, { now: t0 });
    // A shorter Retry-After never brings an attempt before the schedule (30 min after attempt 3).
    expect(a3.status !== "skipped" && a3.nextAttemptAt!.getTime() - t0.getTime()).toBe(30 * 60_000);
  });

  it("gives up after 8 attempts, and fails an attempt that exceeds the timeout", async () => {
    await endpoint("/slow", "slow.*", () => new Promise<FakeReply>((resolve) => setTimeout(() => resolve({ status: 200 }), 600)));
    const slow = await emitEvent(org.id, "slow.x", {});
    const t = await deliverOutbound(slow.deliveryIds[0]!, { timeoutMs: 150 });
    expect(t).toMatchObject({ status: "failed", httpStatus: null, error: "No response from 127.0.0.1 within 0.15 s." });

    await endpoint("/dead", "dead.*", () => ({ status: 500 }));
    const dead = await emitEvent(org.id, "dead.x", {});
    const id = dead.deliveryIds[0]!;
    const t0 = Date.now();
    const outcomes = [];
    for (let i = 0; i < 8; i++) outcomes.push(await deliverOutbound(id, { now: new Date(t0 + i * HOUR) }));
    expect(outcomes.map((o) => o.status)).toEqual(["failed", "failed", "failed", "failed", "failed", "failed", "failed", "dead"]);
    expect(await getDelivery(id)).toMatchObject({ status: "dead", attempts: 8, nextAttemptAt: null });
    expect(await deliverOutbound(id)).toMatchObject({ status: "skipped" });
  });

  it("disables an endpoint that has failed for 5 days straight", async () => {
    const { id } = await endpoint("/down", "down.*", () => ({ status: 502 }));
    const t0 = Date.now();
    const first = await emitEvent(org.id, "down.x", {});
    expect(await deliverOutbound(first.deliveryIds[0]!, { now: new Date(t0) })).toMatchObject({ status: "failed" });
    const later = await emitEvent(org.id, "down.x", {});
    expect(await deliverOutbound(later.deliveryIds[0]!, { now: new Date(t0 + 4 * 24 * HOUR) })).toMatchObject({ status: "failed", endpointDisabled: false });
    const last = await emitEvent(org.id, "down.x", {});
    const r = await deliverOutbound(last.deliveryIds[0]!, { now: new Date(t0 + 5 * 24 * HOUR + 60_000) });
    expect(r).toMatchObject({ status: "cancelled", endpointDisabled: true });
    expect(await getConnectionForHealth(id)).toMatchObject({ enabled: false, healthStatus: "disconnected", lastError: expect.stringMatching(/failed for 5 days/) });
    expect(await getDelivery(first.deliveryIds[0]!)).toMatchObject({ status: "cancelled" });
  });

  it("signs with both secrets for 24 h after a rotation, then with the new one only", async () => {
    const { id, secret: oldSecret } = await endpoint("/rotate", "rotate.*", () => ({ status: 204 }));
    const now = new Date();
    const { previousValidUntil } = await rotateSigningSecret({ org, actor, connectionId: id, ip: null, now });
    expect(previousValidUntil.getTime() - now.getTime()).toBe(24 * HOUR);
    expect(await previousSecretValidUntil(id)).toEqual(previousValidUntil);
    const newSecret = await revealSecret({ org, actor, id, field: "signingSecret", ip: null });
    expect(newSecret).not.toBe(oldSecret);
    expect(newSecret).toMatch(/^whsec_/);

    const during = await emitEvent(org.id, "rotate.x", { n: 1 });
    await deliverOutbound(during.deliveryIds[0]!);
    const req = hits("/rotate")[0]!;
    expect(String(req.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    // A receiver with either secret accepts it.
    expect(new Webhook(oldSecret).verify(req.body, req.headers as Record<string, string>)).toMatchObject({ data: { n: 1 } });
    expect(new Webhook(newSecret).verify(req.body, req.headers as Record<string, string>)).toMatchObject({ data: { n: 1 } });

    const after = await emitEvent(org.id, "rotate.x", { n: 2 });
    const at = new Date(now.getTime() + 25 * HOUR);
    await deliverOutbound(after.deliveryIds[0]!, { now: at });
    const late = hits("/rotate")[1]!;
    const sigs = String(late.headers["webhook-signature"]).split(" ");
    expect(sigs).toEqual([new Webhook(newSecret).sign(after.messageId, at, late.body)]);
    expect(sigs).not.toContain(new Webhook(oldSecret).sign(after.messageId, at, late.body));
    expect((await listSecretRows(id)).map((s) => s.field)).not.toContain(PREVIOUS_SECRET_FIELD);
    const [audit] = await handle.db.select().from(auditLog).where(and(eq(auditLog.action, "connection.secret_rotated"), eq(auditLog.targetId, id)));
    expect(audit!.metadata).toMatchObject({ field: "signingSecret", previousValidUntil: previousValidUntil.toISOString() });
    expect(JSON.stringify(audit!.metadata)).not.toContain(newSecret);
  });

  it("blocks a private endpoint without an allowlist entry, and sends a test event to one endpoint", async () => {
    // Globex has no allowlist entry for 127.0.0.1.
    await endpoint("/private", "", () => ({ status: 204 }), { inOrg: other });
    const r = await emitEvent(other.id, "private.x", {});
    expect(r.deliveries).toBe(2); // this one and the catch-all from the filter test
    for (const d of r.deliveryIds) {
      expect(await deliverOutbound(d)).toMatchObject({ status: "failed", httpStatus: null, error: "Blocked: 127.0.0.1 is a private address. An owner can allow it in Settings → Network." });
    }
    expect(hits("/private")).toHaveLength(0);
    expect(hits("/filter-other-org")).toHaveLength(0);

    const { id } = await endpoint("/test-event", "nothing.matches", () => ({ status: 200 }));
    const sent = await sendTestEvent({ org, actor, connectionId: id, ip: null });
    expect(await deliverOutbound(sent.deliveryId)).toMatchObject({ status: "succeeded" });
    expect(JSON.parse(hits("/test-event")[0]!.body)).toMatchObject({ type: "patchbay.test" });
    await expect(sendTestEvent({ org: other, actor, connectionId: id, ip: null })).rejects.toMatchObject({ code: "not_found" });
  });
});
