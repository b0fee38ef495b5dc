// Child processes for the scale-out test: each in its own process group (detached), so that one
// signal reaches tsx and the node process it runs, and SIGKILL leaves nothing behind.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = ["node_modules/.bin/tsx", "--conditions=react-server", "--tsconfig", "tsconfig.json"];

/** One stdout line of a child: the app's pino log lines and the web harness's own lines, parsed. */
export type Line = Record<string, unknown> & { msg?: string; scaleOut?: boolean; event?: string; id?: number };

const live = new Set<Child>();
// Vitest's afterAll kills everything; this is for a test process that dies without running it.
process.once("exit", () => {
  for (const c of live) c.signal("SIGKILL");
});

export class Child {
  readonly proc: ChildProcess;
  readonly lines: Line[] = [];
  exited: string | null = null;
  private stderr = "";
  private waiters = new Set<() => void>();
  private nextId = 1;

  constructor(
    readonly name: string,
    entry: string,
    env: NodeJS.ProcessEnv,
  ) {
    const [bin, ...args] = TSX;
    this.proc = spawn(bin!, [...args, entry], { cwd: ROOT, env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    live.add(this);
    this.proc.stderr!.on("data", (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-8000)));
    this.proc.on("exit", (code, signal) => {
      this.exited = `exited (code ${code}, signal ${signal})`;
      live.delete(this);
      this.wake();
    });
    createInterface({ input: this.proc.stdout! }).on("line", (text) => {
      try {
        this.lines.push(JSON.parse(text) as Line);
      } catch {
        this.lines.push({ msg: text });
      }
      this.wake();
    });
  }

  get stderrText(): string {
    return this.stderr;
  }

  /** Resolves with the exit description once the process group leader has exited. */
  exit(): Promise<string> {
    if (this.exited) return Promise.resolve(this.exited);
    return new Promise((resolve) => this.proc.once("exit", () => resolve(this.exited!)));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  private wake() {
    for (const w of this.waiters) w();
  }

  describe(): string {
    return `${this.name} (pid ${this.pid}) ${this.exited ?? "running"}; last lines ${JSON.stringify(this.lines.slice(-5))}; stderr ${this.stderr.slice(-2000)}`;
  }

  /** The first line (from index `from`) that matches, or a failure naming what the child did. */
  async waitFor(match: (l: Line) => boolean, timeoutMs: number, what: string, from = 0): Promise<Line> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.slice(from).find(match);
      if (hit) return hit;
      if (this.exited) throw new Error(`waiting for ${what}: ${this.describe()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms: ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }

  /** Web harness only: send a command and wait for its answer. */
  async call<T>(cmd: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
    const id = this.nextId++;
    const from = this.lines.length;
    this.proc.stdin!.write(`${JSON.stringify({ id, ...cmd })}\n`);
    const answer = await this.waitFor((l) => l.scaleOut === true && l.id === id, timeoutMs, `answer to ${JSON.stringify(cmd)}`, from);
    if (!answer.ok) throw new Error(`${this.name}: ${String(answer.error)}`);
    return answer.result as T;
  }

  /** Signal the whole process group (tsx and the node process it started). */
  signal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig);
    } catch {
      // the group is gone already
    }
  }

  async kill(): Promise<void> {
    const gone = this.exited ? Promise.resolve() : new Promise<void>((resolve) => this.proc.once("exit", () => resolve()));
    this.signal("SIGKILL");
    await gone;
  }
}

/** `npm run worker`, exactly: lib/jobs/main.ts under tsx. */
export function startWorker(name: string, env: NodeJS.ProcessEnv): Child {
  return new Child(name, "lib/jobs/main.ts", env);
}

/** The web role (see web.ts): boot() without workers, plus a control channel on stdin/stdout. */
export function startWeb(name: string, env: NodeJS.ProcessEnv): Child {
  return new Child(name, "test/scale-out/web.ts", { ...env, PATCHBAY_DISABLE_WORKERS: "true" });
}

export const workerReady = (l: Line) => l.msg === "job workers started" && typeof l.worker === "string";
export const webReady = (l: Line) => l.scaleOut === true && l.event === "ready";
export const jobDone = (jobId: string) => (l: Line) => l.msg === "job done" && l.jobId === jobId;
