// An open-loop load at a fixed rate: request i is due at start + i / rate, whatever happened to the
// ones before it, and its latency is counted from when it was due (so a stalled server or a late
// generator shows up in the figures instead of lowering the rate: no coordinated omission).
// autocannon's `overallRate` is not this: each connection sends its per-second quota back to back at
// the start of every second and then waits, so its latencies are those of one-second bursts at full
// concurrency (a bare node:http server that answers at once shows p99 20-45 ms with it at 300 req/s).
//
// The transport is HTTP/1.1 keep-alive on plain sockets with a minimal response parser (status line,
// Content-Length or chunked body), not an HTTP client library: the generator shares the machine's
// CPUs with the server it measures, and undici's per-request work (request objects, header
// validation, promises, body streams) cost about 0.5 ms of CPU per request here, which the server
// then did not get.
import net from "node:net";
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
  /** The generator's own CPU time per request (user + system), ms. */
  generatorCpuMs: number;
};

const HEADER_END = Buffer.from("\r\n\r\n");
/**
 * A connection idle this long is not reused: Node servers close kept-alive connections after 5 s
 * (keepAliveTimeout), and a request sent as that close arrives fails with ECONNRESET.
 */
const MAX_IDLE_MS = 4_000;
const CRLF = Buffer.from("\r\n");

/** One keep-alive connection: at most one request in flight (no pipelining), its response parsed as it arrives. */
class Conn {
  readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private status = 0;
  /** Body bytes still expected (Content-Length), or -1 while reading chunked framing, or null before the headers. */
  private remaining: number | null = null;
  private chunked = false;
  private close = false;
  current: { due: number; done: (status: number | null) => void } | null = null;
  dead = false;
  /** When its last response ended (performance.now()). */
  idleSince = 0;

  constructor(host: string, port: number, onFree: (c: Conn) => void, onDead: (c: Conn) => void) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on("data", (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      if (this.parse()) {
        const cur = this.current!;
        this.current = null;
        this.idleSince = performance.now();
        cur.done(this.status);
        if (this.close) this.fail();
        else onFree(this);
      }
    });
    const gone = () => {
      if (this.dead) return;
      this.dead = true;
      const cur = this.current;
      this.current = null;
      cur?.done(null);
      onDead(this);
    };
    this.socket.on("error", gone);
    this.socket.on("close", gone);
  }

  send(req: string, due: number, done: (status: number | null) => void): void {
    this.current = { due, done };
    this.remaining = null;
    this.chunked = false;
    this.close = false;
    this.socket.write(req);
  }

  private fail(): void {
    this.socket.destroy();
  }

  /** Consume what arrived; true once the whole response is in. */
  private parse(): boolean {
    if (this.remaining === null) {
      const end = this.buf.indexOf(HEADER_END);
      if (end < 0) return false;
      const head = this.buf.subarray(0, end).toString("latin1");
      this.buf = this.buf.subarray(end + 4);
      this.status = Number(head.slice(9, 12));
      const lower = head.toLowerCase();
      const length = /\r\ncontent-length:\s*(\d+)/.exec(lower);
      this.chunked = /\r\ntransfer-encoding:\s*chunked/.test(lower);
      this.close = /\r\nconnection:\s*close/.test(lower);
      this.remaining = this.chunked ? -1 : length ? Number(length[1]) : 0;
    }
    if (!this.chunked) {
      if (this.buf.length < this.remaining) return false;
      this.buf = this.buf.subarray(this.remaining);
      return true;
    }
    // Chunked: size line, data, CRLF … until the zero-size chunk and its final CRLF (no trailers).
    for (;;) {
      const eol = this.buf.indexOf(CRLF);
      if (eol < 0) return false;
      const size = parseInt(this.buf.subarray(0, eol).toString("latin1"), 16);
      if (size === 0) {
        if (this.buf.length < eol + 4) return false;
        this.buf = this.buf.subarray(eol + 4);
        return true;
      }
      if (this.buf.length < eol + 2 + size + 2) return false;
      this.buf = this.buf.subarray(eol + 2 + size + 2);
    }
  }
}

export async function pacedLoad(opts: { origin: string; rate: number; seconds: number; connections?: number; next: () => PacedRequest }): Promise<PacedResult> {
  const url = new URL(opts.origin);
  const host = url.hostname === "localhost" ? "127.0.0.1" : url.hostname;
  const port = Number(url.port || 80);
  const maxConns = opts.connections ?? 64;
  const interval = 1000 / opts.rate;
  const total = Math.round(opts.rate * opts.seconds);
  const latencies: number[] = [];
  const timeline: [number, number][] = [];
  const lags: number[] = [];
  const statusCodes = new Map<number, number>();
  let errors = 0;
  let sent = 0;
  let finished = 0;
  const idle: Conn[] = [];
  const conns = new Set<Conn>();
  const waiting: { req: string; due: number }[] = [];
  let allDone: () => void = () => {};
  const cpu0 = process.cpuUsage();
  const start = performance.now() + 20;

  const complete = (due: number, status: number | null) => {
    finished++;
    if (status === null) errors++;
    else {
      const latency = performance.now() - due;
      latencies.push(latency);
      timeline.push([due - start, latency]);
      statusCodes.set(status, (statusCodes.get(status) ?? 0) + 1);
    }
    if (sent >= total && finished >= total) allDone();
  };
  const dispatch = (conn: Conn, req: string, due: number) => conn.send(req, due, (status) => complete(due, status));
  const onFree = (conn: Conn) => {
    const w = waiting.shift();
    if (w) dispatch(conn, w.req, w.due);
    else idle.push(conn);
  };
  const onDead = (conn: Conn) => {
    conns.delete(conn);
    const i = idle.indexOf(conn);
    if (i >= 0) idle.splice(i, 1);
  };
  const encode = (r: PacedRequest): string => {
    const body = r.body ?? "";
    let head = `${r.method} ${r.path} HTTP/1.1\r\nhost: ${url.host}\r\n`;
    for (const [k, v] of Object.entries(r.headers ?? {})) if (k.toLowerCase() !== "content-length") head += `${k}: ${v}\r\n`;
    return `${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  };
  const fire = (due: number) => {
    const req = encode(opts.next());
    lags.push(performance.now() - due);
    let conn = idle.pop();
    while (conn && performance.now() - conn.idleSince > MAX_IDLE_MS) {
      conns.delete(conn);
      conn.socket.destroy();
      conn = idle.pop();
    }
    if (conn) return dispatch(conn, req, due);
    if (conns.size < maxConns) {
      const c = new Conn(host, port, onFree, onDead);
      conns.add(c);
      return dispatch(c, req, due);
    }
    waiting.push({ req, due });
  };

  const everyone = new Promise<void>((resolve) => (allDone = resolve));
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) fire(start + sent++ * interval);
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  if (finished < total) await everyone;
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  for (const c of conns) c.socket.destroy();
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
    generatorCpuMs: (cpu.user + cpu.system) / 1000 / Math.max(1, sent),
  };
}
