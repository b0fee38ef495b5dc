import "server-only";
import * as oauth from "oauth4webapi";
import { egressFetch } from "@/lib/http";
import { egressOptions, type EgressContext } from "./egress";

type FetchInit = oauth.CustomFetchOptions<string, unknown>;

function toBody(body: unknown): string | Uint8Array | URLSearchParams | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string" || body instanceof Uint8Array || body instanceof URLSearchParams) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError("Unsupported request body for an OAuth call.");
}

function toHeaders(headers: unknown): Headers {
  const out = new Headers();
  if (headers instanceof Headers) return headers;
  for (const [k, v] of Object.entries((headers ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(v)) for (const one of v) out.append(k, String(one));
    else if (v !== undefined && v !== null) out.set(k, String(v));
  }
  return out;
}

const nullBodyStatus = new Set([101, 103, 204, 205, 304]);

/**
 * oauth4webapi's `customFetch`, routed through egressFetch (SSRF guard, timeout, breaker, metrics,
 * logs). Token requests are POSTs that must not be replayed (an authorization code is single-use),
 * so only GETs (discovery, JWKS, userinfo) are retried.
 */
export function egressCustomFetch(providerKey: string, ctx: EgressContext) {
  return async (url: string, init: FetchInit): Promise<Response> => {
    const method = init.method.toUpperCase();
    const res = await egressFetch(url, {
      ...egressOptions(providerKey, ctx),
      method,
      headers: Object.fromEntries(toHeaders(init.headers)),
      body: toBody(init.body),
      retries: method === "GET" ? undefined : 0,
      signal: init.signal ?? ctx.signal,
    });
    const body = nullBodyStatus.has(res.status) ? null : new Uint8Array(res.body);
    return new Response(body, { status: res.status, headers: res.headers });
  };
}

/**
 * Options for oauth4webapi calls: HTTP through egress, and plain http allowed only when the URL is
 * http (the URL schemas accept http for local and private hosts only).
 */
export function oauthHttpOptions(providerKey: string, ctx: EgressContext, url: string | URL) {
  return {
    [oauth.customFetch]: egressCustomFetch(providerKey, ctx),
    // Local development and test peers speak plain http.
    [oauth.allowInsecureRequests]: new URL(url).protocol === "http:",
    signal: ctx.signal,
  };
}
