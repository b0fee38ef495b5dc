/**
 * settings-uncached: SQL round trips and latency of getSettings with the settings cache dropped
 * before every call (resetSettingsCache()), which is what every read after an invalidation does.
 * Two cases: steady state (the process already holds the unwrapped data key) and a cold process
 * (data-key cache cleared too). Baselines in the same run: `select 1`, and the exact statement
 * getSettings sent, replayed raw through the driver (no ORM mapping, decryption or validation).
 */
import type { DbHandle } from "@/db/client";
import { clearDekCache } from "@/lib/lockbox";
import { getSettings, resetSettingsCache } from "@/lib/settings";
import { openBenchDb, postgresAvailable } from "./lib/db";
import { countQueries, type Sent } from "./lib/query-counter";
import { fmt, ms, newResult, ratio, summarize, type BenchResult } from "./lib/report";

const CALLS = 200;
const COLD_CALLS = 50;
const WARMUP = 20;
const GOAL_QUERIES = 2;

async function raw(handle: DbHandle, s: Sent): Promise<void> {
  if (handle.kind === "postgres") await handle.pool.query(s.text, s.values);
  else await handle.pglite.query(s.text, s.values as unknown[] | undefined);
}

async function timeMany(n: number, fn: () => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

async function onKind(kind: "pglite" | "postgres", result: BenchResult): Promise<void> {
  const db = await openBenchDb(kind);
  const counter = countQueries(db.handle);
  try {
    const orgId = db.org.id;
    await getSettings("smtp", { orgId }); // starts the listener, warms the data key
    for (let i = 0; i < WARMUP; i++) {
      resetSettingsCache();
      await getSettings("smtp", { orgId });
    }

    // Steady state: cache dropped, data key already unwrapped in this process.
    const warmCounts: number[] = [];
    let statements: Sent[] = [];
    const warm = await timeMany(CALLS, async () => {
      resetSettingsCache();
      counter.reset();
      await getSettings("smtp", { orgId });
      warmCounts.push(counter.count);
      statements = [...counter.sent];
    });

    // Cold process: the data key must be fetched and unwrapped too.
    const coldCounts: number[] = [];
    let coldStatements: Sent[] = [];
    const cold = await timeMany(COLD_CALLS, async () => {
      resetSettingsCache();
      clearDekCache();
      counter.reset();
      await getSettings("smtp", { orgId });
      coldCounts.push(counter.count);
      coldStatements = [...counter.sent];
    });
    counter.restore();

    // Baselines: one trivial round trip, and the statement getSettings sends, replayed raw.
    const select1 = await timeMany(CALLS, () => raw(db.handle, { text: "select 1", values: undefined }));
    const main = statements[0]!;
    const replay = await timeMany(CALLS, () => raw(db.handle, main));

    const w = summarize(warm);
    const c = summarize(cold);
    const s1 = summarize(select1);
    const rp = summarize(replay);
    const maxWarm = Math.max(...warmCounts);
    const maxCold = Math.max(...coldCounts);
    result.tables.push({
      title: `settings-uncached on ${kind}: SQL statements per uncached getSettings`,
      columns: ["case", "calls", "statements min", "statements max", "statements sent (last call)"],
      rows: [
        ["steady state (data key cached)", CALLS, Math.min(...warmCounts), maxWarm, statements.map((q) => shorten(q.text)).join(" ; ")],
        ["cold process (data key cache cleared)", COLD_CALLS, Math.min(...coldCounts), maxCold, coldStatements.map((q) => shorten(q.text)).join(" ; ")],
      ],
    });
    result.tables.push({
      title: `settings-uncached on ${kind}: latency`,
      columns: ["what", "n", "p50", "p99", "max", "p50 vs select 1", "p50 vs raw replay"],
      rows: [
        ["getSettings, cache reset (steady)", w.n, ms(w.p50), ms(w.p99), ms(w.max), ratio(w.p50, s1.p50), ratio(w.p50, rp.p50)],
        ["getSettings, cache + DEK reset (cold)", c.n, ms(c.p50), ms(c.p99), ms(c.max), ratio(c.p50, s1.p50), ratio(c.p50, rp.p50)],
        ["baseline: select 1", s1.n, ms(s1.p50), ms(s1.p99), ms(s1.max), "1x", ""],
        ["baseline: same SQL replayed raw", rp.n, ms(rp.p50), ms(rp.p99), ms(rp.max), ratio(rp.p50, s1.p50), "1x"],
      ],
    });
    result.checks.push({ goal: `uncached getSettings <= ${GOAL_QUERIES} SQL round trips (${kind})`, measured: `steady ${maxWarm}, cold ${maxCold}`, pass: maxWarm <= GOAL_QUERIES && maxCold <= GOAL_QUERIES });
    if (kind === "postgres") result.notes.push(`uncached latency on PostgreSQL over ${CALLS} calls: p50 ${ms(w.p50)}, p99 ${ms(w.p99)} (${fmt(1000 / w.p50, 0)} calls/s sequential)`);
  } finally {
    counter.restore();
    await db.close();
  }
}

function shorten(sql: string): string {
  const one = sql.replace(/\s+/g, " ").trim();
  const from = one.match(/ from ("[a-z_]+")/i)?.[1] ?? "";
  const verb = one.split(" ")[0]!.toLowerCase();
  return `${verb}${from ? ` .. from ${from}` : ""}${/ join /i.test(one) ? " (join)" : ""}`;
}

export async function run(): Promise<BenchResult> {
  const result = newResult("settings-uncached");
  await onKind("pglite", result);
  const pgOk = await postgresAvailable();
  if (pgOk.ok) await onKind("postgres", result);
  else result.notes.push(`skipped on PostgreSQL: ${pgOk.reason}`);
  return result;
}
