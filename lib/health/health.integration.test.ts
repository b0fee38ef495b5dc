import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, asc, eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { testDbKinds, useTestDb } from "@/db/testing";
import { alertChannels, auditLog, connectionHealth, healthChecks, healthStatusChanges, integrations } from "@/db/schema";
import { createConnection } from "@/lib/connections/service";
import { egressFetch } from "@/lib/http";
import { getBoss, stopBoss } from "@/lib/jobs/boss";
import { addAllowlistEntry } from "@/lib/network/allowlist";
import { completeSetup } from "@/lib/organizations/setup";
import { startFake } from "@/lib/providers/_shared/testing";
import { runHealthCheck } from "./check";
import { flushPassiveSignals, recordInboundWebhook, startPassiveHealth, stopPassiveHealth } from "./passive";
import { scheduleDueChecks } from "./schedule";
import { MIN_CALLS } from "./status";

describe.each(testDbKinds())("health checks on %s", (kind) => {
  let handle: DbHandle;
  let reply = { status: 200 };
  let peer: Awaited<ReturnType<typeof startFake>>;
  let org: { id: string; name: string };
  let actor: { id: string; email: string; isPlatformAdmin: boolean };
  let connectionId: string;

  const statusOf = async (id = connectionId) => (await handle.db.select({ h: integrations.healthStatus }).from(integrations).where(eq(integrations.id, id)))[0]!.h;
  const transitions = async (id = connectionId) =>
    (await handle.db.select().from(healthStatusChanges).where(eq(healthStatusChanges.integrationId, id)).orderBy(asc(healthStatusChanges.id))).map((r) => `${r.fromStatus}->${r.toStatus}`);

  beforeAll(async () => {
    handle = await useTestDb(kind);
    await getBoss();
    peer = await startFake(() => ({ status: reply.status, body: { ok: reply.status === 200 } }));
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    org = setup.org;
    actor = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: true };
    await addAllowlistEntry({ orgId: org.id, platform: false, actor, entry: "127.0.0.1", note: "test peer", ip: null });
    const c = await createConnection({ org, actor, providerKey: "custom-api-key", platformWide: false, name: "Peer", values: { baseUrl: peer.url, testPath: "/status", apiKey: "k-123" }, testBeforeSave: false, ip: null });
    connectionId = c.id;
  }, 60_000);
  afterAll(async () => {
    stopPassiveHealth();
    await stopBoss(1_000);
    await peer.close();
    await handle.close();
  });

  it("one failure degrades, two fail, a passing check recovers at once; each transition recorded and audited once", async () => {
    reply = { status: 200 };
    const first = await runHealthCheck({ connectionId, trigger: "manual" });
    expect(first?.status).toBe("healthy");
    reply = { status: 503 };
    expect((await runHealthCheck({ connectionId, trigger: "scheduled" }))?.status).toBe("degraded");
    expect((await runHealthCheck({ connectionId, trigger: "scheduled" }))?.status).toBe("failing");
    expect((await runHealthCheck({ connectionId, trigger: "scheduled" }))?.changed).toBe(false);
    reply = { status: 200 };
    expect((await runHealthCheck({ connectionId, trigger: "scheduled" }))?.status).toBe("healthy");
    expect(await transitions()).toEqual(["unknown->healthy", "healthy->degraded", "degraded->failing", "failing->healthy"]);
    const audits = await handle.db.select().from(auditLog).where(and(eq(auditLog.action, "connection.health_changed"), eq(auditLog.targetId, connectionId)));
    expect(audits).toHaveLength(4);
    const [h] = await handle.db.select().from(connectionHealth).where(eq(connectionHealth.integrationId, connectionId));
    expect(h).toMatchObject({ lastOk: true, consecutiveFailures: 0, checks24h: 5 });
    expect(h!.errorRate24h).toBeCloseTo(3 / 5);
    expect(h!.latencyP95Ms).not.toBeNull();
    // The lifecycle status follows the provider's answer too.
    expect((await handle.db.select({ s: integrations.status }).from(integrations).where(eq(integrations.id, connectionId)))[0]!.s).toBe("active");
  });

  it("credentials rejected (401 blamed on the API key) is disconnected", async () => {
    reply = { status: 401 };
    expect((await runHealthCheck({ connectionId, trigger: "manual" }))?.status).toBe("disconnected");
    reply = { status: 200 };
    expect((await runHealthCheck({ connectionId, trigger: "manual" }))?.status).toBe("healthy");
  });

  it("a job that runs twice (worker died after the check) records its check once", async () => {
    const before = (await handle.db.select().from(healthChecks).where(eq(healthChecks.integrationId, connectionId))).length;
    const first = await runHealthCheck({ connectionId, trigger: "scheduled", jobId: "job-1" });
    const again = await runHealthCheck({ connectionId, trigger: "scheduled", jobId: "job-1" });
    expect(first?.recorded).toBe(true);
    expect(again?.recorded).toBe(false);
    expect((await handle.db.select().from(healthChecks).where(eq(healthChecks.integrationId, connectionId))).length).toBe(before + 1);
  });

  it("a status change enqueues one alert job when the organization has an alert channel, none per repeated failure", async () => {
    const boss = await getBoss();
    await handle.db.insert(alertChannels).values({ orgId: org.id, integrationId: connectionId, target: "ops@acme.test" });
    reply = { status: 503 };
    await runHealthCheck({ connectionId, trigger: "manual" });
    await runHealthCheck({ connectionId, trigger: "manual" });
    await runHealthCheck({ connectionId, trigger: "manual" });
    const changes = await handle.db.select().from(healthStatusChanges).where(eq(healthStatusChanges.integrationId, connectionId)).orderBy(asc(healthStatusChanges.id));
    const last2 = changes.slice(-2).map((c) => c.id);
    const jobs = await boss.findJobs<{ changeId: number }>("alert-deliver", { data: { orgId: org.id } });
    expect(jobs.map((j) => j.data.changeId).sort()).toEqual(last2.sort());
    reply = { status: 200 };
    await runHealthCheck({ connectionId, trigger: "manual" });
    await handle.db.delete(alertChannels).where(eq(alertChannels.orgId, org.id));
  });

  it("the tick queues one check per due connection and pushes its next check out", async () => {
    const boss = await getBoss();
    await handle.db.update(connectionHealth).set({ nextCheckAt: new Date(Date.now() - 1000) }).where(eq(connectionHealth.integrationId, connectionId));
    expect(await scheduleDueChecks()).toBe(1);
    expect(await scheduleDueChecks()).toBe(0);
    const [h] = await handle.db.select().from(connectionHealth).where(eq(connectionHealth.integrationId, connectionId));
    expect(h!.nextCheckAt.getTime()).toBeGreaterThan(Date.now() + 0.85 * 300_000);
    expect(await boss.findJobs("health-check", { key: connectionId, queued: true })).toHaveLength(1);
  });

  it("failed calls in use degrade a connection between checks (passive signals)", async () => {
    startPassiveHealth();
    reply = { status: 200 };
    await runHealthCheck({ connectionId, trigger: "manual" });
    expect(await statusOf()).toBe("healthy");
    reply = { status: 502 };
    for (let i = 0; i < MIN_CALLS; i++) {
      await egressFetch(`${peer.url}/data`, { allowPrivate: ["127.0.0.1"], retries: 0, log: { connectionId, orgId: org.id, providerKey: "custom-api-key" } }).catch(() => {});
    }
    await flushPassiveSignals();
    expect(await statusOf()).toBe("degraded");
    const calls = await handle.db.select().from(healthChecks).where(and(eq(healthChecks.integrationId, connectionId), eq(healthChecks.kind, "call")));
    expect(calls.length).toBeGreaterThanOrEqual(MIN_CALLS);
    expect(calls.every((c) => c.orgId === org.id)).toBe(true);
    // The check's own calls are the check, not passive traffic.
    const callsBefore = calls.length;
    reply = { status: 200 };
    await runHealthCheck({ connectionId, trigger: "manual" });
    await flushPassiveSignals();
    expect((await handle.db.select().from(healthChecks).where(and(eq(healthChecks.integrationId, connectionId), eq(healthChecks.kind, "call")))).length).toBe(callsBefore);
    expect(await statusOf()).toBe("healthy");
  });

  it("verified inbound webhooks: counted in memory, one 'inbound' signal per connection per flush; a never-checked connection turns healthy", async () => {
    startPassiveHealth();
    const c = await createConnection({ org, actor, providerKey: "custom-api-key", platformWide: false, name: "Inbound only", values: { baseUrl: peer.url, apiKey: "k-in" }, testBeforeSave: false, ip: null });
    expect(await statusOf(c.id)).toBe("unknown");
    for (let i = 0; i < 3; i++) recordInboundWebhook(c.id);
    expect(await handle.db.select().from(healthChecks).where(eq(healthChecks.integrationId, c.id))).toHaveLength(0);
    await flushPassiveSignals();
    const rows = await handle.db.select().from(healthChecks).where(eq(healthChecks.integrationId, c.id));
    expect(rows).toMatchObject([{ kind: "inbound", trigger: "passive", ok: true, message: "3 verified inbound webhook deliveries", orgId: org.id }]);
    expect(await statusOf(c.id)).toBe("healthy");
    // Nothing new: nothing written.
    await flushPassiveSignals();
    expect(await handle.db.select().from(healthChecks).where(eq(healthChecks.integrationId, c.id))).toHaveLength(1);
  });
});
