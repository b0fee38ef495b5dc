/**
 * webhooks: inbound GitHub-style deliveries against the production server (`node scripts/start.mjs`),
 * load generated with autocannon in this process:
 *   - the benchmark: POST /api/webhooks/{connectionId}, each request a distinct delivery (its own
 *     X-GitHub-Delivery id and body) signed with X-Hub-Signature-256 (@octokit/webhooks-methods),
 *     so every one is verified, stored (one webhook_events row, which is also its queue entry, and
 *     one pg_notify, in a single statement) and answered 202;
 *   - the baseline, same server, same run: a no-op POST route, i.e. the webhook route handler for a
 *     path that names no connection (it reads the body and answers 404 before any lookup). Also
 *     reported, not checked: POST /api/health, a GET-only route Next answers 405 without running a
 *     handler (Next alone). The app adds no test-only routes.
 * (1) max throughput with a fixed number of connections, baseline and webhook alternated twice;
 * (2) a fixed 300 req/s, evenly paced (bench/lib/paced.ts, open loop, latency from each request's
 *     due time) for p50/p99 latency; autocannon's overallRate sends one-second bursts instead.
 * After each webhook run the stored rows are counted and must equal the 202s (PostgreSQL: after
 * each run; PGlite: the server owns its data directory, so once at the end after it stopped).
 * Workers stay on (PATCHBAY_DISABLE_WORKERS unset): the server claims and processes the stored events
 * (lib/webhooks/queue.ts) while it is being measured, as in production.
 * Runs on PostgreSQL (scratch database, the server gets it as DATABASE_URL) and on PGlite (the
 * server's embedded database in a temporary PATCHBAY_DATA_DIR, seeded here before it starts).
 */
import { generateKeyPairSync, randomUUID } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { sign } from "@octokit/webhooks-methods";
import { sql } from "drizzle-orm";
import { openPglite } from "@/db/client";
import { createConnection } from "@/lib/connections/service";
import { stopBoss } from "@/lib/jobs/boss";
import { ingestWebhook } from "@/lib/webhooks/ingest";
import { countQueries } from "./lib/query-counter";
import { benchMasterKey, openBenchDb, postgresAvailable, type BenchDb } from "./lib/db";
import { startBenchServer, type BenchServer } from "./lib/server";
import { pacedLoad, type PacedResult } from "./lib/paced";
import { measureCpu, nextServerCount, processTree } from "./lib/proc";
import { fmt, ms, newResult, percentile, sleep, type BenchResult } from "./lib/report";

const PORT = Number(process.env.BENCH_WEBHOOKS_PORT ?? 3291);
const CONNECTIONS = Number(process.env.BENCH_WEBHOOKS_CONNECTIONS ?? 20);
const MAX_SECONDS = Number(process.env.BENCH_WEBHOOKS_MAX_SECONDS ?? 12);
const RATE = Number(process.env.BENCH_WEBHOOKS_RATE ?? 300);
const RATE_SECONDS = Number(process.env.BENCH_WEBHOOKS_RATE_SECONDS ?? 15);
const WARMUP_REQUESTS = 300;
const GOAL_RATIO_PG = 0.6;
const GOAL_RATIO_PGLITE = 0.3;
const GOAL_P99_MS = 50;
// Diagnosis only: BENCH_WEBHOOKS_DISABLE_WORKERS=true measures without the processing jobs running in the server.
// Diagnosis only: BENCH_WEBHOOKS_CPU_PROF=<dir> writes a CPU profile of the server per database.
const CPU_PROF_DIR = process.env.BENCH_WEBHOOKS_CPU_PROF;
const DISABLE_WORKERS = process.env.BENCH_WEBHOOKS_DISABLE_WORKERS === "true";
// Diagnosis only: BENCH_WEBHOOKS_KINDS=postgres (or pglite) measures one database.
const KINDS = (process.env.BENCH_WEBHOOKS_KINDS ?? "postgres,pglite").split(",");
const SECRET = "bench-webhook-secret-0123456789";

// autocannon ships no types; the part of its programmatic API used here.
type AutocannonRequest = { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer; setupRequest?: (req: AutocannonRequest) => AutocannonRequest };
type AutocannonOpts = { url: string; connections: number; duration?: number; amount?: number; overallRate?: number; requests: AutocannonRequest[]; timeout?: number };
type AutocannonResult = {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  "2xx": number;
  statusCodeStats: Record<string, { count: number }>;
  latency: { p50: number; p99: number; average: number; max: number; totalCount: number };
  requests: { total: number; sent: number };
};
const autocannon = createRequire(import.meta.url)("autocannon") as (opts: AutocannonOpts, cb: (err: Error | null, res: AutocannonResult) => void) => unknown;

function cannon(opts: AutocannonOpts): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    autocannon({ timeout: 30, ...opts }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

type Signed = { body: string; headers: Record<string, string> };

/** A GitHub `issues.opened` delivery (about 1.3 KB), unique per index. */
function delivery(i: number, installationId: number): { id: string; body: string } {
  const id = randomUUID();
  const payload = {
    action: "opened",
    issue: {
      id: 2_000_000 + i,
      number: i,
      title: `Bench issue ${i}`,
      state: "open",
      user: { login: "octocat", id: 1, type: "User" },
      labels: [{ id: 1, name: "bug", color: "d73a4a" }],
      body: `Delivery ${id}: the bench sends a distinct body for each request so that nothing is deduplicated.`,
      created_at: new Date().toISOString(),
      html_url: `https://github.com/acme/widgets/issues/${i}`,
    },
    repository: { id: 42, name: "widgets", full_name: "acme/widgets", private: false, owner: { login: "acme", id: 7, type: "Organization" }, html_url: "https://github.com/acme/widgets", default_branch: "main" },
    organization: { login: "acme", id: 7 },
    sender: { login: "octocat", id: 1, type: "User" },
    installation: { id: installationId },
  };
  return { id, body: JSON.stringify(payload) };
}

/** Signed requests, precomputed (signing is not part of what is measured); consumed in order. */
class DeliveryPool {
  private items: Signed[] = [];
  private next = 0;
  static async create(n: number): Promise<DeliveryPool> {
    const pool = new DeliveryPool();
    for (let i = 0; i < n; i++) {
      const d = delivery(i, 99);
      pool.items.push({
        body: d.body,
        headers: {
          "content-type": "application/json",
          "user-agent": "GitHub-Hookshot/bench",
          "x-github-event": "issues",
          "x-github-delivery": d.id,
          "x-github-hook-id": "1",
          "x-github-hook-installation-target-type": "integration",
          "x-hub-signature-256": await sign(SECRET, d.body),
        },
      });
    }
    return pool;
  }
  get used(): number {
    return this.next;
  }
  get size(): number {
    return this.items.length;
  }
  take(): Signed {
    const item = this.items[this.next++];
    if (!item) throw new Error(`the pool of ${this.items.length} signed deliveries ran out; raise BENCH_WEBHOOKS_POOL`);
    return item;
  }
}

function webhookRequests(connectionId: string, pool: DeliveryPool): AutocannonRequest[] {
  return [
    {
      method: "POST",
      path: `/api/webhooks/${connectionId}`,
      setupRequest: (req) => {
        const d = pool.take();
        return { ...req, method: "POST", path: `/api/webhooks/${connectionId}`, headers: d.headers, body: d.body };
      },
    },
  ];
}

const baselineRequests: AutocannonRequest[] = [{ method: "POST", path: "/api/health", headers: { "content-type": "application/json" }, body: "{}" }];
/**
 * The no-op POST route: the webhook route handler itself, for a path that names no connection. Next
 * builds the request for the handler, the handler reads the body and answers 404 at once: no
 * lookup, no verification, no statement (lib/webhooks/ingest.ts checks the id's shape first).
 */
const NOOP_POST_PATH = "/api/webhooks/not-a-connection";
const noopPostRequests: AutocannonRequest[] = [{ method: "POST", path: NOOP_POST_PATH, headers: { "content-type": "application/json" }, body: "{}" }];

const rps = (r: AutocannonResult) => r.requests.total / r.duration;
const pacedCodes = (r: PacedResult) => [...r.statusCodes].map(([c, n]) => `${c}×${n}`).join(" ") + (r.errors ? ` errors×${r.errors}` : "");
const codes = (r: AutocannonResult) =>
  Object.entries(r.statusCodeStats)
    .map(([c, s]) => `${c}×${s.count}`)
    .join(" ") + (r.errors ? ` errors×${r.errors}` : "") + (r.timeouts ? ` timeouts×${r.timeouts}` : "");

/** Wait until the server's webhook queue (patchbay_webhook_queue in /api/metrics) holds nothing received or processing; the seconds waited. */
async function waitForEmptyQueue(url: string, timeoutS = 300): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const text = await (await fetch(`${url}/api/metrics`)).text();
    const pending = [...text.matchAll(/^patchbay_webhook_queue\{status="(received|processing)"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[2]), 0);
    if (!/^patchbay_webhook_queue\{/m.test(text)) throw new Error("the server's /api/metrics has no patchbay_webhook_queue gauge");
    const s = (performance.now() - t0) / 1000;
    if (pending === 0) return s;
    if (s > timeoutS) throw new Error(`the webhook queue still holds ${pending} events after ${timeoutS} s`);
    await sleep(500);
  }
}

/** A throw-away RSA key in PEM, so the GitHub App connection validates (it is never used to call GitHub). */
function rsaPem(): string {
  return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
}

async function createGithubApp(db: BenchDb): Promise<string> {
  const { id } = await createConnection({
    org: db.org,
    actor: db.actor,
    providerKey: "github-app",
    platformWide: false,
    name: "Bench GitHub App",
    values: { appId: "123456", appSlug: "bench-app", baseUrl: "https://api.github.com", privateKey: rsaPem(), webhookSecret: SECRET },
    testBeforeSave: false,
    ip: null,
  });
  return id;
}

/**
 * Where the time goes without HTTP and Next: ingestWebhook() called directly in this process on the
 * same database (after the server stopped), one delivery at a time, with the statements it sends.
 */
async function diagnose(db: BenchDb, connectionId: string, pool: DeliveryPool, result: BenchResult, n = 300): Promise<void> {
  const counter = countQueries(db.handle);
  const times: number[] = [];
  try {
    for (let i = 0; i < n + 20; i++) {
      const d = pool.take();
      if (i === 20) counter.reset(); // the first ones fill caches and start pg-boss
      const t = performance.now();
      const res = await ingestWebhook({ connectionId, body: Buffer.from(d.body), headers: new Headers(d.headers), url: `http://localhost/api/webhooks/${connectionId}` });
      if (i >= 20) times.push(performance.now() - t);
      if (res.status !== 202) throw new Error(`in-process ingest answered ${res.status}: ${await res.text()}`);
    }
  } finally {
    counter.restore();
    await stopBoss();
  }
  const kinds = new Map<string, number>();
  for (const q of counter.sent) {
    const key = q.text.replace(/\s+/g, " ").trim().slice(0, 70);
    kinds.set(key, (kinds.get(key) ?? 0) + 1);
  }
  result.notes.push(
    `${db.kind === "postgres" ? "PostgreSQL" : "PGlite"} in-process ingestWebhook() (no HTTP, no Next; sequential, ${n} deliveries): p50 ${ms(percentile(times, 50))}, p99 ${ms(percentile(times, 99))}, ${(counter.count / n).toFixed(1)} statements per delivery: ${[...kinds].map(([k, c]) => `${(c / n).toFixed(1)}× ${k}`).join(" | ")}`,
  );
}

async function measure(kind: "postgres" | "pglite", result: BenchResult, pool: DeliveryPool): Promise<void> {
  const label = kind === "postgres" ? "PostgreSQL" : "PGlite";
  const masterKey = benchMasterKey().formatted;
  let db: BenchDb | undefined;
  let dataDir: string | undefined;
  let server: BenchServer | undefined;
  let connectionId: string;
  let accepted = 0;
  let inFlight = 0;
  const countRows = async (): Promise<number> => {
    const r = await db!.handle.db.execute<{ n: number }>(sql`select count(*)::int as n from webhook_events where integration_id = ${connectionId}`);
    return Number((r as unknown as { rows: { n: number }[] }).rows[0]!.n);
  };
  const rowChecks: string[] = [];
  try {
    if (kind === "postgres") {
      db = await openBenchDb("postgres");
      connectionId = await createGithubApp(db);
    } else {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "patchbay-bench-webhooks-"));
      const seedDb = await openBenchDb("pglite", { dataDir });
      try {
        connectionId = await createGithubApp(seedDb);
      } finally {
        await seedDb.close();
      }
    }
    const t0 = performance.now();
    server = await startBenchServer({ port: PORT, masterKey, cpuProfDir: CPU_PROF_DIR, env: { ...(kind === "postgres" ? { DATABASE_URL: db!.url! } : { PATCHBAY_DATA_DIR: dataDir }), PATCHBAY_DISABLE_WORKERS: DISABLE_WORKERS ? "true" : undefined } });
    result.notes.push(`${label}: server ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (includes a build when the sources changed)`);
    // `npm start` serves with PATCHBAY_WEB_CONCURRENCY processes (default 1; the bench passes it through).
    await sleep(3000);
    result.notes.push(`${label}: \`npm start\` runs ${nextServerCount(processTree(server.proc.pid!))} Next server process(es) on the port`);
    const url = server.baseUrl;
    const webhook = webhookRequests(connectionId, pool);

    // A run ends at its duration with up to CONNECTIONS requests in flight: the server may still store
    // them, but autocannon records no response. So rows must lie between the 202s and the 202s plus
    // those unanswered requests.
    const check = async (r: AutocannonResult, what: string) => {
      accepted += r.statusCodeStats["202"]?.count ?? 0;
      // One request per connection at most (no pipelining); `sent` also counts rate-skipped slots.
      inFlight += Math.min(CONNECTIONS, Math.max(0, r.requests.sent - r.requests.total));
      if (kind !== "postgres") return;
      await sleep(1000);
      const n = await countRows();
      rowChecks.push(`${what}: ${n} rows for ${accepted} 202s + ${inFlight} unanswered at the end of a run`);
      if (n < accepted || n > accepted + inFlight) throw new Error(`${label} ${what}: ${n} webhook_events rows but ${accepted} deliveries answered 202 (+ ${inFlight} unanswered)`);
    };

    // Warm-up: fills the server's caches (connection, settings, DEK, pg-boss) and JIT.
    await cannon({ url, connections: CONNECTIONS, amount: WARMUP_REQUESTS, requests: baselineRequests });
    await check(await cannon({ url, connections: CONNECTIONS, amount: WARMUP_REQUESTS, requests: webhook }), "warm-up");

    // (1) max throughput, alternated.
    const maxRows: (string | number)[][] = [];
    const base: number[] = [];
    const next405: number[] = [];
    const hook: number[] = [];
    for (let round = 1; round <= 2; round++) {
      const n = await cannon({ url, connections: CONNECTIONS, duration: MAX_SECONDS, requests: baselineRequests });
      next405.push(rps(n));
      maxRows.push([`Next alone: POST /api/health, a GET-only route (405) #${round}`, fmt(rps(n), 0), ms(n.latency.p50), ms(n.latency.p99), codes(n)]);
      const b = await cannon({ url, connections: CONNECTIONS, duration: MAX_SECONDS, requests: noopPostRequests });
      base.push(rps(b));
      maxRows.push([`baseline: no-op POST route handler (404) #${round}`, fmt(rps(b), 0), ms(b.latency.p50), ms(b.latency.p99), codes(b)]);
      if (b.errors || b.timeouts || (b.statusCodeStats["404"]?.count ?? 0) !== b.requests.total) throw new Error(`${label}: the no-op POST route did not answer 404 every time (${codes(b)})`);
      const w = await cannon({ url, connections: CONNECTIONS, duration: MAX_SECONDS, requests: webhook });
      hook.push(rps(w));
      maxRows.push([`webhook verify + store + 202 #${round}`, fmt(rps(w), 0), ms(w.latency.p50), ms(w.latency.p99), codes(w)]);
      await check(w, `max #${round}`);
      if (w.non2xx || w.errors || w.timeouts) throw new Error(`${label} max #${round}: not every delivery was accepted (${codes(w)})\n${server.log()}`);
    }
    const ratioValue = hook.reduce((a, b) => a + b, 0) / base.reduce((a, b) => a + b, 0);
    result.tables.push({ title: `${label}: max throughput, ${CONNECTIONS} connections, ${MAX_SECONDS} s each, alternated`, columns: ["run", "req/s", "p50", "p99", "status codes"], rows: maxRows });
    const goalRatio = kind === "postgres" ? GOAL_RATIO_PG : GOAL_RATIO_PGLITE;
    result.checks.push({ goal: `${label}: webhook req/s ≥ ${goalRatio} × no-op POST req/s`, measured: `${ratioValue.toFixed(2)} (${fmt(hook.reduce((a, b) => a + b) / 2, 0)} vs ${fmt(base.reduce((a, b) => a + b) / 2, 0)} req/s)`, pass: ratioValue >= goalRatio });
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    result.notes.push(`${label}: against Next alone (the 405 of a GET-only route, no handler run) the webhook ratio is ${(sum(hook) / sum(next405)).toFixed(2)} (${fmt(sum(next405) / 2, 0)} req/s); the no-op route handler itself does ${(sum(base) / sum(next405)).toFixed(2)} of that`);

    // The max-throughput runs leave a backlog for the workers; the fixed-rate run measures the
    // steady state, so it starts once the server has processed it (its metrics show the queue).
    const backlogS = await waitForEmptyQueue(url);
    result.notes.push(`${label}: the backlog the max-throughput runs left was processed ${backlogS.toFixed(1)} s after the last run (the workers share the server's processes and the machine's 2 CPUs with the load)`);

    // (2) fixed rate: an evenly paced open-loop load (bench/lib/paced.ts), latency counted from each
    // request's due time. (autocannon's overallRate sends each connection's per-second quota in one
    // burst at the start of every second, so it measures burst latency, not latency at a rate.)
    const rateRows: (string | number)[][] = [];
    // CPU per request of the server (its process tree), PostgreSQL (every server process, PGlite runs inside the server) and the generator.
    const cpuCell = (r: PacedResult, c: { serverMs: number; postgresMs: number }) => `${(c.serverMs / r.sent).toFixed(2)} / ${kind === "postgres" ? (c.postgresMs / r.sent).toFixed(2) : "–"} / ${r.generatorCpuMs.toFixed(2)} ms`;
    const pacedRow = (what: string, r: PacedResult, c: { serverMs: number; postgresMs: number }) => [what, fmt(r.rate, 0), ms(r.p50), ms(r.p99), ms(r.max), pacedCodes(r), ms(r.sendLagP99), cpuCell(r, c)];
    const serverPid = server.proc.pid!;
    const { result: b, ...bCpu } = await measureCpu(serverPid, () =>
      pacedLoad({ origin: url, rate: RATE, seconds: RATE_SECONDS, next: () => ({ method: "POST", path: NOOP_POST_PATH, headers: { "content-type": "application/json" }, body: "{}" }) }),
    );
    rateRows.push(pacedRow("baseline: no-op POST route handler (404)", b, bCpu));
    const { result: w, ...wCpu } = await measureCpu(serverPid, () =>
      pacedLoad({
        origin: url,
        rate: RATE,
        seconds: RATE_SECONDS,
        next: () => {
          const d = pool.take();
          return { method: "POST", path: `/api/webhooks/${connectionId}`, headers: d.headers, body: d.body };
        },
      }),
    );
    rateRows.push(pacedRow("webhook verify + store + 202", w, wCpu));
    accepted += w.statusCodes.get(202) ?? 0;
    if (kind === "postgres") {
      await sleep(1000);
      const n = await countRows();
      rowChecks.push(`${RATE} req/s: ${n} rows for ${accepted} 202s + ${inFlight} unanswered at the end of a run`);
      if (n < accepted || n > accepted + inFlight) throw new Error(`${label} ${RATE} req/s: ${n} webhook_events rows but ${accepted} deliveries answered 202 (+ ${inFlight} unanswered)`);
    }
    result.tables.push({
      title: `${label}: fixed ${RATE} req/s, evenly paced open loop (latency from each request's due time), ${RATE_SECONDS} s each`,
      columns: ["run", "req/s", "p50", "p99", "max", "status codes", "generator lag p99", "CPU per request: server / PostgreSQL / generator"],
      rows: rateRows,
    });
    const failedCount = w.sent - (w.statusCodes.get(202) ?? 0);
    result.checks.push({ goal: `${label}: at ${RATE} req/s webhook p99 < ${GOAL_P99_MS} ms`, measured: `p50 ${ms(w.p50)}, p99 ${ms(w.p99)} (baseline p99 ${ms(b.p99)})`, pass: w.p99 < GOAL_P99_MS });
    result.checks.push({ goal: `${label}: at ${RATE} req/s every delivery answered 2xx`, measured: `${failedCount} non-2xx/errors of ${w.sent}`, pass: failedCount === 0 });
  } finally {
    await server?.stop();
  }
  try {
    if (db) await diagnose(db, connectionId!, pool, result);
  } finally {
    if (db) await db.close();
  }
  if (kind === "pglite" && dataDir) {
    // The server is gone: the data directory is ours again.
    const h = openPglite(dataDir);
    if (h.kind !== "pglite") throw new Error("unreachable");
    try {
      const r = await h.pglite.query<{ n: number }>("select count(*)::int as n from webhook_events where integration_id = $1", [connectionId]);
      const n = r.rows[0]!.n;
      rowChecks.push(`all runs: ${n} rows for ${accepted} 202s + ${inFlight} unanswered at the end of a run`);
      if (n < accepted || n > accepted + inFlight) throw new Error(`PGlite: ${n} webhook_events rows but ${accepted} deliveries answered 202 (+ ${inFlight} unanswered)`);
    } finally {
      await h.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  result.notes.push(`${label}: stored rows = 202s (${rowChecks.join("; ")})`);
}

export async function run(): Promise<BenchResult> {
  const result = newResult("webhooks: signed GitHub deliveries (verify + store + 202) vs a no-op POST route, production server");
  const poolSize = Number(process.env.BENCH_WEBHOOKS_POOL ?? 100_000);
  const t0 = performance.now();
  const pool = await DeliveryPool.create(poolSize);
  result.notes.push(`${fmt(poolSize)} distinct signed deliveries precomputed in ${((performance.now() - t0) / 1000).toFixed(1)} s (not measured); autocannon runs in the bench process on the same machine`);
  result.notes.push(`baseline: the no-op POST route, POST ${NOOP_POST_PATH}: the webhook route handler runs, reads the body and answers 404 before any lookup; Next alone (POST /api/health, 405, no handler) is reported beside it`);
  result.notes.push(
    DISABLE_WORKERS
      ? "DIAGNOSIS RUN: workers off (BENCH_WEBHOOKS_DISABLE_WORKERS=true): events are stored and queued but not processed"
      : "workers on (PATCHBAY_DISABLE_WORKERS unset): the server processes the stored events (the webhook queue, lib/webhooks/queue.ts) while it is measured, as in production",
  );
  const pg = await postgresAvailable();
  if (!KINDS.includes("postgres")) result.notes.push("DIAGNOSIS RUN: PostgreSQL left out (BENCH_WEBHOOKS_KINDS)");
  else if (pg.ok) await measure("postgres", result, pool);
  else result.notes.push(`PostgreSQL skipped: ${pg.reason}`);
  if (KINDS.includes("pglite")) await measure("pglite", result, pool);
  else result.notes.push("DIAGNOSIS RUN: PGlite left out (BENCH_WEBHOOKS_KINDS)");
  result.notes.push(`${fmt(pool.used)} of ${fmt(pool.size)} precomputed deliveries used`);
  return result;
}
