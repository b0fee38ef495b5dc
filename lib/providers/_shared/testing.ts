import http from "node:http";
import type { AddressInfo } from "node:net";
import type { TestContext } from "@/lib/catalog/define-provider";

export type FakeRequest = { method: string; path: string; url: URL; headers: http.IncomingHttpHeaders; body: string };
export type FakeReply = { status?: number; headers?: Record<string, string>; body?: string | object };
export type FakeHandler = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

/** A local HTTP peer on 127.0.0.1 that records what it received and answers with `handler`. */
export async function startFake(handler: FakeHandler) {
  const requests: FakeRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const r: FakeRequest = { method: req.method ?? "GET", path: url.pathname, url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(r);
      Promise.resolve(handler(r)).then(
        (reply) => {
          const isJson = reply.body !== undefined && typeof reply.body !== "string";
          const body = isJson ? JSON.stringify(reply.body) : ((reply.body as string | undefined) ?? "");
          res.writeHead(reply.status ?? 200, { ...(isJson ? { "content-type": "application/json" } : {}), ...reply.headers });
          res.end(req.method === "HEAD" ? undefined : body);
        },
        (err: unknown) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(String(err));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function testContext(overrides: Partial<TestContext> = {}): TestContext {
  return { connectionId: null, orgId: null, signal: new AbortController().signal, allowPrivate: ["127.0.0.1"], getAccessToken: async () => "tok", ...overrides };
}

export type SeenRequest = { method: string; url: string; headers: http.IncomingHttpHeaders };
export type JsonReply = { status: number; json?: unknown; headers?: Record<string, string> };

/**
 * A fake JSON API for one test file: `reply` decides each answer, `seen` records each request
 * (cleared before every test), and the server closes after the file. Use with top-level await.
 */
export async function startJsonPeer(opts: { contentType?: string } = {}) {
  const { afterAll, beforeEach } = await import("vitest");
  const seen: SeenRequest[] = [];
  const state = { reply: ((): JsonReply => ({ status: 500 })) as (req: SeenRequest) => JsonReply };
  const fake = await startFake((req) => {
    const s: SeenRequest = { method: req.method, url: req.url.pathname + req.url.search, headers: req.headers };
    seen.push(s);
    const r = state.reply(s);
    return { status: r.status, headers: { "content-type": opts.contentType ?? "application/json", ...r.headers }, body: r.json === undefined ? "" : JSON.stringify(r.json) };
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    seen.length = 0;
  });
  return Object.assign(state, { seen, url: fake.url });
}
