// An open-loop load at a fixed rate: request i is due at start + i / rate, whatever happened to the
// ones before it, and its latency is counted from when it was due (so a stalled server or a late
// generator shows up in the figures instead of lowering the rate: no coordinated omission).
// autocannon's `overallRate` is not this: each connection sends its per-second quota back to back at
// the start of every second and then waits, so its latencies are those of one-second bursts at full
// concurrency (a bare node:http server that answers at once shows p99 20-45 ms with it at 300 req/s).
import { Pool } from "undici";
import { percentile } from "./report";

export type PacedRequest = { method: "GET" | "POST"; path: string; headers?: Record<string, string>; body?: string };

export type PacedResult = {
  /** Requests that got a response, per second of the run. */
  rate: number;
  sent: number;
  latencies: number[];
  /** [due offset from the start (ms), latency (ms)] per answered request. */
  timeline: [number, number][];
  p50: number;
  p99: number;
  max: number;
  statusCodes: Map<number, number>;
  errors: number;
  /** How late the generator itself sent requests (its own scheduling delay), p99, ms. */
  sendLagP99: number;
};

export async function pacedLoad(opts: { origin: string; rate: number; seconds: number; connections?: number; next: () => PacedRequest }): Promise<PacedResult> {
  const pool = new Pool(opts.origin, { connections: opts.connections ?? 64, pipelining: 1, keepAliveTimeout: 30_000 });
  const interval = 1000 / opts.rate;
  const total = Math.round(opts.rate * opts.seconds);
  const latencies: number[] = [];
  const timeline: [number, number][] = [];
  const lags: number[] = [];
  const statusCodes = new Map<number, number>();
  let errors = 0;
  let sent = 0;
  const inflight = new Set<Promise<void>>();
  const start = performance.now() + 20;
  const fire = (due: number) => {
    const req = opts.next();
    lags.push(performance.now() - due);
    const p = pool
      .request({ method: req.method, path: req.path, headers: req.headers, body: req.body })
      .then(async (res) => {
        await res.body.dump();
        latencies.push(performance.now() - due);
        timeline.push([due - start, performance.now() - due]);
        statusCodes.set(res.statusCode, (statusCodes.get(res.statusCode) ?? 0) + 1);
      })
      .catch(() => {
        errors++;
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) fire(start + sent++ * interval);
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  await Promise.all(inflight);
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  return {
    rate: latencies.length / elapsed,
    sent,
    latencies,
    timeline,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(0, ...latencies),
    statusCodes,
    errors,
    sendLagP99: percentile(lags, 99),
  };
}
