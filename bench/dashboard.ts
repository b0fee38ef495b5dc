/**
 * dashboard: the /health page with 10,000 connections and 1,000,000 health_checks rows on real
 * PostgreSQL. Seeds a scratch database with SQL (generate_series), starts the production server on
 * it (`node scripts/start.mjs`, which builds first if the sources changed), signs in once in
 * Chromium and then fetches server-rendered pages with that session:
 *   - /health with several sorts, filters and pages (the benchmark),
 *   - /settings/organization, a small authenticated page, interleaved (the baseline: the cost of
 *     auth, layout and React rendering without the dashboard's data).
 * Also prints EXPLAIN ANALYZE of the statements the dashboard sends (captured in this process by
 * calling the same query functions), to show the plans use the indexes.
 */
import { sql } from "drizzle-orm";
import { chromium } from "@playwright/test";
import { countHealthByStatus, listConnectionHealth, listHealthProviders } from "@/db/queries/health-dashboard";
import { countQueries } from "./lib/query-counter";
import { benchMasterKey, openBenchDb, postgresAvailable } from "./lib/db";
import { startBenchServer, type BenchServer } from "./lib/server";
import { ms, newResult, percentile, ratio, type BenchResult } from "./lib/report";

const CONNECTIONS = Number(process.env.BENCH_DASHBOARD_CONNECTIONS ?? 10_000);
const CHECKS = Number(process.env.BENCH_DASHBOARD_CHECKS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_DASHBOARD_ROUNDS ?? 30);
const PORT = Number(process.env.BENCH_DASHBOARD_PORT ?? 3290);
const GOAL_P95_MS = 300;

const pages = [
  { label: "default (worst status first)", path: "/health" },
  { label: "sort p95 desc", path: "/health?sort=p95.desc" },
  { label: "sort error rate desc, page 20", path: "/health?sort=errorRate.desc&page=20" },
  { label: "filter failing", path: "/health?status=failing" },
  { label: "filter provider + search", path: "/health?provider=stripe&q=77" },
  { label: "per-connection 24 h", path: "/health/bench-4242" },
  { label: "per-connection 7 d", path: "/health/bench-4242?range=7d" },
];
const BASELINE = "/settings/organization";

async function seed(db: Awaited<ReturnType<typeof openBenchDb>>): Promise<number> {
  const t0 = performance.now();
  const orgId = db.org.id;
  const x = db.handle.db;
  await x.execute(sql`
    insert into integrations (id, org_id, provider_key, name, status, enabled, health_status, config, last_checked_at)
    select 'bench-' || g, ${orgId}, (array['custom-api-key','slack','stripe','hubspot','jira','twilio','datadog','pagerduty'])[1 + g % 8],
           'Connection ' || g, 'active', true,
           (array['healthy','healthy','healthy','healthy','degraded','failing','disconnected','unknown'])[1 + (g * 7) % 8],
           '{}'::jsonb, now() - (g % 300) * interval '1 second'
      from generate_series(1, ${CONNECTIONS}::int) g`);
  await x.execute(sql`
    insert into connection_health (integration_id, org_id, interval_seconds, next_check_at, last_check_at, last_ok, last_latency_ms,
                                   latency_p50_ms, latency_p95_ms, error_rate_24h, checks_24h, breaker_state, status_since)
    select 'bench-' || g, ${orgId}, 300, now() + interval '1 day', now() - (g % 300) * interval '1 second', g % 8 <> 5, 50 + g % 400,
           40 + g % 200, 120 + (g * 13) % 900, ((g * 31) % 100) / 100.0, 14, case when g % 97 = 0 then 'open' else 'closed' end, now() - interval '1 hour'
      from generate_series(1, ${CONNECTIONS}::int) g
    on conflict (integration_id) do nothing`);
  // CHECKS rows spread evenly over the connections and the last 7 days.
  const perConnection = Math.max(1, Math.floor(CHECKS / CONNECTIONS));
  const spacingSeconds = Math.floor((7 * 24 * 3600) / perConnection);
  await x.execute(sql`
    insert into health_checks (integration_id, org_id, kind, trigger, ok, status, latency_ms, message, checked_at)
    select 'bench-' || (1 + g % ${CONNECTIONS}::int), ${orgId}, case when g % 5 = 0 then 'call' else 'check' end, 'scheduled',
           g % 17 <> 0, case when g % 17 = 0 then 'error' else 'ok' end, 20 + (g::bigint * 7919) % 800,
           case when g % 17 = 0 then 'HTTP 503' else null end,
           now() - ((g / ${CONNECTIONS}::int) * ${spacingSeconds}::int + g % 60) * interval '1 second'
      from generate_series(0, ${CHECKS - 1}::int) g`);
  await x.execute(sql`
    insert into health_status_changes (integration_id, org_id, from_status, to_status, reason, at)
    select 'bench-' || (1 + g % ${CONNECTIONS}::int), ${orgId}, 'healthy', 'degraded', 'The last check failed.', now() - g * interval '1 minute'
      from generate_series(1, 20000) g`);
  await x.execute(sql`analyze`);
  return performance.now() - t0;
}

async function explainDashboard(db: Awaited<ReturnType<typeof openBenchDb>>): Promise<string[]> {
  const counter = countQueries(db.handle);
  try {
    await listConnectionHealth(db.org.id, { page: 20, perPage: 25, sort: { id: "p95", desc: true }, status: null, provider: null, q: null });
    await countHealthByStatus(db.org.id);
    await listHealthProviders(db.org.id);
  } finally {
    counter.restore();
  }
  const out: string[] = [];
  const client = db.handle.kind === "postgres" ? await db.handle.pool.connect() : null;
  if (!client) return out;
  try {
    for (const s of counter.sent) {
      const plan = await client.query<{ "QUERY PLAN": string }>(`explain (analyze, buffers off, costs off) ${s.text}`, s.values as unknown[]);
      const lines = plan.rows.map((r) => r["QUERY PLAN"]);
      out.push(`${s.text.replace(/\s+/g, " ").slice(0, 160)}…\n    ${lines.filter((l) => /Scan|Sort|Execution|Join|Aggregate|Limit/.test(l)).slice(0, 8).join("\n    ")}`);
    }
  } finally {
    client.release();
  }
  return out;
}

export async function run(): Promise<BenchResult> {
  const result = newResult(`dashboard: /health with ${CONNECTIONS.toLocaleString("en-US")} connections and ${CHECKS.toLocaleString("en-US")} health_checks rows (PostgreSQL)`);
  const pg = await postgresAvailable();
  if (!pg.ok) {
    result.notes.push(`skipped: ${pg.reason}`);
    return result;
  }
  const db = await openBenchDb("postgres");
  let server: BenchServer | undefined;
  try {
    const seedMs = await seed(db);
    result.notes.push(`seeded in ${(seedMs / 1000).toFixed(1)} s (SQL generate_series, then ANALYZE)`);
    for (const line of await explainDashboard(db)) result.notes.push(`plan: ${line}`);
    const t0 = performance.now();
    // Render only: no health checks against 10k fake connections while measuring.
    server = await startBenchServer({ port: PORT, masterKey: benchMasterKey().formatted, env: { DATABASE_URL: db.url!, PATCHBAY_DISABLE_WORKERS: "true" } });
    result.notes.push(`server ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (includes a build when the sources changed)`);

    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"] });
    try {
      const context = await browser.newContext({ baseURL: `http://localhost:${PORT}` });
      const page = await context.newPage();
      await page.goto("/sign-in");
      await page.getByLabel("Email").fill("owner@bench.example");
      await page.getByLabel("Password").fill("correct horse battery staple");
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.waitForURL((u) => !u.pathname.startsWith("/sign-in"), { timeout: 30_000 });
      const timeGet = async (p: string): Promise<number> => {
        const t = performance.now();
        const r = await context.request.get(p, { headers: { accept: "text/html" }, maxRedirects: 0 });
        const body = await r.text();
        const elapsed = performance.now() - t;
        if (r.status() !== 200) throw new Error(`${p} answered ${r.status()}`);
        if (p.startsWith("/health") && !p.includes("bench-") && !body.includes("Connection ")) throw new Error(`${p} did not render connection rows`);
        return elapsed;
      };
      // Warm up every route (first render compiles nothing in production, but fills caches).
      for (const p of [...pages.map((x) => x.path), BASELINE]) for (let i = 0; i < 3; i++) await timeGet(p);
      const samples = new Map<string, number[]>(pages.map((p) => [p.path, []]));
      const base: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (const p of pages) {
          samples.get(p.path)!.push(await timeGet(p.path));
          base.push(await timeGet(BASELINE));
        }
      }
      const baseP50 = percentile(base, 50);
      const rows: (string | number)[][] = [[`baseline ${BASELINE}`, ms(baseP50), ms(percentile(base, 95)), "1.00x"]];
      let worstP95 = 0;
      for (const p of pages) {
        const s = samples.get(p.path)!;
        const p95 = percentile(s, 95);
        worstP95 = Math.max(worstP95, p95);
        rows.push([`${p.label} ${p.path}`, ms(percentile(s, 50)), ms(p95), ratio(percentile(s, 50), baseP50)]);
      }
      result.tables.push({ title: `server render, full HTML over HTTP, ${ROUNDS} rounds each, interleaved with the baseline`, columns: ["page", "p50", "p95", "p50 vs baseline"], rows });
      result.checks.push({ goal: `every /health variant p95 < ${GOAL_P95_MS} ms`, measured: `worst p95 ${ms(worstP95)}`, pass: worstP95 < GOAL_P95_MS });
    } finally {
      await browser.close();
    }
  } finally {
    await server?.stop();
    await db.close();
  }
  return result;
}
