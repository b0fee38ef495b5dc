#!/usr/bin/env node
// `npm start`: build once (or again when the sources changed since the last build), then serve.
// Migrations run inside the server process (instrumentation.ts), which is the only process
// allowed to open the embedded database. With PostgreSQL (DATABASE_URL), PATCHBAY_WEB_CONCURRENCY=<n>
// serves with n processes sharing the port (scripts/cluster.mjs): a Node process uses one core. It
// is not the default: on a 2-vCPU machine that also runs PostgreSQL, 2 processes took CPU from the
// database and stored fewer webhooks per second than 1 (docs/BENCHMARKS.md).
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import nextEnv from "@next/env";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
const stampFile = path.join(root, ".next", "patchbay-source-stamp");
const watched = ["app", "components", "lib", "db", "public", "instrumentation.ts", "next.config.ts", "package.json", "package-lock.json", "postcss.config.mjs", "tsconfig.json"];

function sourceStamp() {
  const hash = createHash("sha256");
  const walk = (p) => {
    let st;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) if (name !== "node_modules" && !name.startsWith(".")) walk(path.join(p, name));
    } else {
      hash.update(`${path.relative(root, p)}:${st.size}:${st.mtimeMs}\n`);
    }
  };
  for (const w of watched) walk(path.join(root, w));
  return hash.digest("hex");
}

// The server reads .env files itself; read them here too, for DATABASE_URL and PATCHBAY_WEB_CONCURRENCY.
nextEnv.loadEnvConfig(root, false, { info: () => {}, error: console.error });

function serverProcesses() {
  const embedded = !process.env.DATABASE_URL;
  const setting = process.env.PATCHBAY_WEB_CONCURRENCY;
  if (setting === undefined || setting === "") return 1;
  const n = Number(setting);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    console.error(`patchbay: PATCHBAY_WEB_CONCURRENCY must be a whole number from 1 to 64 (got "${setting}").`);
    process.exit(1);
  }
  if (embedded && n > 1) {
    console.error("patchbay: the embedded database can only be opened by one process, so PATCHBAY_WEB_CONCURRENCY is ignored; set DATABASE_URL to serve with several.");
    return 1;
  }
  return n;
}

const processes = serverProcesses();

const stamp = sourceStamp();
const built = fs.existsSync(path.join(root, ".next", "BUILD_ID")) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, "utf8") === stamp;
if (!built) {
  console.log("patchbay: building the app (first start or sources changed)…");
  const r = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
  fs.writeFileSync(stampFile, stamp);
}

const port = process.env.PORT || "3000";
// PATCHBAY_SERVER_LOG: also copy the server's output to a file (the e2e canary test searches it).
const logFile = process.env.PATCHBAY_SERVER_LOG ? fs.createWriteStream(process.env.PATCHBAY_SERVER_LOG, { flags: "a" }) : null;
const serve = [nextBin, "start", "-p", port, ...process.argv.slice(2)];
const command = processes > 1 ? [path.join(root, "scripts", "cluster.mjs"), ...serve] : serve;
if (processes > 1) console.log(`patchbay: serving with ${processes} processes on port ${port}`);
const child = spawn(process.execPath, command, { cwd: root, stdio: ["inherit", logFile ? "pipe" : "inherit", logFile ? "pipe" : "inherit"], env: { ...process.env, PATCHBAY_WEB_CONCURRENCY: String(processes) } });
if (logFile) {
  for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
    from.on("data", (chunk) => {
      to.write(chunk);
      logFile.write(chunk);
    });
  }
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
