// scripts/cluster.mjs, the launcher `npm start` uses for several server processes on PostgreSQL: the
// processes share the port, one that dies after starting is replaced, one that fails while starting
// stops the server with its exit code, and a signal stops them all. A stand-in server answers with
// its pid (the launcher runs whatever script it is given; with `npm start` that is `next start`).
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FAKE = fileURLToPath(new URL("./fake-server.mjs", import.meta.url));

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill("SIGKILL");
    await once(child, "exit");
  }
});

function launch(env: Record<string, string>, port: number): { proc: ChildProcess; output: () => string } {
  let out = "";
  const proc = spawn(process.execPath, ["scripts/cluster.mjs", FAKE, String(port)], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  child = proc;
  return { proc, output: () => out };
}

/**
 * The pid that answers one request on a new connection, or null. With a time limit: a connection the
 * primary handed to a process that is exiting is never answered (a client would retry).
 */
async function pidAt(port: number): Promise<number | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) });
    return Number(await res.text());
  } catch {
    return null;
  }
}

/** The pids answering on the port over `n` fresh connections (the primary hands connections out in turn). */
async function pidsAt(port: number, n = 12): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < n; i++) {
    const pid = await pidAt(port);
    if (pid) pids.add(pid);
  }
  return pids;
}

async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("scripts/cluster.mjs", () => {
  it("runs PATCHBAY_WEB_CONCURRENCY processes on one port and replaces one that dies after starting", async () => {
    const port = await freePort();
    const { proc } = launch({ PATCHBAY_WEB_CONCURRENCY: "2", PATCHBAY_CLUSTER_STARTUP_MS: "300" }, port);
    const first = await until(() => pidsAt(port), (s) => s.size === 2);
    expect(first.size).toBe(2);
    expect(first.has(proc.pid!)).toBe(false);
    await new Promise((r) => setTimeout(r, 400)); // past the start-up window
    expect(await fetch(`http://127.0.0.1:${port}/exit`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text())).toBe("bye");
    const after = await until(() => pidsAt(port), (s) => s.size === 2 && [...s].some((p) => !first.has(p)));
    expect(after.size).toBe(2);
    expect([...after].filter((p) => !first.has(p))).toHaveLength(1);
    expect(proc.exitCode).toBeNull();
  });

  it("stops every process on SIGTERM", async () => {
    const port = await freePort();
    const { proc } = launch({ PATCHBAY_WEB_CONCURRENCY: "2" }, port);
    const pids = await until(() => pidsAt(port), (s) => s.size === 2);
    expect(pids.size).toBe(2);
    proc.kill("SIGTERM");
    await once(proc, "exit");
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(await pidAt(port)).toBeNull();
  });

  it("a process that fails while starting stops the server with its exit code, not a restart loop", async () => {
    const port = await freePort();
    const { proc, output } = launch({ PATCHBAY_WEB_CONCURRENCY: "2", FAKE_FAIL_AT_START: "1" }, port);
    const [code] = (await once(proc, "exit")) as [number | null];
    expect(code).toBe(3);
    expect(output()).toContain("fake server: bad configuration");
    expect(output()).toContain("stopped while starting");
  });

  it("refuses a missing or invalid process count", async () => {
    const { proc, output } = launch({ PATCHBAY_WEB_CONCURRENCY: "zero" }, await freePort());
    const [code] = (await once(proc, "exit")) as [number | null];
    expect(code).toBe(2);
    expect(output()).toContain("usage: PATCHBAY_WEB_CONCURRENCY=<n>");
  });
});

describe("npm start's process count", () => {
  const start = (env: Record<string, string>) => {
    const proc = spawn(process.execPath, ["scripts/start.mjs"], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    let out = "";
    proc.stderr!.on("data", (d) => (out += d));
    return { proc, output: () => out };
  };

  it("rejects a bad PATCHBAY_WEB_CONCURRENCY before building or serving, naming the variable", async () => {
    const { proc, output } = start({ PATCHBAY_WEB_CONCURRENCY: "2.5", PORT: String(await freePort()) });
    const [code] = (await once(proc, "exit")) as [number | null];
    expect(code).toBe(1);
    expect(output()).toContain('PATCHBAY_WEB_CONCURRENCY must be a whole number from 1 to 64 (got "2.5")');
  });
});
