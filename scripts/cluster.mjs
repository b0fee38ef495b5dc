#!/usr/bin/env node
// Several server processes sharing one port (node:cluster), started by scripts/start.mjs when
// PATCHBAY_WEB_CONCURRENCY (or its PostgreSQL default) is above 1:
//   node scripts/cluster.mjs <server script> [args…]
// Each worker runs the server script (`next start …`) as a whole Patchbay process: its own pool,
// caches and job workers. What must hold across processes already does (settings invalidation and
// live events by NOTIFY, claims with SKIP LOCKED, pg-boss), as when several hosts serve one database.
// A worker that dies after it started is replaced; one that dies while starting (a configuration
// error it has already printed) stops the whole server with its exit code.
import cluster from "node:cluster";

const [script, ...args] = process.argv.slice(2);
const count = Number(process.env.PATCHBAY_WEB_CONCURRENCY);
if (!script || !Number.isInteger(count) || count < 1) {
  console.error("usage: PATCHBAY_WEB_CONCURRENCY=<n> node scripts/cluster.mjs <server script> [args…]");
  process.exit(2);
}
/** A worker that exits sooner than this after its start failed to start (bad configuration): no restart. */
const STARTUP_MS = Number(process.env.PATCHBAY_CLUSTER_STARTUP_MS ?? 30_000);

cluster.setupPrimary({ exec: script, args });
const startedAt = new Map();
let stopping = false;

function fork() {
  const worker = cluster.fork();
  startedAt.set(worker.id, Date.now());
}

function stopAll(signal) {
  stopping = true;
  for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
}

cluster.on("exit", (worker, code, signal) => {
  const age = Date.now() - (startedAt.get(worker.id) ?? 0);
  startedAt.delete(worker.id);
  if (!stopping) {
    if (age < STARTUP_MS) {
      console.error(`patchbay: server process ${worker.process.pid} stopped while starting (${signal ?? `exit code ${code}`}); stopping the others`);
      process.exitCode = code || 1;
      stopAll("SIGTERM");
    } else {
      console.error(`patchbay: server process ${worker.process.pid} stopped (${signal ?? `exit code ${code}`}); starting a new one`);
      fork();
      return;
    }
  }
  if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
});

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => stopAll(sig));
for (let i = 0; i < count; i++) fork();
