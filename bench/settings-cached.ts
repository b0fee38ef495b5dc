/**
 * settings-cached: throughput of a cached getSettings("smtp", { orgId }) against a plain Map.get
 * of an equivalent object, in the same process and run. Rounds alternate between the variants so
 * machine noise hits all of them alike; the median round is reported.
 */
import { getSettings } from "@/lib/settings";
import { SettingsCache } from "@/lib/settings/cache";
import { openBenchDb, postgresAvailable } from "./lib/db";
import { fmt, median, newResult, ratio, type BenchResult } from "./lib/report";

const GOAL_OPS = 1_000_000;
const ROUNDS = 7;
const ROUND_MS = 300;
const BATCH = 5_000;

let sink: unknown;

/** Run fn in batches for about `durationMs`; ops per second. */
async function measure(fn: (n: number) => Promise<void> | void, durationMs: number): Promise<number> {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    await fn(BATCH);
    // Let timers and sockets run between batches, as a server would (~1 in 5,000 calls).
    await new Promise((r) => setImmediate(r));
    ops += BATCH;
    elapsed = performance.now() - start;
  }
  return (ops / elapsed) * 1000;
}

async function onKind(kind: "pglite" | "postgres", result: BenchResult): Promise<void> {
  const db = await openBenchDb(kind);
  try {
    const orgId = db.org.id;
    const settings = await getSettings("smtp", { orgId });
    const map = new Map<string, unknown>([[`smtp\u0000${orgId}`, structuredClone(settings)]]);
    const key = `smtp\u0000${orgId}`;
    const asyncGet = async (k: string) => map.get(k);
    const probe = new SettingsCache<unknown>(60_000);
    probe.set("smtp", orgId, structuredClone(settings), probe.token("smtp", orgId));

    const variants: Record<string, (n: number) => Promise<void> | void> = {
      "getSettings (cached)": async (n) => {
        for (let i = 0; i < n; i++) sink = await getSettings("smtp", { orgId });
      },
      "baseline: Map.get": (n) => {
        for (let i = 0; i < n; i++) sink = map.get(key);
      },
      "baseline: await async Map.get": async (n) => {
        for (let i = 0; i < n; i++) sink = await asyncGet(key);
      },
      // The cache step of a hit alone (nested maps, TTL check): the library's own class.
      "diagnostic: SettingsCache.get(provider, org)": (n) => {
        for (let i = 0; i < n; i++) sink = probe.get("smtp", orgId);
      },
    };
    // Warm-up (JIT) before measuring.
    for (const fn of Object.values(variants)) await measure(fn, 100);
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, fn] of Object.entries(variants)) samples[name]!.push(await measure(fn, ROUND_MS));
    }
    const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<string, number>;
    const cached = med["getSettings (cached)"]!;
    const mapGet = med["baseline: Map.get"]!;
    const asyncMap = med["baseline: await async Map.get"]!;
    result.tables.push({
      title: `settings-cached on ${kind} (median of ${ROUNDS} rounds x ${ROUND_MS} ms; min-max in brackets)`,
      columns: ["variant", "ops/s", "range", "ns/op", "vs Map.get"],
      rows: Object.entries(samples).map(([name, v]) => [name, fmt(med[name]!), `${fmt(Math.min(...v))} - ${fmt(Math.max(...v))}`, fmt(1e9 / med[name]!, 1), name === "baseline: Map.get" ? "(baseline)" : `${ratio(mapGet, med[name]!)} slower`]),
    });
    result.checks.push({ goal: `cached getSettings >= 1M ops/s (${kind})`, measured: `${fmt(cached)} ops/s (Map.get is ${ratio(mapGet, cached)} faster; async Map.get ${ratio(asyncMap, cached)})`, pass: cached >= GOAL_OPS });
    if (sink === undefined) result.notes.push("sink empty (never happens)");
  } finally {
    await db.close();
  }
}

export async function run(): Promise<BenchResult> {
  const result = newResult("settings-cached");
  await onKind("pglite", result);
  const pgOk = await postgresAvailable();
  if (pgOk.ok) await onKind("postgres", result);
  else result.notes.push(`skipped on PostgreSQL: ${pgOk.reason}`);
  return result;
}
