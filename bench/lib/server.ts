// The production server for HTTP benchmarks: `node scripts/start.mjs` (builds first when the sources
// changed) in its own process group, with a bench environment; ready when GET /api/health answers 200.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "./child";
import { BENCH_AUTH_SECRET } from "./db";
import { sleep } from "./report";

export type BenchServer = {
  port: number;
  baseUrl: string;
  proc: ChildProcess;
  /** The last few KB of the server's stdout and stderr (for error messages). */
  log(): string;
  /** Stop the whole process group (start.mjs and `next start`). */
  stop(): Promise<void>;
};

/**
 * Start the server and wait until it answers. `env` is added to the bench environment (AUTH_SECRET,
 * AUTH_URL, PATCHBAY_MASTER_KEYS, PORT, production mode, warn-level logs); pass DATABASE_URL for
 * PostgreSQL or PATCHBAY_DATA_DIR for the embedded database.
 */
export async function startBenchServer(opts: {
  port: number;
  masterKey: string;
  env?: Record<string, string | undefined>;
  readyTimeoutMs?: number;
  /** Profile the server: run `next start` directly under `node --cpu-prof` (needs a current build; the profile is written when it stops). */
  cpuProfDir?: string;
  /** Diagnosis: run `next start` directly under node with these flags (e.g. --trace-gc; needs a current build). */
  nodeArgs?: string[];
}): Promise<BenchServer> {
  const { port } = opts;
  const baseUrl = `http://localhost:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AUTH_SECRET: BENCH_AUTH_SECRET,
    AUTH_URL: baseUrl,
    PATCHBAY_MASTER_KEYS: opts.masterKey,
    PORT: String(port),
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
  };
  // The bench process itself may carry these for its own database; the server gets only what it is given.
  delete env.DATABASE_URL;
  delete env.PATCHBAY_DATA_DIR;
  delete env.PATCHBAY_DISABLE_WORKERS;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const nodeArgs = [...(opts.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.cpuProfDir}`] : []), ...(opts.nodeArgs ?? [])];
  const args = nodeArgs.length
    ? [...nodeArgs, path.join(repoRoot, "node_modules", "next", "dist", "bin", "next"), "start", "-p", String(port)]
    : [path.join(repoRoot, "scripts", "start.mjs")];
  const proc = spawn(process.execPath, args, { cwd: repoRoot, detached: true, stdio: ["ignore", "pipe", "pipe"], env });
  let log = "";
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
    if (process.env.BENCH_SERVER_LOG) fs.appendFileSync(process.env.BENCH_SERVER_LOG, d);
  };
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  let exited = false;
  proc.once("exit", () => (exited = true));
  const stop = async () => {
    if (!proc.pid || exited) return;
    try {
      process.kill(-proc.pid, "SIGTERM");
    } catch {
      return; // already gone
    }
    for (let i = 0; i < 50 && !exited; i++) await sleep(100);
    if (!exited) {
      try {
        process.kill(-proc.pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
      await sleep(200);
    }
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 300_000);
  while (Date.now() < deadline && !exited) {
    try {
      const r = await fetch(`${baseUrl}/api/health`);
      if (r.ok) return { port, baseUrl, proc, log: () => log, stop };
    } catch {
      // not up yet
    }
    await sleep(500);
  }
  await stop();
  throw new Error(`${exited ? "the server exited during start-up" : "the server did not answer in time"}\n${log}`);
}
