import "server-only";

/**
 * Proactive per-connection throttle: a token bucket keyed by the connection id (egressFetch's
 * breakerKey), so a sync, a "Test" and the platform's own client calls on one connection share one
 * budget. The rate comes from integrations.requests_per_second when a connection context is built
 * (configureThrottle). Providers' rate headers (remaining = 0 with a reset) pause the bucket until
 * the reset. Process-local on globalThis: it paces this process; the provider's 429 + Retry-After
 * (honoured by egressFetch) is the cross-process backstop.
 */
type Bucket = { rps: number | null; tokens: number; last: number; pausedUntil: number; queue: Promise<void> };
type GlobalWithThrottle = typeof globalThis & { __patchbayThrottle?: Map<string, Bucket> };
const buckets = ((globalThis as GlobalWithThrottle).__patchbayThrottle ??= new Map());

const MAX_PAUSE_MS = 60_000;

function bucketFor(key: string): Bucket {
  let b = buckets.get(key);
  if (!b) {
    b = { rps: null, tokens: 1, last: Date.now(), pausedUntil: 0, queue: Promise.resolve() };
    buckets.set(key, b);
  }
  return b;
}

/** Set (or clear, with null/0) a connection's requests-per-second budget. Burst: one second's worth, at least 1. */
export function configureThrottle(key: string, rps: number | null | undefined): void {
  const b = bucketFor(key);
  const next = rps && rps > 0 && Number.isFinite(rps) ? rps : null;
  if (b.rps === next) return;
  b.rps = next;
  b.tokens = Math.min(b.tokens, next ? Math.max(1, next) : 1);
}

export function throttleRate(key: string): number | null {
  return buckets.get(key)?.rps ?? null;
}

/** setTimeout as a promise that rejects with the signal's reason when it is aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Wait for this connection's next request slot (callers queue in order). No rate and no pause: immediate. */
export function acquireSlot(key: string, signal?: AbortSignal): Promise<void> {
  const b = buckets.get(key);
  if (!b || (b.rps === null && b.pausedUntil <= Date.now())) return Promise.resolve();
  const turn = b.queue.then(async () => {
    const pause = b.pausedUntil - Date.now();
    if (pause > 0) await sleep(pause, signal);
    if (b.rps === null) return;
    const burst = Math.max(1, b.rps);
    const now = Date.now();
    b.tokens = Math.min(burst, b.tokens + ((now - b.last) / 1000) * b.rps);
    b.last = now;
    if (b.tokens < 1) {
      const wait = Math.ceil(((1 - b.tokens) / b.rps) * 1000);
      await sleep(wait, signal);
      b.tokens = 1;
      b.last = Date.now();
    }
    b.tokens -= 1;
  });
  // A caller that gave up must not block the ones queued behind it.
  b.queue = turn.catch(() => undefined);
  return turn;
}

/**
 * Provider rate headers on any answer: HubSpot's X-HubSpot-RateLimit-Remaining with
 * -Interval-Milliseconds, or the common X-RateLimit-Remaining / RateLimit-Remaining with a reset
 * (seconds to wait, or an epoch second). Remaining 0 pauses the connection's calls until then.
 */
export function noteRateHeaders(key: string, headers: Headers): void {
  const remaining = headers.get("x-hubspot-ratelimit-remaining") ?? headers.get("x-ratelimit-remaining") ?? headers.get("ratelimit-remaining");
  if (remaining === null || Number(remaining.trim()) > 0) return;
  let waitMs: number | undefined;
  const interval = headers.get("x-hubspot-ratelimit-interval-milliseconds");
  const reset = headers.get("x-ratelimit-reset") ?? headers.get("ratelimit-reset");
  if (interval && /^\d+$/.test(interval.trim())) waitMs = Number(interval.trim());
  else if (reset && /^\d+(\.\d+)?$/.test(reset.trim())) {
    const n = Number(reset.trim());
    // Epoch seconds (GitHub style) or seconds from now (IETF draft / most others).
    waitMs = n > 1_000_000_000 ? n * 1000 - Date.now() : n * 1000;
  } else waitMs = 1000;
  if (!(waitMs > 0)) return;
  const b = bucketFor(key);
  b.pausedUntil = Math.max(b.pausedUntil, Date.now() + Math.min(waitMs, MAX_PAUSE_MS));
}

/** Tests only. */
export function resetThrottleForTests(): void {
  buckets.clear();
}
