// CPU time of processes from /proc (Linux): where the machine's CPU went during a benchmark run.
import fs from "node:fs";

const TICK_MS = 10; // USER_HZ is 100 on Linux

function stat(pid: number): string[] | null {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  } catch {
    return null;
  }
}

const allPids = () =>
  fs
    .readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number);

/** User + system CPU of these processes, in ms (a process that is gone counts 0). */
export function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const f = stat(pid);
    if (f) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * TICK_MS;
}

/** A process and its descendants. */
export function processTree(root: number): number[] {
  const parents = new Map(allPids().map((p) => [p, Number(stat(p)?.[1] ?? 0)]));
  const tree = [root];
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, parent] of parents)
      if (tree.includes(parent) && !tree.includes(pid)) {
        tree.push(pid);
        grew = true;
      }
  }
  return tree;
}

/** Every PostgreSQL server process on this machine (backends, WAL writer, checkpointer, autovacuum …). */
export function postgresPids(): number[] {
  return allPids().filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/comm`, "utf8").startsWith("postgres");
    } catch {
      return false;
    }
  });
}

/** CPU used by the server's process tree and by PostgreSQL while `run` runs, in ms. */
export async function measureCpu<T>(serverPid: number, run: () => Promise<T>): Promise<{ result: T; serverMs: number; postgresMs: number }> {
  const server = processTree(serverPid);
  const pg = postgresPids();
  const s0 = cpuMs(server);
  const p0 = cpuMs(pg);
  const result = await run();
  // Backends that started during the run are missed (the server's pool is warm by then).
  return { result, serverMs: cpuMs(server) - s0, postgresMs: cpuMs(pg) - p0 };
}

/** How many of these processes run a Next server (Next names its process "next-server (v…)"). */
export function nextServerCount(pids: number[]): number {
  return pids.filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/comm`, "utf8").startsWith("next-server");
    } catch {
      return false;
    }
  }).length;
}
