/**
 * Test helper: a local OAuth 2.0 authorization server (token and RFC 7009 revocation endpoints) for
 * lib/connect/oauth.integration.test.ts. The "browser" part of the flow is simulated by the test:
 * `authorize(url)` reads the authorization URL Patchbay built, remembers its PKCE challenge and
 * redirect URI, and returns the code the provider would redirect back with.
 *
 * Listens on 127.0.0.1 (and ::1 when available, on the same port) and is addressed as
 * http://localhost:<port>, the form the URL schemas accept for plain http.
 */
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export type FakeClientAuth = "client_secret_basic" | "client_secret_post" | "none";

export type TokenCall = {
  grantType: string;
  params: Record<string, string>;
  /** How the client authenticated, as the server saw it. */
  auth: FakeClientAuth | "invalid";
  status: number;
  /** authorization_code only: the code_verifier sent and whether it matched the challenge. */
  codeVerifier?: string;
  pkceOk?: boolean;
  /** The tokens issued, if any. */
  accessToken?: string;
  refreshToken?: string;
  startedAt: number;
  endedAt?: number;
};

export type RevokeCall = { token: string; tokenTypeHint?: string; auth: FakeClientAuth | "invalid"; status: number };

export type FakeOAuthBehaviour = {
  /** Artificial latency of a refresh_token grant, so concurrent callers really overlap. */
  refreshDelayMs: number;
  /** Answer refresh grants without a new refresh_token (the client must keep the old one). */
  omitRefreshToken: boolean;
  /** Answer refresh grants with this OAuth error (400 JSON), e.g. invalid_grant. */
  refreshError: string | null;
  /** Answer refresh grants with this HTTP status and an OAuth error body (e.g. 503 during an outage). */
  refreshHttpStatus: number | null;
  /** expires_in of issued access tokens, per grant. */
  codeAccessTtlS: number;
  refreshAccessTtlS: number;
  /** HTTP status of /revoke (200 per RFC 7009, or e.g. 503 for an unavailable server). */
  revokeStatus: number;
};

const defaults: FakeOAuthBehaviour = { refreshDelayMs: 0, omitRefreshToken: false, refreshError: null, refreshHttpStatus: null, codeAccessTtlS: 60, refreshAccessTtlS: 3600, revokeStatus: 200 };

type PendingCode = { challenge: string | null; challengeMethod: string | null; redirectUri: string; clientId: string; scope: string | null; used: boolean };

export const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

/** application/x-www-form-urlencoded decoding (+ is a space), as RFC 6749 §2.3.1 requires for Basic credentials. */
const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));

export async function startFakeOAuth(client: { clientId: string; clientSecret?: string }) {
  const behaviour: FakeOAuthBehaviour = { ...defaults };
  const codes = new Map<string, PendingCode>();
  const refreshTokens = new Set<string>();
  const revoked = new Set<string>();
  const tokenCalls: TokenCall[] = [];
  const revokeCalls: RevokeCall[] = [];
  let serial = 0;

  /** Which client authentication the request used; "invalid" when it names another client or a wrong secret. */
  function clientAuthOf(req: http.IncomingMessage, params: URLSearchParams): FakeClientAuth | "invalid" {
    const header = req.headers.authorization;
    if (header) {
      const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
      if (!m || params.has("client_secret")) return "invalid";
      const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon < 0) return "invalid";
      const id = formDecode(decoded.slice(0, colon));
      const secret = formDecode(decoded.slice(colon + 1));
      return id === client.clientId && secret === client.clientSecret ? "client_secret_basic" : "invalid";
    }
    if (params.get("client_id") !== client.clientId) return "invalid";
    if (params.has("client_secret")) return params.get("client_secret") === client.clientSecret ? "client_secret_post" : "invalid";
    return client.clientSecret ? "invalid" : "none";
  }

  function issue(ttlS: number, withRefresh: boolean, scope: string | null) {
    serial++;
    const access = `fake-at-${serial}-${randomBytes(12).toString("hex")}`;
    const body: Record<string, unknown> = { access_token: access, token_type: "Bearer", expires_in: ttlS };
    if (scope) body.scope = scope;
    if (withRefresh) {
      const refresh = `fake-rt-${serial}-${randomBytes(12).toString("hex")}`;
      refreshTokens.add(refresh);
      body.refresh_token = refresh;
    }
    return { access, refresh: body.refresh_token as string | undefined, body };
  }

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(body));
  };

  async function token(req: http.IncomingMessage, res: http.ServerResponse, params: URLSearchParams) {
    const grantType = params.get("grant_type") ?? "";
    const call: TokenCall = { grantType, params: Object.fromEntries(params), auth: clientAuthOf(req, params), status: 0, startedAt: Date.now() };
    tokenCalls.push(call);
    const reply = (status: number, body: unknown) => {
      call.status = status;
      call.endedAt = Date.now();
      json(res, status, body);
    };
    if (call.auth === "invalid") return reply(401, { error: "invalid_client", error_description: "Client authentication failed." });

    if (grantType === "authorization_code") {
      const code = params.get("code") ?? "";
      const pending = codes.get(code);
      if (!pending || pending.used) return reply(400, { error: "invalid_grant", error_description: "Unknown or used code." });
      pending.used = true;
      if (params.get("redirect_uri") !== pending.redirectUri) return reply(400, { error: "invalid_grant", error_description: "redirect_uri does not match." });
      if (params.get("client_id") !== null && params.get("client_id") !== pending.clientId) return reply(400, { error: "invalid_grant", error_description: "The code was issued to another client." });
      const verifier = params.get("code_verifier") ?? undefined;
      call.codeVerifier = verifier;
      if (pending.challenge !== null) {
        call.pkceOk = pending.challengeMethod === "S256" && verifier !== undefined && /^[A-Za-z0-9\-._~]{43,128}$/.test(verifier) && s256(verifier) === pending.challenge;
        if (!call.pkceOk) return reply(400, { error: "invalid_grant", error_description: "PKCE verification failed." });
      } else if (verifier !== undefined) {
        return reply(400, { error: "invalid_request", error_description: "code_verifier without a challenge." });
      }
      const t = issue(behaviour.codeAccessTtlS, true, pending.scope);
      call.accessToken = t.access;
      call.refreshToken = t.refresh;
      return reply(200, t.body);
    }

    if (grantType === "refresh_token") {
      if (behaviour.refreshDelayMs > 0) await new Promise((r) => setTimeout(r, behaviour.refreshDelayMs));
      if (behaviour.refreshHttpStatus) return reply(behaviour.refreshHttpStatus, { error: "temporarily_unavailable", error_description: "Try again later." });
      if (behaviour.refreshError) return reply(400, { error: behaviour.refreshError, error_description: "The refresh token is no longer valid." });
      const refresh = params.get("refresh_token") ?? "";
      if (!refreshTokens.has(refresh) || revoked.has(refresh)) return reply(400, { error: "invalid_grant", error_description: "Unknown refresh token." });
      const t = issue(behaviour.refreshAccessTtlS, !behaviour.omitRefreshToken, null);
      call.accessToken = t.access;
      call.refreshToken = t.refresh;
      return reply(200, t.body);
    }

    return reply(400, { error: "unsupported_grant_type" });
  }

  function revoke(req: http.IncomingMessage, res: http.ServerResponse, params: URLSearchParams) {
    const call: RevokeCall = { token: params.get("token") ?? "", tokenTypeHint: params.get("token_type_hint") ?? undefined, auth: clientAuthOf(req, params), status: 0 };
    revokeCalls.push(call);
    if (call.auth === "invalid") {
      call.status = 401;
      return json(res, 401, { error: "invalid_client" });
    }
    call.status = behaviour.revokeStatus;
    if (behaviour.revokeStatus !== 200) return json(res, behaviour.revokeStatus, { error: "temporarily_unavailable" });
    revoked.add(call.token);
    res.writeHead(200);
    res.end();
  }

  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      const params = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      const form = (req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
      if (req.method !== "POST" || !form) return json(res, 405, { error: "invalid_request", error_description: "POST a form." });
      if (path === "/token") {
        token(req, res, params).catch((e: unknown) => json(res, 500, { error: "server_error", error_description: String(e) }));
        return;
      }
      if (path === "/revoke") return revoke(req, res, params);
      json(res, 404, { error: "not_found" });
    });
  };

  const v4 = http.createServer(handler);
  await new Promise<void>((resolve) => v4.listen(0, "127.0.0.1", resolve));
  const { port } = v4.address() as AddressInfo;
  // Where "localhost" resolves to ::1 first, answer there too; no IPv6 loopback is fine.
  const v6 = http.createServer(handler);
  const v6Up = await new Promise<boolean>((resolve) => {
    v6.once("error", () => resolve(false));
    v6.listen(port, "::1", () => resolve(true));
  });

  const base = `http://localhost:${port}`;
  return {
    base,
    authorizationUrl: `${base}/authorize`,
    tokenUrl: `${base}/token`,
    revocationUrl: `${base}/revoke`,
    behaviour,
    tokenCalls,
    revokeCalls,
    /** Refresh grants received (any outcome). */
    refreshCalls: () => tokenCalls.filter((c) => c.grantType === "refresh_token"),
    codeCalls: () => tokenCalls.filter((c) => c.grantType === "authorization_code"),
    /** Reset behaviour to the defaults (call records are kept). */
    reset() {
      Object.assign(behaviour, defaults);
    },
    /**
     * The provider's side of the browser sign-in: validate the authorization request and return the
     * code it would redirect back with, plus what the request carried.
     */
    authorize(authorizationUrl: string) {
      const u = new URL(authorizationUrl);
      const p = u.searchParams;
      if (`${u.origin}${u.pathname}` !== `${base}/authorize`) throw new Error(`authorization request to the wrong endpoint: ${u.origin}${u.pathname}`);
      if (p.get("response_type") !== "code") throw new Error(`response_type is ${p.get("response_type")}`);
      if (p.get("client_id") !== client.clientId) throw new Error(`client_id is ${p.get("client_id")}`);
      const redirectUri = p.get("redirect_uri");
      const state = p.get("state");
      if (!redirectUri || !state) throw new Error("redirect_uri and state are required");
      const code = `fake-code-${randomBytes(16).toString("hex")}`;
      codes.set(code, { challenge: p.get("code_challenge"), challengeMethod: p.get("code_challenge_method"), redirectUri, clientId: client.clientId, scope: p.get("scope"), used: false });
      return { code, state, redirectUri, challenge: p.get("code_challenge"), challengeMethod: p.get("code_challenge_method"), scope: p.get("scope") };
    },
    close: async () => {
      v4.closeAllConnections();
      await new Promise<void>((resolve) => v4.close(() => resolve()));
      if (v6Up) {
        v6.closeAllConnections();
        await new Promise<void>((resolve) => v6.close(() => resolve()));
      }
    },
  };
}

export type FakeOAuth = Awaited<ReturnType<typeof startFakeOAuth>>;
