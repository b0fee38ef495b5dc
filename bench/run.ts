/**
 * `npm run bench` — performance benchmarks, each with a baseline measured in the same run.
 *
 *   npm run bench                          every benchmark
 *   npm run bench -- --only=invalidation   one (comma-separated names also work)
 *   npm run bench -- --json=out.json       also write the results as JSON
 *
 * PostgreSQL benchmarks create a scratch database `patchbay_bench_<random>` from the admin URL
 * (BENCH_DATABASE_URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
 * and drop it at the end; with no server there they are skipped with a note.
 * Must run with the react-server export condition (the library modules import "server-only").
 */
import fs from "node:fs";
import os from "node:os";
import { createRequire } from "node:module";
import type { BenchResult } from "./lib/report";

const benches = {
  "settings-cached": () => import("./settings-cached"),
  "settings-uncached": () => import("./settings-uncached"),
  invalidation: () => import("./invalidation"),
  "dek-rotation": () => import("./dek-rotation"),
  dashboard: () => import("./dashboard"),
  webhooks: () => import("./webhooks"),
  mapping: () => import("./mapping"),
  sync: () => import("./sync"),
} as const;
type Name = keyof typeof benches;

function arg(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

function serverOnlyResolvesEmpty(): boolean {
  try {
    return /empty\.js$/.test(createRequire(import.meta.url).resolve("server-only"));
  } catch {
    return false;
  }
}

async function main(): Promise<number> {
  if (!serverOnlyResolvesEmpty() && !process.execArgv.join(" ").includes("react-server")) {
    console.error('bench: run with the react-server condition, e.g. `npx tsx --conditions=react-server bench/run.ts` (that is what `npm run bench` does).');
    return 2;
  }
  // Quiet library logs unless asked for (rotation logs every completion at info).
  process.env.LOG_LEVEL ??= "warn";
  const only = arg("only");
  const names = (only ? only.split(",").map((s) => s.trim()) : Object.keys(benches)) as Name[];
  const unknown = names.filter((n) => !(n in benches));
  if (unknown.length) {
    console.error(`bench: unknown benchmark ${unknown.join(", ")}; known: ${Object.keys(benches).join(", ")}`);
    return 2;
  }

  const { adminUrl, dropAllScratch, postgresAvailable, redact } = await import("./lib/db");
  const { renderResult } = await import("./lib/report");
  const onSignal = () => {
    void dropAllScratch().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const pgOk = await postgresAvailable();
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  console.log(`patchbay bench — node ${process.version}, ${os.cpus().length} cpus (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(pgOk.ok ? `PostgreSQL ${pgOk.version} via ${redact(adminUrl().url)} (${adminUrl().from}); scratch databases are dropped at the end` : `PostgreSQL benchmarks skipped: ${pgOk.reason}`);

  const results: BenchResult[] = [];
  let crashed = false;
  const started = performance.now();
  for (const name of names) {
    const t0 = performance.now();
    try {
      const mod = await benches[name]();
      const r = await mod.run();
      results.push(r);
      console.log(renderResult(r));
    } catch (error) {
      crashed = true;
      console.error(`\n=== ${name} === CRASHED: ${(error as Error).stack ?? String(error)}`);
    } finally {
      await dropAllScratch();
    }
    console.log(`(${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }

  const checks = results.flatMap((r) => r.checks.map((c) => ({ bench: r.name, ...c })));
  if (checks.length) {
    console.log("\n=== summary ===");
    for (const c of checks) console.log(`${c.pass ? "PASS" : "FAIL"}  ${c.bench}: ${c.goal} — ${c.measured}`);
  }
  console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s; load average now ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  const json = arg("json");
  if (json) fs.writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2));
  return crashed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
