// Spawn a bench child script (TypeScript, react-server condition) and read its `BENCH {json}` lines.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export type ChildMessage = Record<string, unknown> & { type: string };

export type BenchChild = {
  proc: ChildProcess;
  /** Resolve with the first message (from now on, or already buffered) matching `pred`. */
  waitFor(pred: (m: ChildMessage) => boolean, timeoutMs: number): Promise<ChildMessage | null>;
  stderr(): string;
  stop(): Promise<void>;
};

export function spawnBenchChild(script: string, args: string[], env: Record<string, string>): BenchChild {
  const proc = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(repoRoot, script), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const buffered: ChildMessage[] = [];
  const waiters: { pred: (m: ChildMessage) => boolean; resolve: (m: ChildMessage) => void }[] = [];
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  readline.createInterface({ input: proc.stdout! }).on("line", (line) => {
    if (!line.startsWith("BENCH ")) return;
    let msg: ChildMessage;
    try {
      msg = JSON.parse(line.slice(6)) as ChildMessage;
    } catch {
      return;
    }
    const i = waiters.findIndex((w) => w.pred(msg));
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(msg);
    else buffered.push(msg);
  });
  return {
    proc,
    waitFor(pred, timeoutMs) {
      const j = buffered.findIndex(pred);
      if (j >= 0) return Promise.resolve(buffered.splice(j, 1)[0]!);
      return new Promise((resolve) => {
        const w = {
          pred,
          resolve: (m: ChildMessage) => {
            clearTimeout(timer);
            resolve(m);
          },
        };
        const timer = setTimeout(() => {
          const k = waiters.indexOf(w);
          if (k >= 0) waiters.splice(k, 1);
          resolve(null);
        }, timeoutMs);
        waiters.push(w);
      });
    },
    stderr: () => err,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((r) => proc.once("exit", () => r()));
      proc.stdin!.end();
      const timer = setTimeout(() => proc.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
