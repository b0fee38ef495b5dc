// The provider the scale-out test's connections point at: /ok answers at once; the first request to
// /hold is held open (a provider that hangs) and every later one answers at once.
import http from "node:http";
import type { AddressInfo } from "node:net";

const now = () => performance.timeOrigin + performance.now();

export type HeldRequest = { at: number; closedAt?: number; answered: boolean };

export type Peer = {
  url: string;
  /** Requests to /hold, in arrival order. */
  holds: HeldRequest[];
  /** Requests to /ok. */
  oks: number;
  waitForHold(n: number, timeoutMs: number): Promise<HeldRequest>;
  waitForClose(r: HeldRequest, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
};

export async function startPeer(holdMs: number): Promise<Peer> {
  const holds: HeldRequest[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of waiters) w();
  };
  const timers = new Set<NodeJS.Timeout>();
  const answer = (res: http.ServerResponse) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
  };
  let oks = 0;
  const server = http.createServer((req, res) => {
    if (!req.url?.startsWith("/hold")) {
      oks++;
      answer(res);
      return;
    }
    const entry: HeldRequest = { at: now(), answered: false };
    holds.push(entry);
    res.on("close", () => {
      entry.closedAt = now();
      wake();
    });
    if (holds.length === 1) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (entry.closedAt === undefined) {
          entry.answered = true;
          answer(res);
        }
      }, holdMs);
      timers.add(timer);
    } else {
      entry.answered = true;
      answer(res);
    }
    wake();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  async function until<T>(get: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = get();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`peer: no ${what} within ${timeoutMs} ms (holds ${JSON.stringify(holds)})`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, left);
        waiters.add(done);
      });
    }
  }

  return {
    url: `http://127.0.0.1:${port}`,
    holds,
    get oks() {
      return oks;
    },
    waitForHold: (n, timeoutMs) => until(() => holds[n - 1], timeoutMs, `request #${n} to /hold`),
    waitForClose: async (r, timeoutMs) => {
      await until(() => (r.closedAt === undefined ? undefined : true), timeoutMs, "close of the held request");
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
