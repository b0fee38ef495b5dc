import "server-only";
import { insideProbe } from "@/lib/http/probe";
import { randomUUID } from "node:crypto";
import { DelegateBackoff, ExponentialBackoff, handleWhen, isBrokenCircuitError, retry, type IBackoff, type IRetryBackoffContext } from "cockatiel";
import type { Dispatcher } from "undici";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { agentFor } from "@/lib/http/agent";
import { BREAKER_FAILURES, breakerFor, breakerRetryAfterSeconds } from "@/lib/http/breaker";
import { EgressError, isEgressError, type EgressErrorKind } from "@/lib/http/errors";
import { emitEgressResult } from "@/lib/http/events";
import { egressDuration, egressRequests, type EgressOutcome } from "@/lib/http/metrics";
import { checkLiteral, egressPolicy, parseEgressUrl, type EgressPolicy } from "@/lib/http/ssrf";
import { acquireSlot, noteRateHeaders } from "@/lib/http/throttle";

export { EgressError, isEgressError, type EgressErrorKind } from "@/lib/http/errors";
export { breakerState, breakerStates, type BreakerState } from "@/lib/http/breaker";
export { onBreakerChange, onEgressResult, type EgressResultEvent } from "@/lib/http/events";
export { insideProbe, runAsProbe } from "@/lib/http/probe";
export { configureThrottle, throttleRate } from "@/lib/http/throttle";

export type EgressOptions = {
  /** Default GET. */
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | URLSearchParams;
  /** Deadline for the whole call: every attempt, redirect, Retry-After wait and the body. Default 15 s, max 120 s. */
  timeoutMs?: number;
  /** Default 2 for GET/HEAD/OPTIONS/PUT/DELETE, 0 otherwise (POST, PATCH…); max 5. */
  retries?: number;
  /** Which statuses are retried. Default 429, 502, 503, 504. */
  retryOn?: (status: number) => boolean;
  /** Default 5 MiB (hard max 100 MiB). A longer body aborts the call with EgressError "too_large". */
  maxResponseBytes?: number;
  /** "error" (default): a 3xx is returned as the response. "follow": up to 5 hops, each one checked by the guard. */
  redirect?: "error" | "follow";
  /** Private targets this call may reach: hostnames ("jira.internal"), IPs, or CIDRs ("10.0.0.0/8", "fd00::/8"). */
  allowPrivate?: readonly string[];
  /**
   * One circuit breaker per key (e.g. the connection id). Without a key, no breaker. The same key
   * names the connection's proactive throttle (configureThrottle) and its rate-header pauses.
   */
  breakerKey?: string;
  log?: { providerKey?: string; connectionId?: string | null; orgId?: string | null };
  signal?: AbortSignal;
};

export type EgressResponse = {
  /** The final URL (after redirects, when followed). */
  url: string;
  status: number;
  headers: Headers;
  body: Buffer;
  /** Duration of the whole call, retries included. */
  ms: number;
  attempts: number;
  /** The body as UTF-8. */
  text(): string;
  /** The body parsed as JSON; AppError "upstream_error" when it is not JSON. */
  json<T = unknown>(): T;
};

const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_TIMEOUT_MS = 120_000;
const MAX_RETRIES = 5;
const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
const HARD_MAX_BYTES = 100 * 1024 * 1024;
const MAX_REDIRECTS = 5;
const MAX_RETRY_AFTER_MS = 30_000;
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const defaultRetryOn = (status: number) => status === 429 || status === 502 || status === 503 || status === 504;

/** One finished HTTP exchange (final hop, body read). */
type Exchange = { url: URL; status: number; headers: Headers; body: Buffer };

class OutOfTime extends Error {}

function clampInt(value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(value)));
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(2))} s`;
}

function mebibytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Number((bytes / 1024 / 1024).toFixed(1))} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/** scheme://host/path: no credentials, no query string, no fragment (they carry tokens). */
function loggableUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      try {
        headers.append(name, v);
      } catch {
        // A header value fetch's Headers refuses (bad bytes) is dropped rather than failing the call.
      }
    }
  }
  return headers;
}

/** Retry-After in ms (delta-seconds or HTTP date), honoured on 429 and 503 only. */
function retryAfterMs(exchange: Exchange): number | undefined {
  if (exchange.status !== 429 && exchange.status !== 503) return undefined;
  const value = exchange.headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const NETWORK_MESSAGES: Record<string, string> = {
  ECONNREFUSED: "refused the connection",
  ECONNRESET: "closed the connection unexpectedly",
  EPIPE: "closed the connection unexpectedly",
  UND_ERR_SOCKET: "closed the connection unexpectedly",
  UND_ERR_CLOSED: "closed the connection unexpectedly",
  EHOSTUNREACH: "is unreachable from this server",
  ENETUNREACH: "is unreachable from this server",
  EADDRNOTAVAIL: "is unreachable from this server",
  ETIMEDOUT: "did not accept the connection in time",
  UND_ERR_CONNECT_TIMEOUT: "did not accept the connection in time",
  UND_ERR_HEADERS_TIMEOUT: "did not answer in time",
  UND_ERR_BODY_TIMEOUT: "stopped sending its answer",
  HPE_INVALID_CONSTANT: "sent an invalid HTTP response",
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: "sent a truncated response",
};

/** DNS failures and certificate problems are not fixed by trying again at once. */
const NOT_RETRIED = /^(ENOTFOUND|ENODATA|CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH)/;

function networkError(host: string, cause: unknown): EgressError | undefined {
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code !== "string") return undefined;
  if (/^(CERT_|ERR_TLS_CERT|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH)/.test(code)) {
    return new EgressError("network", `The TLS certificate of ${host} is not valid (${code}).`, { host, cause });
  }
  if (/^(ERR_SSL_|ERR_TLS_)/.test(code)) return new EgressError("network", `The TLS handshake with ${host} failed (${code}).`, { host, cause });
  const why = NETWORK_MESSAGES[code];
  if (why) return new EgressError("network", `${host} ${why}.`, { host, cause });
  if (/^(E[A-Z]+|UND_ERR_[A-Z_]+|HPE_[A-Z_]+)$/.test(code) && code !== "UND_ERR_INVALID_ARG" && code !== "UND_ERR_ABORTED") {
    return new EgressError("network", `Could not reach ${host} (${code}).`, { host, cause });
  }
  return undefined;
}

function isRetriedError(e: unknown): boolean {
  if (!isEgressError(e) || e.kind !== "network") return false;
  const code = (e.cause as { code?: unknown } | undefined)?.code;
  return !(typeof code === "string" && NOT_RETRIED.test(code));
}

function outcomeOf(kind: EgressErrorKind): EgressOutcome {
  switch (kind) {
    case "timeout":
    case "network":
    case "too_large":
    case "circuit_open":
      return kind;
    default:
      return "blocked"; // blocked, redirect_blocked, bad_url: refused before anything was sent there
  }
}

async function readBody(body: Dispatcher.ResponseData["body"], declared: string | undefined, maxBytes: number, host: string): Promise<Buffer> {
  const tooLarge = () => new EgressError("too_large", `The response from ${host} is larger than ${mebibytes(maxBytes)}; Patchbay stopped reading it.`, { host });
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > maxBytes) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}

function makeResponse(exchange: Exchange, ms: number, attempts: number): EgressResponse {
  const { body } = exchange;
  const host = exchange.url.hostname;
  return {
    url: exchange.url.href,
    status: exchange.status,
    headers: exchange.headers,
    body,
    ms,
    attempts,
    text: () => body.toString("utf8"),
    json: <T = unknown>(): T => {
      try {
        return JSON.parse(body.toString("utf8")) as T;
      } catch {
        throw new AppError("upstream_error", `The response from ${host} is not valid JSON (status ${exchange.status}).`);
      }
    },
  };
}

type CallContext = {
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  follow: boolean;
  maxBytes: number;
  policy: EgressPolicy;
  signal: AbortSignal;
  /** Maps an error that surfaced while the call's signal was aborted to timeout / the caller's reason. */
  abortError: () => unknown;
};

/** One attempt: the request, and each redirect hop when following. */
async function exchange(start: URL, ctx: CallContext): Promise<Exchange> {
  let url = start;
  let method = ctx.method;
  let body = ctx.body;
  let headers = { ...ctx.headers };
  for (let hop = 0; ; hop++) {
    const host = url.hostname;
    try {
      if (hop > 0) checkLiteral(url.hostname, ctx.policy);
      const res = await agentFor(ctx.policy).request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: method as Dispatcher.HttpMethod,
        headers,
        body: body ?? null,
        signal: ctx.signal,
      });
      const location = headerValue(res.headers, "location");
      if (!ctx.follow || !REDIRECTS.has(res.statusCode) || !location) {
        const data = await readBody(res.body, headerValue(res.headers, "content-length"), ctx.maxBytes, host);
        return { url, status: res.statusCode, headers: toHeaders(res.headers), body: data };
      }
      await res.body.dump().catch(() => undefined);
      if (hop >= MAX_REDIRECTS) {
        throw new EgressError("redirect_blocked", `${start.hostname} redirected more than ${MAX_REDIRECTS} times; Patchbay stopped following.`, { host });
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new EgressError("redirect_blocked", `${host} redirected to an invalid address.`, { host });
      }
      if (next.protocol !== "http:" && next.protocol !== "https:") {
        throw new EgressError("redirect_blocked", `${host} redirected to a ${next.protocol.replace(/:$/, "")} address; only http and https are followed.`, { host });
      }
      if (next.username || next.password) {
        throw new EgressError("redirect_blocked", `${host} redirected to an address with embedded credentials.`, { host });
      }
      // Fetch semantics: 303 (and 301/302 after POST) continue as GET without a body.
      if ((res.statusCode === 303 && method !== "GET" && method !== "HEAD") || ((res.statusCode === 301 || res.statusCode === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !k.startsWith("content-")));
      }
      // Credentials never follow a redirect to another origin.
      if (next.origin !== url.origin) {
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== "authorization" && k !== "cookie" && k !== "proxy-authorization"));
      }
      url = next;
    } catch (e) {
      if (ctx.signal.aborted) throw ctx.abortError();
      if (isEgressError(e)) {
        if (hop > 0 && e.kind === "blocked") {
          throw new EgressError("redirect_blocked", `Blocked redirect from ${start.hostname}: ${e.message.replace(/^Blocked: /, "")}`, { host, cause: e });
        }
        throw e;
      }
      throw networkError(host, e) ?? e;
    }
  }
}

/**
 * The one way Patchbay calls out over HTTP. Non-2xx responses are returned; only transport-level problems
 * throw EgressError (blocked, timeout, network, too_large, circuit_open, redirect_blocked, bad_url). If
 * `opts.signal` aborts, its reason is thrown.
 */
export async function egressFetch(input: string | URL, opts: EgressOptions = {}): Promise<EgressResponse> {
  const started = performance.now();
  const method = (opts.method ?? "GET").toUpperCase();
  const timeoutMs = clampInt(opts.timeoutMs, DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS);
  const retries = clampInt(opts.retries, IDEMPOTENT.has(method) ? 2 : 0, 0, MAX_RETRIES);
  const retryOn = opts.retryOn ?? defaultRetryOn;
  const maxBytes = clampInt(opts.maxResponseBytes, DEFAULT_MAX_BYTES, 0, HARD_MAX_BYTES);
  const provider = opts.log?.providerKey ?? "unknown";
  const connectionId = opts.log?.connectionId ?? null;

  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
  const requestId = (headers["x-request-id"] ??= randomUUID());
  headers["user-agent"] ??= "Patchbay";
  let body: string | Uint8Array | undefined;
  if (opts.body instanceof URLSearchParams) {
    body = opts.body.toString();
    headers["content-type"] ??= "application/x-www-form-urlencoded;charset=UTF-8";
  } else if (typeof opts.body === "string") {
    body = opts.body;
    headers["content-type"] ??= "text/plain;charset=UTF-8";
  } else {
    body = opts.body;
  }

  let attempts = 0;
  let displayHost = "the service";
  let logUrl: string | undefined;

  // One deadline for the whole call; the caller's signal aborts it too.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new OutOfTime());
  }, timeoutMs);
  const onCallerAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onCallerAbort();
  else opts.signal?.addEventListener("abort", onCallerAbort, { once: true });
  const deadline = Date.now() + timeoutMs;
  const abortError = (): unknown =>
    timedOut ? new EgressError("timeout", `No response from ${displayHost} within ${seconds(timeoutMs)}.`, { host: displayHost }) : opts.signal?.reason;

  const finish = (outcome: EgressOutcome, fields: { status?: number; kind?: string; bytes?: number; error?: string }) => {
    const ms = Math.round(performance.now() - started);
    egressRequests.inc({ provider, outcome });
    egressDuration.observe({ provider }, ms / 1000);
    const integration = { provider, connectionId, orgId: opts.log?.orgId ?? null, method, url: logUrl, requestId, outcome, attempts, ms, ...fields };
    if (fields.kind) logger.warn({ integration }, `[integration] provider=${provider} error=${fields.kind} ms=${ms}`);
    else logger.info({ integration }, `[integration] provider=${provider} status=${fields.status} ms=${ms}`);
    emitEgressResult({
      breakerKey: opts.breakerKey,
      connectionId,
      ok: fields.status !== undefined && fields.status < 500,
      status: fields.status,
      kind: fields.kind,
      ms,
    });
    return ms;
  };

  try {
    const url = parseEgressUrl(input);
    displayHost = url.hostname;
    logUrl = loggableUrl(url);
    const policy = egressPolicy(opts.allowPrivate);
    checkLiteral(url.hostname, policy); // fail fast on private IP literals; the connector checks again
    if (controller.signal.aborted) throw abortError();

    const ctx: CallContext = { method, headers, body, follow: opts.redirect === "follow", maxBytes, policy, signal: controller.signal, abortError };
    let last: { value: Exchange } | { error: unknown } | undefined;
    let outOfTime = false;
    let inFlight = false;
    const attempt = async (): Promise<Exchange> => {
      // Every attempt (retries included) takes a slot of the connection's request budget.
      if (opts.breakerKey) await acquireSlot(opts.breakerKey, controller.signal);
      attempts++;
      inFlight = true;
      try {
        const value = await exchange(url, ctx);
        if (opts.breakerKey) noteRateHeaders(opts.breakerKey, value.headers);
        last = { value };
        return value;
      } catch (error) {
        last = { error };
        throw error;
      } finally {
        inFlight = false;
      }
    };
    // A health check is the probe that tells whether the service is back: it is not refused by an
    // open breaker (its success resets the breaker, see resetBreaker).
    const breaker = opts.breakerKey && !insideProbe() ? breakerFor(opts.breakerKey) : undefined;
    // Checked outside the breaker: an attempt that never starts is neither a failure nor a success.
    const guarded = async (): Promise<Exchange> => {
      if (outOfTime) throw new OutOfTime();
      if (controller.signal.aborted) throw abortError();
      return breaker ? breaker.policy.execute(attempt) : attempt();
    };

    const expo = new ExponentialBackoff({ initialDelay: 200, maxDelay: 10_000 });
    const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown>>((context, previous) => {
      const next = previous ? previous.next(context) : expo.next();
      let delay = next.duration;
      if ("value" in context.result) {
        const after = retryAfterMs(context.result.value as Exchange);
        if (after !== undefined) delay = Math.min(after, MAX_RETRY_AFTER_MS);
      }
      // A wait that would run past the deadline is not taken: the last answer is returned instead.
      if (delay >= deadline - Date.now()) {
        outOfTime = true;
        delay = 0;
      }
      return { delay, state: next };
    });
    const retryPolicy = retry(
      handleWhen(isRetriedError).orWhenResult((r) => retryOn((r as Exchange).status)),
      { maxAttempts: retries, backoff },
    );

    let result: Exchange;
    try {
      // An attempt in flight ends by itself on abort (undici honours the signal) and is counted by the
      // breaker; a retry wait (not abortable in cockatiel) is cut short here.
      result = await abortableWait(retryPolicy.execute(guarded, controller.signal), controller.signal, () => inFlight);
    } catch (e) {
      if (e instanceof OutOfTime && !timedOut && last) {
        if ("value" in last) result = last.value;
        else throw last.error;
      } else if (controller.signal.aborted && !isEgressError(e)) {
        throw abortError();
      } else if (isBrokenCircuitError(e)) {
        const after = breakerRetryAfterSeconds(opts.breakerKey!);
        throw new EgressError(
          "circuit_open",
          `Calls to ${displayHost} are paused after ${BREAKER_FAILURES} failures in a row; Patchbay tries again in ${after} s.`,
          { host: displayHost, retryAfterSeconds: after },
        );
      } else {
        throw e;
      }
    }

    const ms = finish(`${Math.floor(result.status / 100)}xx` as EgressOutcome, { status: result.status, bytes: result.body.length });
    return makeResponse(result, ms, attempts);
  } catch (e) {
    if (isEgressError(e)) {
      finish(outcomeOf(e.kind), { kind: e.kind, error: e.message });
    } else if (opts.signal?.aborted && e === opts.signal.reason) {
      finish("aborted", { kind: "aborted" });
    } else {
      finish("network", { kind: "unexpected" });
    }
    throw e;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onCallerAbort);
  }
}

/** Settles with `promise`, or rejects when `signal` aborts while no attempt is in flight (during a retry wait). */
function abortableWait<T>(promise: Promise<T>, signal: AbortSignal, inFlight: () => boolean): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      if (inFlight()) return;
      promise.catch(() => undefined);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
