import http from "node:http";
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { breakerState, breakerStates, EgressError, egressFetch, onEgressResult, type EgressResultEvent } from "@/lib/http";
import { assertPublicHost } from "@/lib/http/ssrf";
import { resetEgressForTests, setEgressTestHooks, type LookupAddress } from "@/lib/http/testing";
import { logger } from "@/lib/logger";
import { metricsRegistry } from "@/lib/metrics/registry";

// Every request in this file goes to a node:http server on 127.0.0.1. Fake host names resolve through the
// lookup hook, which never answers the connect phase with anything but 127.0.0.1.

type Hit = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };
let hits: Hit[] = [];
let handler: (req: http.IncomingMessage, res: http.ServerResponse, hit: Hit) => void = (_req, res) => res.end("ok");
let port = 0;
let base = "";
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const hit = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString() };
    hits.push(hit);
    handler(req, res, hit);
  });
});

const loopbackOnly = async (host: string): Promise<LookupAddress[]> => {
  if (host.endsWith(".test")) return [{ address: "127.0.0.1", family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
};

const savedFlag = process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;
function setAllowPrivateEgress(value: boolean) {
  process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS = value ? "true" : "false";
  resetEnvForTests();
}

const savedLevel = logger.level;
beforeAll(async () => {
  logger.level = "silent"; // the log line itself is asserted through a spy below
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  logger.level = savedLevel;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  if (savedFlag === undefined) delete process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;
  else process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS = savedFlag;
  resetEnvForTests();
});
beforeEach(async () => {
  hits = [];
  handler = (_req, res) => res.end("ok");
  setAllowPrivateEgress(true);
  await setEgressTestHooks({ lookup: loopbackOnly });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await resetEgressForTests();
  server.closeAllConnections();
});

async function failure(p: Promise<unknown>): Promise<EgressError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof EgressError)) throw new Error(`expected an EgressError, got ${e === undefined ? "a response" : String(e)}`);
  return e;
}

describe("egressFetch: responses", () => {
  it("returns the response with body, headers, timing and a correlation id", async () => {
    handler = (_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ hello: "world" }));
    };
    const res = await egressFetch(`${base}/things?x=1`, { log: { providerKey: "test-ok" } });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ hello: "world" });
    expect(res.text()).toBe('{"hello":"world"}');
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.attempts).toBe(1);
    expect(res.ms).toBeGreaterThanOrEqual(0);
    expect(res.url).toBe(`${base}/things?x=1`);
    expect(hits[0]!.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(await metricsRegistry.getSingleMetricAsString("patchbay_egress_requests_total")).toContain('provider="test-ok",outcome="2xx"} 1');
  });

  it("keeps a caller's x-request-id and sends form bodies with their content type", async () => {
    await egressFetch(`${base}/form`, { method: "POST", headers: { "X-Request-Id": "abc-123" }, body: new URLSearchParams({ a: "1", b: "x y" }) });
    expect(hits[0]!.headers["x-request-id"]).toBe("abc-123");
    expect(hits[0]!.headers["content-type"]).toBe("application/x-www-form-urlencoded;charset=UTF-8");
    expect(hits[0]!.body).toBe("a=1&b=x+y");
  });

  it("returns non-2xx responses instead of throwing", async () => {
    handler = (_req, res) => {
      res.statusCode = 404;
      res.end('{"error":"nope"}');
    };
    const res = await egressFetch(`${base}/missing`);
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ error: "nope" });
    expect(res.attempts).toBe(1);
  });

  it("logs one line per call without query string, headers or body", async () => {
    const info = vi.spyOn(logger, "info");
    await egressFetch(`${base}/p/a?token=SECRET`, { headers: { authorization: "Bearer SECRET" }, log: { providerKey: "slack", connectionId: "c1", orgId: "o1" } });
    const calls = info.mock.calls.filter((c) => String(c[1]).startsWith("[integration]"));
    expect(calls).toHaveLength(1);
    const [fields, message] = calls[0] as unknown as [{ integration: Record<string, unknown> }, string];
    expect(message).toMatch(/^\[integration\] provider=slack status=200 ms=\d+$/);
    expect(fields.integration).toMatchObject({ provider: "slack", connectionId: "c1", orgId: "o1", status: 200, attempts: 1, bytes: 2, url: `${base}/p/a` });
    expect(JSON.stringify(fields)).not.toContain("SECRET");
  });

  it("tells subscribers about every call", async () => {
    const events: EgressResultEvent[] = [];
    const off = onEgressResult((e) => events.push(e));
    handler = (_req, res) => {
      res.statusCode = 502;
      res.end();
    };
    await egressFetch(`${base}/`, { retries: 0, breakerKey: "sub-1", log: { connectionId: "c9" } });
    off();
    await egressFetch(`${base}/`, { retries: 0 });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ breakerKey: "sub-1", connectionId: "c9", ok: false, status: 502 });
  });

  it("refuses non-http URLs and embedded credentials", async () => {
    expect((await failure(egressFetch("ftp://127.0.0.1/"))).kind).toBe("bad_url");
    expect((await failure(egressFetch(`http://user:pw@127.0.0.1:${port}/`))).kind).toBe("bad_url");
    expect(hits).toHaveLength(0);
  });
});

describe("egressFetch: retries", () => {
  it("honours Retry-After on 429: one retry after about a second", async () => {
    handler = (_req, res) => {
      if (hits.length === 1) {
        res.writeHead(429, { "retry-after": "1" });
        res.end("slow down");
      } else res.end("ok");
    };
    const t0 = Date.now();
    const res = await egressFetch(`${base}/limited`);
    const waited = Date.now() - t0;
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(2);
    expect(hits).toHaveLength(2);
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(2500);
  });

  it("does not wait past the deadline: a Retry-After longer than the time left returns the 429", async () => {
    handler = (_req, res) => {
      res.writeHead(429, { "retry-after": "10" });
      res.end();
    };
    const t0 = Date.now();
    const res = await egressFetch(`${base}/limited`, { timeoutMs: 2_000 });
    expect(res.status).toBe(429);
    expect(res.attempts).toBe(1);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it("gives up after the retries and returns the last 503", async () => {
    handler = (_req, res) => {
      res.statusCode = 503;
      res.end("down");
    };
    const res = await egressFetch(`${base}/down`);
    expect(res.status).toBe(503);
    expect(res.text()).toBe("down");
    expect(res.attempts).toBe(3);
    expect(hits).toHaveLength(3);
  });

  it("never retries POST unless retries is given", async () => {
    handler = (_req, res) => {
      res.statusCode = 503;
      res.end();
    };
    const res = await egressFetch(`${base}/create`, { method: "POST", body: "{}" });
    expect(res.status).toBe(503);
    expect(res.attempts).toBe(1);
    expect(hits).toHaveLength(1);

    hits = [];
    const again = await egressFetch(`${base}/create`, { method: "POST", body: "{}", retries: 1 });
    expect(again.attempts).toBe(2);
    expect(hits).toHaveLength(2);
  });

  it("retries connection failures for idempotent methods, then throws a network error", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await failure(egressFetch(`http://127.0.0.1:${closedPort}/`, { retries: 1 }));
    expect(err.kind).toBe("network");
    expect(err.message).toBe("127.0.0.1 refused the connection.");
  });
});

describe("egressFetch: limits", () => {
  it("times out with a plain message when the server does not answer", async () => {
    handler = () => undefined; // never answers
    const t0 = Date.now();
    const err = await failure(egressFetch(`${base}/hang`, { timeoutMs: 300 }));
    expect(err.kind).toBe("timeout");
    expect(err.message).toBe("No response from 127.0.0.1 within 0.3 s.");
    expect(Date.now() - t0).toBeLessThan(1_500);
  });

  it("times out while the body is still streaming (the deadline covers the body)", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("partial");
    };
    const err = await failure(egressFetch(`${base}/trickle`, { timeoutMs: 300 }));
    expect(err.kind).toBe("timeout");
  });

  it("aborts an oversized body (declared length)", async () => {
    handler = (_req, res) => res.end(Buffer.alloc(2 * 1024 * 1024));
    const err = await failure(egressFetch(`${base}/big`, { maxResponseBytes: 1024 * 1024 }));
    expect(err.kind).toBe("too_large");
    expect(err.message).toContain("larger than 1 MiB");
  });

  it("aborts an oversized body while streaming (no declared length)", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "transfer-encoding": "chunked" });
      const chunk = Buffer.alloc(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < 100 && res.write(chunk)) sent++;
        if (sent < 100) res.once("drain", pump);
        else res.end();
      };
      pump();
    };
    const err = await failure(egressFetch(`${base}/stream`, { maxResponseBytes: 256 * 1024 }));
    expect(err.kind).toBe("too_large");
  });

  it("throws the caller's abort reason when the caller aborts", async () => {
    handler = () => undefined;
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user left")), 100);
    await expect(egressFetch(`${base}/hang`, { signal: controller.signal })).rejects.toThrow("user left");
  });
});

describe("egressFetch: redirects", () => {
  it('returns a 3xx as-is with redirect "error" (the default)', async () => {
    handler = (_req, res) => {
      res.writeHead(302, { location: "/elsewhere" });
      res.end();
    };
    const res = await egressFetch(`${base}/moved`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/elsewhere");
    expect(hits).toHaveLength(1);
  });

  it('follows with redirect "follow", dropping credentials across origins', async () => {
    handler = (req, res) => {
      if (req.url === "/start") {
        res.writeHead(302, { location: `http://other.test:${port}/end` });
        res.end();
      } else res.end("arrived");
    };
    const res = await egressFetch(`http://api.test:${port}/start`, { redirect: "follow", headers: { authorization: "Bearer t" } });
    expect(res.status).toBe(200);
    expect(res.text()).toBe("arrived");
    expect(res.url).toBe(`http://other.test:${port}/end`);
    expect(hits[0]!.headers.authorization).toBe("Bearer t");
    expect(hits[1]!.headers.authorization).toBeUndefined();
  });

  it("stops after 5 hops", async () => {
    handler = (_req, res) => {
      res.writeHead(302, { location: `/hop${hits.length}` });
      res.end();
    };
    const err = await failure(egressFetch(`${base}/loop`, { redirect: "follow" }));
    expect(err.kind).toBe("redirect_blocked");
    expect(hits).toHaveLength(6);
  });

  it("re-checks every hop: a redirect to a private address that is not allowed is blocked", async () => {
    setAllowPrivateEgress(false);
    handler = (req, res) => {
      if (req.url === "/start") {
        res.writeHead(302, { location: `http://127.0.0.1:${port}/secret` });
        res.end();
      } else res.end("secret");
    };
    const err = await failure(egressFetch(`http://api.test:${port}/start`, { redirect: "follow", allowPrivate: ["api.test"] }));
    expect(err.kind).toBe("redirect_blocked");
    expect(err.message).toBe("Blocked redirect from api.test: 127.0.0.1 is a private address. An owner can allow it in Settings → Network.");
    expect(hits.map((h) => h.url)).toEqual(["/start"]);
  });

  it("re-checks every hop at connect time when the target is a host name", async () => {
    setAllowPrivateEgress(false);
    handler = (req, res) => {
      if (req.url === "/start") {
        res.writeHead(307, { location: `http://internal.test:${port}/secret` });
        res.end();
      } else res.end("secret");
    };
    const err = await failure(egressFetch(`http://api.test:${port}/start`, { redirect: "follow", allowPrivate: ["api.test"] }));
    expect(err.kind).toBe("redirect_blocked");
    expect(hits.map((h) => h.url)).toEqual(["/start"]);
  });
});

describe("egressFetch: SSRF guard", () => {
  beforeEach(() => setAllowPrivateEgress(false));

  it.each(["http://127.0.0.1:PORT/", "http://2130706433:PORT/", "http://0x7f.1:PORT/", "http://0177.0.0.1:PORT/", "http://[::ffff:127.0.0.1]:PORT/", "http://localhost:PORT/", "http://loop.test:PORT/"])(
    "blocks %s without connecting",
    async (template) => {
      const err = await failure(egressFetch(template.replace("PORT", String(port))));
      expect(err.kind).toBe("blocked");
      expect(err.message).toMatch(/^Blocked: .*private address\. An owner can allow it in Settings → Network\.$/);
      expect(hits).toHaveLength(0);
    },
  );

  it("reaches an allowlisted private address", async () => {
    expect((await egressFetch(`${base}/`, { allowPrivate: ["127.0.0.1"] })).status).toBe(200);
    expect((await egressFetch(`http://loop.test:${port}/`, { allowPrivate: ["loop.test"] })).status).toBe(200);
    expect((await egressFetch(`http://loop.test:${port}/`, { allowPrivate: ["127.0.0.0/8"] })).status).toBe(200);
    expect(hits).toHaveLength(3);
  });

  it("does not reuse a connection opened under another caller's allowlist", async () => {
    expect((await egressFetch(`${base}/`, { allowPrivate: ["127.0.0.1"] })).status).toBe(200);
    expect((await failure(egressFetch(`${base}/`))).kind).toBe("blocked");
    expect((await failure(egressFetch(`http://loop.test:${port}/`, { allowPrivate: ["other.test"] }))).kind).toBe("blocked");
    expect(hits).toHaveLength(1);
  });

  it("connects to the checked address but keeps the host name for TLS (SNI and certificate check)", async () => {
    let servername: string | undefined;
    const tlsServer = tls.createServer({
      SNICallback: (name, cb) => {
        servername = name;
        cb(new Error("no certificate here"), undefined);
      },
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
    const tlsPort = (tlsServer.address() as AddressInfo).port;
    try {
      const err = await failure(egressFetch(`https://secure.test:${tlsPort}/`, { allowPrivate: ["secure.test"], retries: 0 }));
      expect(err.kind).toBe("network");
      expect(servername).toBe("secure.test");
    } finally {
      await new Promise((resolve) => tlsServer.close(resolve));
    }
  });

  it("checks the address it connects to: DNS rebinding (public at check time, 127.0.0.1 at connect time) is blocked", async () => {
    const calls: string[] = [];
    await setEgressTestHooks({
      lookup: async (host, phase) => {
        calls.push(`${phase}:${host}`);
        // A rebinding DNS server: a public answer for whoever checks, loopback for whoever connects.
        return phase === "check" ? [{ address: "93.184.216.34", family: 4 }] : [{ address: "127.0.0.1", family: 4 }];
      },
    });
    await expect(assertPublicHost("rebind.test")).resolves.toEqual(["93.184.216.34"]);
    const err = await failure(egressFetch(`http://rebind.test:${port}/`));
    expect(err.kind).toBe("blocked");
    expect(err.message).toBe("Blocked: rebind.test resolves to 127.0.0.1, a private address. An owner can allow it in Settings → Network.");
    expect(calls).toEqual(["check:rebind.test", "connect:rebind.test"]);
    expect(hits).toHaveLength(0);
  });
});

describe("egressFetch: circuit breaker", () => {
  it("opens after 5 consecutive failures, fails fast without a call, and half-opens after its delay", async () => {
    await setEgressTestHooks({ halfOpenAfterMs: 300 });
    let status = 500;
    handler = (_req, res) => {
      res.statusCode = status;
      res.end();
    };
    for (let i = 0; i < 5; i++) {
      expect(breakerState("conn-b")).toBe("closed");
      expect((await egressFetch(`${base}/`, { retries: 0, breakerKey: "conn-b" })).status).toBe(500);
    }
    expect(breakerState("conn-b")).toBe("open");
    expect(breakerStates()).toMatchObject({ "conn-b": "open" });
    expect(await metricsRegistry.getSingleMetricAsString("patchbay_egress_breaker_open")).toContain('key="conn-b"} 1');

    const err = await failure(egressFetch(`${base}/`, { breakerKey: "conn-b" }));
    expect(err.kind).toBe("circuit_open");
    expect(err.details?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(hits).toHaveLength(5);
    // Other keys are not affected.
    expect((await egressFetch(`${base}/`, { retries: 0, breakerKey: "conn-other" })).status).toBe(500);
    expect(hits).toHaveLength(6);

    await new Promise((r) => setTimeout(r, 350));
    expect(breakerState("conn-b")).toBe("half-open");
    status = 200;
    expect((await egressFetch(`${base}/`, { breakerKey: "conn-b" })).status).toBe(200);
    expect(breakerState("conn-b")).toBe("closed");
    expect(await metricsRegistry.getSingleMetricAsString("patchbay_egress_breaker_open")).toContain('key="conn-b"} 0');
  });

  it("counts timeouts and connection failures, not 4xx", async () => {
    handler = (_req, res) => {
      res.statusCode = 404;
      res.end();
    };
    for (let i = 0; i < 6; i++) await egressFetch(`${base}/`, { breakerKey: "conn-4xx" });
    expect(breakerState("conn-4xx")).toBe("closed");

    handler = () => undefined;
    for (let i = 0; i < 5; i++) expect((await failure(egressFetch(`${base}/`, { breakerKey: "conn-t", timeoutMs: 50 }))).kind).toBe("timeout");
    expect(breakerState("conn-t")).toBe("open");
  });
});
