import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import type { PgBoss } from "pg-boss";
import type { DbHandle } from "@/db/client";
import { auditLog } from "@/db/schema";
import { testDbKinds, useTestDb } from "@/db/testing";
import { createOrganizationFor } from "@/lib/organizations/members";
import { completeSetup } from "@/lib/organizations/setup";
import { listProblemJobs, queueOverview, redriveJob, redriveQueue, retryJob, type JobScope } from "./admin";
import { getBoss, stopBoss } from "./boss";
import { DEAD_LETTER_QUEUE } from "./queues";

/** Run one job of the queue to a terminal failure the way a worker would (fetch, then fail). */
async function failNext(boss: PgBoss, queue: string, message: string): Promise<string> {
  const [job] = await boss.fetch(queue);
  if (!job) throw new Error(`nothing to fetch on ${queue}`);
  await boss.fail(queue, job.id, { message });
  return job.id;
}

describe.each(testDbKinds())("job administration on %s", (kind) => {
  let handle: DbHandle;
  let boss: PgBoss;
  let acme: { id: string; name: string };
  let globex: { id: string; name: string };
  let actor: { id: string; email: string; isPlatformAdmin: boolean };
  const acmeScope = (): JobScope => ({ kind: "org", orgId: acme.id });
  const globexScope = (): JobScope => ({ kind: "org", orgId: globex.id });
  const act = (scope: JobScope, auditOrgId: string) => ({ scope, actor, auditOrgId, ip: "203.0.113.9" });

  beforeAll(async () => {
    handle = await useTestDb(kind);
    boss = await getBoss();
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    acme = setup.org;
    actor = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: true };
    globex = await createOrganizationFor(setup.user, "Globex", null);
  }, 60_000);
  afterAll(async () => {
    await stopBoss(1_000);
    await handle.close();
  });

  let acmeDead: string;
  let globexDead: string;
  let acmeFailed: string;

  it("counts each organization's jobs only, and the whole queue for the platform", async () => {
    // Dead-lettered: alert-deliver has a dead-letter queue; retryLimit 0 makes the first failure terminal.
    await boss.send("alert-deliver", { changeId: 1, orgId: acme.id, connectionId: "conn-acme" }, { retryLimit: 0 });
    await failNext(boss, "alert-deliver", "SMTP said no");
    await boss.send("alert-deliver", { changeId: 2, orgId: globex.id }, { retryLimit: 0 });
    await failNext(boss, "alert-deliver", "Globex relay down");
    // Failed on a queue without a dead-letter queue: retried in place.
    await boss.send("health-tick", { orgId: acme.id }, { retryLimit: 0 });
    acmeFailed = await failNext(boss, "health-tick", "tick broke");
    // A platform job (cron ticks carry no organization) and queued work.
    await boss.send("maintenance", {}, { retryLimit: 0 });
    await failNext(boss, "maintenance", "platform maintenance broke");
    await boss.send("health-check", { connectionId: "c1", orgId: acme.id, trigger: "manual" }, { singletonKey: "c1" });
    // stately: one queued job per singleton key (a connection).
    await boss.send("health-check", { connectionId: "c2", orgId: acme.id, trigger: "manual" }, { singletonKey: "c2", startAfter: 3600 });
    await boss.send("health-check", { connectionId: "c3", orgId: globex.id, trigger: "manual" }, { singletonKey: "c3" });

    const acmeView = Object.fromEntries((await queueOverview(acmeScope())).map((q) => [q.name, q]));
    expect(acmeView["alert-deliver"]).toMatchObject({ failed: 1, deadLettered: 1, ready: 0, active: 0 });
    expect(acmeView["health-check"]).toMatchObject({ ready: 1, deferred: 1, failed: 0, deadLettered: 0 });
    expect(acmeView["health-tick"]).toMatchObject({ failed: 1 });
    expect(acmeView.maintenance).toMatchObject({ failed: 0 });
    expect(acmeView["alert-deliver"]!.description).toMatch(/health alert/);

    const all = Object.fromEntries((await queueOverview({ kind: "platform" })).map((q) => [q.name, q]));
    expect(all["alert-deliver"]).toMatchObject({ failed: 2, deadLettered: 2 });
    expect(all["health-check"]).toMatchObject({ ready: 2, deferred: 1 });
    expect(all.maintenance).toMatchObject({ failed: 1 });

    const acmeProblems = await listProblemJobs(acmeScope());
    expect(acmeProblems.map((p) => [p.kind, p.queue]).sort()).toEqual([
      ["dead-lettered", "alert-deliver"],
      ["failed", "health-tick"],
    ]);
    const dead = acmeProblems.find((p) => p.kind === "dead-lettered")!;
    expect(dead).toMatchObject({ error: "SMTP said no", attempts: 1, connectionId: "conn-acme", orgId: acme.id, orgName: "Acme" });
    acmeDead = dead.id;
    expect(acmeProblems.find((p) => p.kind === "failed")).toMatchObject({ id: acmeFailed, error: "tick broke" });

    const platformProblems = await listProblemJobs({ kind: "platform" });
    expect(platformProblems).toHaveLength(4);
    expect(platformProblems.find((p) => p.queue === "maintenance")).toMatchObject({ orgId: null, error: "platform maintenance broke" });
    globexDead = platformProblems.find((p) => p.orgId === globex.id)!.id;
  });

  it("never lets one organization retry or redrive another organization's job", async () => {
    await expect(redriveJob({ ...act(acmeScope(), acme.id), id: globexDead })).rejects.toMatchObject({ code: "not_found" });
    await expect(retryJob({ ...act(globexScope(), globex.id), queue: "health-tick", id: acmeFailed })).rejects.toMatchObject({ code: "not_found" });
    // Redrive-all of Acme's alert-deliver leaves Globex's dead-lettered job where it is.
    expect(await redriveQueue({ ...act(globexScope(), globex.id), queue: "health-tick" })).toBe(0);
    const [globexJob] = await boss.findJobs(DEAD_LETTER_QUEUE, { id: globexDead });
    expect(globexJob?.state).toBe("created");
    expect(await handle.db.select().from(auditLog).where(eq(auditLog.action, "job.redriven"))).toHaveLength(0);
  });

  it("retries a failed job in place and audits it", async () => {
    await retryJob({ ...act(acmeScope(), acme.id), queue: "health-tick", id: acmeFailed });
    const [job] = await boss.findJobs("health-tick", { id: acmeFailed });
    expect(job?.state).toBe("retry");
    await expect(retryJob({ ...act(acmeScope(), acme.id), queue: "health-tick", id: acmeFailed })).rejects.toThrow(/is retry, not failed/);
    const [row] = await handle.db.select().from(auditLog).where(and(eq(auditLog.action, "job.retried"), eq(auditLog.orgId, acme.id)));
    expect(row).toMatchObject({ targetType: "job", targetId: acmeFailed, actorEmail: "ada@example.com", ip: "203.0.113.9" });
    expect(row!.metadata).toMatchObject({ queue: "health-tick", jobOrgId: acme.id });
  });

  it("redrives a dead-lettered job back to its queue as a fresh job, once", async () => {
    await redriveJob({ ...act(acmeScope(), acme.id), id: acmeDead });
    const back = await boss.findJobs<{ orgId: string }>("alert-deliver", { data: { orgId: acme.id }, queued: true });
    expect(back).toHaveLength(1);
    expect(back[0]!.data).toMatchObject({ changeId: 1, connectionId: "conn-acme" });
    expect(await boss.findJobs(DEAD_LETTER_QUEUE, { id: acmeDead })).toHaveLength(0);
    await expect(redriveJob({ ...act(acmeScope(), acme.id), id: acmeDead })).rejects.toMatchObject({ code: "not_found" });
    expect(await handle.db.select().from(auditLog).where(and(eq(auditLog.action, "job.redriven"), eq(auditLog.targetId, acmeDead)))).toHaveLength(1);
  });

  it("redrive-all of a queue moves only the organization's jobs; the platform moves the rest", async () => {
    await boss.send("alert-deliver", { changeId: 3, orgId: acme.id }, { retryLimit: 0 });
    // Oldest first: the job redriven before comes first and, with the queue's own retry limit again, is only retried.
    await failNext(boss, "alert-deliver", "again");
    await failNext(boss, "alert-deliver", "again");
    const [redriven] = await boss.findJobs<{ changeId: number }>("alert-deliver", { data: { changeId: 1 }, queued: true });
    expect(redriven?.state).toBe("retry");
    expect((await queueOverview(acmeScope())).find((q) => q.name === "alert-deliver")!.deadLettered).toBe(1);
    expect(await redriveQueue({ ...act(acmeScope(), acme.id), queue: "alert-deliver" })).toBe(1);
    expect((await queueOverview(globexScope())).find((q) => q.name === "alert-deliver")!.deadLettered).toBe(1);
    const [audit] = await handle.db.select().from(auditLog).where(eq(auditLog.action, "jobs.redriven"));
    expect(audit!.metadata).toMatchObject({ queue: "alert-deliver", count: 1, scope: "org" });
    expect(await redriveQueue({ ...act({ kind: "platform" }, acme.id), queue: "alert-deliver" })).toBe(1);
    expect((await queueOverview({ kind: "platform" })).find((q) => q.name === "alert-deliver")!.deadLettered).toBe(0);
  });

  it("rejects ids and queues that are not real before touching the database", async () => {
    await expect(retryJob({ ...act(acmeScope(), acme.id), queue: "health-tick", id: "not-a-uuid" })).rejects.toMatchObject({ code: "bad_request" });
    await expect(retryJob({ ...act(acmeScope(), acme.id), queue: "nope", id: "00000000-0000-0000-0000-000000000000" })).rejects.toMatchObject({ code: "bad_request" });
    await expect(redriveQueue({ ...act(acmeScope(), acme.id), queue: DEAD_LETTER_QUEUE })).rejects.toMatchObject({ code: "bad_request" });
  });
});
