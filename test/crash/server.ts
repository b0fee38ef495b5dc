/**
 * The webhook server of the crash test, run as its own process (in its own process group):
 *   node_modules/.bin/tsx --conditions=react-server --tsconfig tsconfig.json test/crash/server.ts
 * with DATABASE_URL, PATCHBAY_MASTER_KEYS, AUTH_SECRET and PATCHBAY_DISABLE_WORKERS=true.
 *
 * Not a `next start` server (that needs a production build, which CI makes only after the
 * integration tests). It runs the real start-up (lib/boot.ts) and serves the REAL route handler,
 * the `POST` exported by app/api/webhooks/[connectionId]/route.ts, behind a plain node:http server:
 * each request becomes a web `Request` (method, URL on this server's host, headers, streamed body),
 * and the handler's `Response` is written back. Next's own HTTP layer (its request parsing,
 * routing and response streaming) is NOT in the loop; everything from the handler down is.
 *
 * Only POST /api/webhooks/{connectionId} is served. On stdout, besides the app's own log lines:
 * {"crash":true,"event":"ready","port":<port>,"pid":<pid>} once booted and listening.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { POST } from "@/app/api/webhooks/[connectionId]/route";
import { boot } from "@/lib/boot";

const ROUTE = /^\/api\/webhooks\/([^/?#]+)$/;

function toRequest(req: IncomingMessage, port: number): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url ?? "/", `http://127.0.0.1:${port}`), {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    duplex: "half",
  } as RequestInit);
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(body);
}

async function handle(req: IncomingMessage, res: ServerResponse, port: number): Promise<void> {
  const path = new URL(req.url ?? "/", "http://x").pathname;
  const match = ROUTE.exec(path);
  if (!match) return send(res, Response.json({ error: "not_found" }, { status: 404 }));
  if (req.method !== "POST") return send(res, Response.json({ error: "method_not_allowed" }, { status: 405 }));
  const response = await POST(toRequest(req, port), { params: Promise.resolve({ connectionId: decodeURIComponent(match[1]!) }) });
  await send(res, response);
}

// The test process going away (its end of the pipe closes) ends this one too.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();

await boot();
const server = createServer((req, res) => {
  const port = (server.address() as AddressInfo).port;
  handle(req, res, port).catch((err: Error) => {
    // A handler that throws is a bug the test must see: a 500, never a 2xx.
    process.stdout.write(`${JSON.stringify({ crash: true, event: "handler-error", error: err.message })}\n`);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ crash: true, event: "ready", port, pid: process.pid })}\n`);
});
