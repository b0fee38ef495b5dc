// Scale-out: 2 web processes + 2 workers on one real PostgreSQL database, as real child processes.
//
// The workers are `npm run worker` itself (lib/jobs/main.ts under tsx). The web processes are NOT
// `next start` servers: two production builds per run would cost ~3 minutes before the first
// assertion. test/scale-out/web.ts plays the web role instead with the real start-up (lib/boot.ts
// with PATCHBAY_DISABLE_WORKERS=true: pg-boss started for sending and cron, no workers) and the
// real library calls a request would make (enqueue, getSettings with its LISTEN invalidation). What
// this does not cover is Next's own request handling in front of those calls.
//
// Runs only where TEST_DATABASE_URL names a PostgreSQL server: PGlite is one process by design.
// Takes about 3 minutes: two cron ticks are two minutes, and a killed worker's job comes back only
// once a pg-boss supervise pass finds it expired (health-check expires after 45 s; the app runs the
// supervise pass every 15 s, see lib/jobs/boss.ts; a pass can come up to ~2 intervals late when
// the instance that last ran it is the one killed).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb, type DbHandle } from "@/db/client";
import { liveWorkers } from "@/db/queries/health";
import { connectionHealth } from "@/db/schema";
import { testDbKinds, useTestDb } from "@/db/testing";
import { createConnection, updateConnection, type Actor, type OrgRef } from "@/lib/connections/service";
import { queueDefs } from "@/lib/jobs/queues";
import { HEARTBEAT_MS } from "@/lib/jobs/worker";
import { formatMasterKey } from "@/lib/lockbox/crypto";
import { masterKeys } from "@/lib/lockbox/keyring";
import { completeSetup } from "@/lib/organizations/setup";
import { stopSettingsListener } from "@/lib/settings/invalidation";
import { startPeer, type Peer } from "./peer";
// The webhook crash test is another multi-process suite on PostgreSQL; it is registered from this
// file so that, without TEST_DATABASE_URL, the one always-running test below keeps the file valid.
import "../crash/webhook-kill.suite";
import { jobDone, startWeb, startWorker, webReady, workerReady, type Child } from "./processes";

const START_MS = 90_000;
/** How long the provider hangs on the first /hold request (the worker is killed well before). */
const HOLD_MS = 20_000;
/** The killed job's expiry (see the top of the file). */
const HELD_EXPIRE_S = queueDefs["health-check"].expireInSeconds!;
/** Its expiry + up to two supervise intervals (2 × 60 s) + its first retry delay (≤ 10 s), with margin. */
// Expiry, then a supervise pass (every 15 s, but late by a few intervals when the instance that
// held the pass's claim is the one killed, and slower on a loaded machine: 113 s was once not enough).
const RERUN_WITHIN_MS = (HELD_EXPIRE_S + 150) * 1000;
const CRON_QUEUES = ["health-tick", "token-refresh-tick", "maintenance"] as const;
/** A cron pass claims every 30 s and forwards through a 5 s worker poll: a tick's job exists by then. */
const CRON_SETTLE_MS = 45_000;
const SETTINGS_WITHIN_MS = 1_000;

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const minute = 60_000;

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await getDb().execute(query)) as unknown as { rows: T[] }).rows;
}

async function until<T>(get: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await sleep(250);
  }
}

type CheckRow = { job_id: string; ok: boolean; trigger: string; message: string };
const checksFor = (connectionId: string) => rows<CheckRow>(sql`select job_id, ok, trigger, message from health_checks where integration_id = ${connectionId} and kind = 'check' order by id`);
const checksForJob = (jobId: string) => rows<CheckRow>(sql`select job_id, ok, trigger, message from health_checks where job_id = ${jobId}`);

describe.each(testDbKinds().filter((k) => k === "postgres"))("scale-out: 2 web processes + 2 workers on one %s", (kind) => {
  let handle: DbHandle;
  let peer: Peer;
  let org: OrgRef;
  let actor: Actor;
  const conn = { mail: "", burst: "", survivor: "", held: "", due: "" };
  let childEnv: NodeJS.ProcessEnv;
  const children: Child[] = [];
  let webA: Child, webB: Child, worker1: Child, worker2: Child;
  let allUpAt = 0;
  const timings: Record<string, number> = {};
  const mailValues = { host: "smtp.acme.test", fromAddress: "no-reply@acme.test", username: "acme-mailer" };

  beforeAll(async () => {
    const t0 = now();
    handle = await useTestDb(kind);
    if (handle.kind !== "postgres") throw new Error("expected a PostgreSQL handle");
    peer = await startPeer(HOLD_MS);
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    org = { id: setup.org.id, name: setup.org.name };
    actor = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: setup.user.isPlatformAdmin };
    const api = async (name: string, testPath: string) =>
      (await createConnection({ org, actor, providerKey: "custom-api-key", platformWide: false, name, values: { baseUrl: peer.url, testPath, apiKey: `key-${name}` }, testBeforeSave: false, ip: null })).id;
    conn.mail = (await createConnection({ org, actor, providerKey: "smtp", platformWide: false, name: "Acme mail", values: { ...mailValues, password: "initial" }, testBeforeSave: false, ip: null })).id;
    conn.burst = await api("burst", "/ok");
    conn.survivor = await api("survivor", "/ok");
    conn.held = await api("held", "/hold");
    conn.due = await api("due", "/ok");
    // Only `due` is due for a scheduled check: the others' checks are the ones this test sends.
    const tomorrow = new Date(Date.now() + 86_400_000);
    for (const id of [conn.mail, conn.burst, conn.survivor, conn.held]) {
      await getDb().insert(connectionHealth).values({ integrationId: id, orgId: org.id, nextCheckAt: tomorrow });
    }
    await getDb().insert(connectionHealth).values({ integrationId: conn.due, orgId: org.id, nextCheckAt: new Date() });

    childEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: handle.url,
      PATCHBAY_MASTER_KEYS: masterKeys().map(formatMasterKey).join(","),
      AUTH_SECRET: "a".repeat(40),
      PATCHBAY_ALLOW_PRIVATE_EGRESS: "true",
      LOG_LEVEL: "debug",
      NODE_ENV: "production",
    };
    webA = startWeb("web A", childEnv);
    webB = startWeb("web B", childEnv);
    worker1 = startWorker("worker 1", childEnv);
    worker2 = startWorker("worker 2", childEnv);
    children.push(webA, webB, worker1, worker2);
    await Promise.all([webA.waitFor(webReady, START_MS, "ready"), webB.waitFor(webReady, START_MS, "ready"), worker1.waitFor(workerReady, START_MS, "workers started"), worker2.waitFor(workerReady, START_MS, "workers started")]);
    allUpAt = Date.now();
    timings.startAllMs = Math.round(now() - t0);
  }, START_MS + 30_000);

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
    // Warnings and errors the processes logged, for whoever reads a failure (pino: 40 warn, 50 error).
    for (const c of children) {
      const bad = c.lines.filter((l) => typeof l.level === "number" && l.level >= 40);
      if (bad.length) console.log(`[scale-out] ${c.name} logged ${bad.length} warning/error line(s): ${JSON.stringify(bad.slice(0, 5))}`);
    }
    await peer?.close();
    await stopSettingsListener();
    await handle?.close();
    console.log(`[scale-out] timings (ms): ${JSON.stringify(timings)}`);
  }, 30_000);

  it("singleton keys hold across processes: 2 × 10 concurrent sends for one connection make one job", async () => {
    // Workers frozen for the burst: with a worker free, the one queued job may be fetched mid-burst,
    // and `stately` then rightly accepts one more (1 queued + 1 active). Frozen, the answer is exactly 1.
    worker1.signal("SIGSTOP");
    worker2.signal("SIGSTOP");
    let ids: (string | null)[];
    try {
      await sleep(300);
      const at = now() + 200;
      const send = (web: Child) => web.call<(string | null)[]>({ op: "enqueue", queue: "health-check", data: { connectionId: conn.burst, orgId: org.id, trigger: "manual" }, singletonKey: conn.burst, count: 10, at });
      const [a, b] = await Promise.all([send(webA), send(webB)]);
      ids = [...a, ...b];
      const jobs = await rows<{ id: string; state: string }>(sql`select id, state from pgboss.job where name = 'health-check' and singleton_key = ${conn.burst}`);
      expect(ids).toHaveLength(20);
      expect(ids.filter((id) => id !== null)).toHaveLength(1);
      expect(jobs).toEqual([{ id: ids.find((id) => id !== null), state: "created" }]);
    } finally {
      worker1.signal("SIGCONT");
      worker2.signal("SIGCONT");
    }
    // Resumed, the one job runs once and records one check.
    const jobId = ids.find((id) => id !== null)!;
    const checks = await until(async () => ((await checksForJob(jobId)).length ? checksForJob(jobId) : undefined), 30_000, "check recorded for the burst job");
    expect(checks).toEqual([expect.objectContaining({ job_id: jobId, ok: true, trigger: "manual" })]);
    expect(await checksFor(conn.burst)).toHaveLength(1);
  }, 60_000);

  it(`a settings change reaches both web processes within ${SETTINGS_WITHIN_MS} ms`, async () => {
    const read = (web: Child) => web.call<string>({ op: "settings", providerKey: "smtp", orgId: org.id, field: "password" });
    // Each web process reads, and so caches, the current value.
    for (const web of [webA, webB]) {
      expect(await read(web)).toBe("initial");
      expect(await read(web)).toBe("initial");
    }
    const from = { a: webA.lines.length, b: webB.lines.length };
    await updateConnection({ org, actor, id: conn.mail, name: "Acme mail", values: { ...mailValues, password: "rotated" }, testBeforeSave: false, ip: null });
    const committed = now();
    const seenAfter = async (web: Child) => {
      for (;;) {
        if ((await read(web)) === "rotated") return now() - committed;
        if (now() - committed > SETTINGS_WITHIN_MS * 5) throw new Error(`${web.name} still reads the old password after ${SETTINGS_WITHIN_MS * 5} ms`);
        await sleep(5);
      }
    };
    const [a, b] = await Promise.all([seenAfter(webA), seenAfter(webB)]);
    timings.settingsSeenByA = Math.round(a);
    timings.settingsSeenByB = Math.round(b);
    expect(a).toBeLessThan(SETTINGS_WITHIN_MS);
    expect(b).toBeLessThan(SETTINGS_WITHIN_MS);
    // Both were told by the NOTIFY (not by a cache expiry): each logged the change for this connection.
    const told = (l: { event?: string; change?: unknown }) => l.event === "settings-change" && (l.change as { connectionId?: string }).connectionId === conn.mail;
    await webA.waitFor(told, 1_000, "settings-change event", from.a);
    await webB.waitFor(told, 1_000, "settings-change event", from.b);
  }, 30_000);

  it("a worker SIGKILLed mid-job: the job reruns on another worker and its check is recorded once", async () => {
    const w1Id = (await worker1.waitFor(workerReady, 0, "id")).worker as string;
    const w2Id = (await worker2.waitFor(workerReady, 0, "id")).worker as string;
    // Worker 2 frozen until worker 1 has taken the job, so that the victim is known.
    worker2.signal("SIGSTOP");
    let jobId: string;
    let picked: number;
    try {
      await sleep(300);
      [jobId] = (await webA.call<(string | null)[]>({ op: "enqueue", queue: "health-check", data: { connectionId: conn.held, orgId: org.id, trigger: "manual" }, singletonKey: conn.held })) as [string];
      expect(jobId).toEqual(expect.any(String));
      const first = await peer.waitForHold(1, 15_000);
      picked = first.at;
      await worker1.kill();
      // The provider call in flight died with the process that made it.
      await peer.waitForClose(first, 5_000);
      expect(first.answered).toBe(false);
    } finally {
      worker2.signal("SIGCONT");
    }
    const killedAt = Date.now();
    const [state] = await rows<{ state: string }>(sql`select state from pgboss.job where id = ${jobId}`);
    expect(state?.state).toBe("active");
    expect(await checksForJob(jobId)).toEqual([]);

    // The surviving worker, alone now, keeps processing.
    const [survivorJob] = (await webB.call<(string | null)[]>({ op: "enqueue", queue: "health-check", data: { connectionId: conn.survivor, orgId: org.id, trigger: "manual" }, singletonKey: conn.survivor })) as [string];
    await worker2.waitFor(jobDone(survivorJob), 20_000, `job done ${survivorJob}`);
    expect(await checksForJob(survivorJob)).toEqual([expect.objectContaining({ ok: true })]);

    // As a process supervisor would, start a replacement: 4 processes run pg-boss again for the cron check.
    const worker3 = startWorker("worker 3", childEnv);
    children.push(worker3);
    await worker3.waitFor(workerReady, START_MS, "workers started");

    // pg-boss gives the dead worker's job back after its expiry; one of the live workers reruns it.
    const checks = await until(async () => ((await checksForJob(jobId)).length ? checksForJob(jobId) : undefined), RERUN_WITHIN_MS - (now() - picked), "rerun of the killed job");
    timings.killToRerunRecordedMs = Math.round(now() - picked);
    expect(checks).toEqual([expect.objectContaining({ job_id: jobId, ok: true, trigger: "manual" })]);
    const second = await peer.waitForHold(2, 1_000);
    timings.pickToRerunRequestMs = Math.round(second.at - picked);
    const ranBy = [worker2, worker3].filter((w) => w.lines.some(jobDone(jobId)));
    expect(ranBy.map((w) => w.name)).toHaveLength(1);
    timings.rerunBy = ranBy[0] === worker2 ? 2 : 3;
    const [job] = await rows<{ state: string; retry_count: number }>(sql`select state, retry_count from pgboss.job where id = ${jobId}`);
    expect(job).toEqual({ state: "completed", retry_count: 1 });
    // The side effect happened once: one check row for the job, one for the connection, two provider calls.
    await sleep(2_000);
    expect(await checksFor(conn.held)).toHaveLength(1);
    expect(peer.holds).toHaveLength(2);

    // The killed worker's heartbeat stopped at its death; the others' are current.
    const live = (await liveWorkers((2 * HEARTBEAT_MS) / 1000 + 1)).map((w) => w.id);
    expect(live).toContain(w2Id);
    expect(live).not.toContain(w1Id);
    const [dead] = await rows<{ seen_at: Date }>(sql`select seen_at from worker_heartbeats where id = ${w1Id}`);
    expect(dead).toBeDefined();
    expect(new Date(dead!.seen_at).getTime()).toBeLessThanOrEqual(killedAt + 1_000);
  }, RERUN_WITHIN_MS + START_MS);

  it("each cron queue gets exactly one job per minute tick, whatever the number of processes", async () => {
    // Count the minutes that began after all four processes were up and whose cron pass is settled.
    const firstTick = Math.ceil(allUpAt / minute) * minute;
    const wait = firstTick + minute + CRON_SETTLE_MS - Date.now();
    if (wait > 0) await sleep(wait);
    const lastTick = Math.floor((Date.now() - CRON_SETTLE_MS) / minute) * minute;
    const ticks: number[] = [];
    for (let t = firstTick; t <= lastTick; t += minute) ticks.push(t);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    timings.cronTicksCounted = ticks.length;

    const counted = await rows<{ name: string; minute: Date; n: number }>(sql`
      select name, date_trunc('minute', created_on) as minute, count(*)::int as n
        from pgboss.job
       where name in ('health-tick', 'token-refresh-tick', 'maintenance')
         and created_on >= ${new Date(firstTick)} and created_on < ${new Date(lastTick + minute)}
       group by 1, 2`);
    const per = new Map(counted.map((r) => [`${r.name}@${new Date(r.minute).getTime()}`, r.n]));
    const table = CRON_QUEUES.flatMap((q) => ticks.map((t) => ({ queue: q, minute: new Date(t).toISOString(), jobs: per.get(`${q}@${t}`) ?? 0 })));
    expect(table).toEqual(table.map((r) => ({ ...r, jobs: 1 })));
    expect(counted.length).toBe(table.length);

    // The due connection was checked once by the ticks (its next check moved ~5 minutes out).
    const due = await checksFor(conn.due);
    expect(due.map((c) => c.trigger)).toEqual(["scheduled"]);
  }, 3 * minute);
});

// Runs with or without PostgreSQL: scaling out needs it, and a separate worker says so.
describe("scale-out needs PostgreSQL", () => {
  it("`npm run worker` without DATABASE_URL refuses to start and names the fix", async () => {
    const worker = startWorker("worker without DATABASE_URL", { PATH: process.env.PATH, HOME: process.env.HOME, PATCHBAY_DATA_DIR: "/nonexistent/patchbay-scale-out", NODE_ENV: "production" });
    try {
      expect(await worker.exit()).toBe("exited (code 1, signal null)");
      expect(worker.stderrText).toContain("patchbay worker: needs DATABASE_URL");
    } finally {
      await worker.kill();
    }
  }, 60_000);
});
