import "server-only";
import type { ClientContext } from "@/lib/catalog/define-provider";
import { AppError } from "@/lib/errors";
import { egressFetch } from "@/lib/http";
import { excerpt, jsonOrUndefined } from "./egress";
import { joinUrl } from "./url";

export type ApiRequestInit = {
  /** Default GET. */
  method?: string;
  /** Added to the URL's query string (undefined values are left out). */
  query?: Record<string, string | number | boolean | undefined>;
  /** A plain object or array is sent as JSON, URLSearchParams as a form, a string or bytes as they are. */
  body?: unknown;
  headers?: Record<string, string>;
  /** egressFetch's deadline and retry count (GET/PUT/DELETE are retried twice by default, POST never). */
  timeoutMs?: number;
  retries?: number;
  signal?: AbortSignal;
};

export type ApiResponse<T> = {
  status: number;
  headers: Headers;
  /** The body parsed as JSON; undefined when it is empty or not JSON (then read `text`). */
  data: T;
  text: string;
  /** Duration of the call, retries included. */
  ms: number;
};

/** The provider answered, but not with a 2xx: `providerStatus` and `data` are its answer. */
export class ProviderRequestError extends AppError {
  override name = "ProviderRequestError";
  constructor(
    message: string,
    readonly providerStatus: number,
    readonly data: unknown,
  ) {
    super("upstream_error", message);
  }
}

export type ApiClient = {
  /**
   * Call the provider's API with the connection's auth. `pathOrUrl` is a path under the
   * connection's base URL ("/v1/customers?limit=3"), or an absolute URL on the same origin
   * (pagination links). Resolves for 2xx; throws ProviderRequestError otherwise and EgressError
   * when no answer came (blocked private address, timeout, open circuit…).
   */
  request<T = unknown>(pathOrUrl: string, init?: ApiRequestInit): Promise<ApiResponse<T>>;
};

export type ClientAuth = { headers?: Record<string, string>; query?: Record<string, string> };

export const bearer = (token: string): ClientAuth => ({ headers: { authorization: `Bearer ${token}` } });
export const basic = (user: string, password: string): ClientAuth => ({ headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` } });

function encodeBody(body: unknown): { body?: string | Uint8Array | URLSearchParams; contentType?: string } {
  if (body === undefined || body === null) return {};
  if (typeof body === "string") return { body };
  if (body instanceof Uint8Array) return { body };
  if (body instanceof URLSearchParams) return { body, contentType: "application/x-www-form-urlencoded" };
  return { body: JSON.stringify(body), contentType: "application/json" };
}

/**
 * A JSON API client rooted at `baseUrl`. Every call goes through egressFetch with the connection's
 * allowlist, its circuit breaker (keyed by the connection id) and log tags, so failures in use
 * count as passive health signals. `auth` runs per call, so OAuth tokens are refreshed in time.
 */
export function apiClient(opts: {
  providerKey: string;
  /** How messages name the service, e.g. "Stripe". */
  name: string;
  baseUrl: string;
  ctx: ClientContext;
  auth: () => ClientAuth | Promise<ClientAuth>;
  /** Sent with every call unless the call sets the same header. */
  headers?: Record<string, string>;
  /** Values blanked out of error messages (API keys that could be echoed back). */
  secrets?: readonly string[];
}): ApiClient {
  const base = new URL(opts.baseUrl);
  return {
    async request<T>(pathOrUrl: string, init: ApiRequestInit = {}): Promise<ApiResponse<T>> {
      const absolute = /^[a-z][a-z0-9+.-]*:/i.test(pathOrUrl);
      const url = new URL(absolute ? pathOrUrl : joinUrl(opts.baseUrl, pathOrUrl));
      // The auth headers go wherever the URL points: never to another origin than the connection's.
      if (url.origin !== base.origin) {
        throw new AppError("bad_request", `${opts.name} requests must stay on ${base.origin}; ${url.origin} is another origin, so the connection's credentials are not sent there.`);
      }
      for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
      const auth = await opts.auth();
      const path = url.pathname;
      for (const [k, v] of Object.entries(auth.query ?? {})) url.searchParams.set(k, v);
      const { body, contentType } = encodeBody(init.body);
      const headers: Record<string, string> = { accept: "application/json", ...(contentType ? { "content-type": contentType } : {}) };
      // Later wins: defaults, then the call's own headers, then auth (a call cannot replace the credentials).
      for (const h of [opts.headers, init.headers, auth.headers]) for (const [k, v] of Object.entries(h ?? {})) headers[k.toLowerCase()] = v;
      const method = (init.method ?? "GET").toUpperCase();
      const res = await egressFetch(url, {
        method,
        headers,
        body,
        timeoutMs: init.timeoutMs,
        retries: init.retries,
        signal: init.signal,
        allowPrivate: opts.ctx.allowPrivate,
        breakerKey: opts.ctx.connectionId,
        log: { providerKey: opts.providerKey, connectionId: opts.ctx.connectionId, orgId: opts.ctx.orgId },
      });
      const text = res.text();
      const data = jsonOrUndefined(text) as T;
      if (res.status < 200 || res.status >= 300) {
        const credentials = [...Object.values(auth.headers ?? {}), ...Object.values(auth.query ?? {})].flatMap((v) => [v, v.split(" ").at(-1)]);
        const secrets = [...(opts.secrets ?? []), ...credentials];
        const said = excerpt(text, secrets);
        throw new ProviderRequestError(`${opts.name} answered ${res.status} to ${method} ${path}${said ? `: ${said}` : "."}`, res.status, data);
      }
      return { status: res.status, headers: res.headers, data, text, ms: res.ms };
    },
  };
}
