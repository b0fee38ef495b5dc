import http from "node:http";
import Provider from "oidc-provider";

/**
 * A real OAuth 2.0 / OpenID Connect server for tests (`oidc-provider`): authorization code with
 * PKCE required, refresh tokens, RFC 7009 revocation, its own dev login and consent pages.
 * Counts token, refresh and revocation requests so tests can assert on them.
 */
export async function startOAuthServer(opts: { port?: number; clientId: string; clientSecret: string; redirectUri: string; redirectUris?: string[]; accessTokenTtl?: number; claims?: Record<string, string[]> }) {
  const counts = { token: 0, refresh: 0, revocation: 0, authorization: 0 };
  const seen = { lastAuthorizationUrl: undefined as string | undefined };
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(opts.port ?? 0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  const issuer = `http://localhost:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: opts.clientId,
        client_secret: opts.clientSecret,
        redirect_uris: [opts.redirectUri, ...(opts.redirectUris ?? [])],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_post",
      },
    ],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true }, revocation: { enabled: true } },
    scopes: ["openid", "offline_access", "email", "profile"],
    // Which claims each scope releases (oidc-provider releases none but sub unless told).
    ...(opts.claims ? { claims: opts.claims } : {}),
    issueRefreshToken: async () => true,
    ttl: { AccessToken: opts.accessTokenTtl ?? 120, RefreshToken: 3600, Grant: 3600, Session: 3600, Interaction: 600 },
    conformIdTokenClaims: false,
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub, email: `${sub}@example.test`, email_verified: true, name: sub }) }),
  } as never);
  // Count after the provider parsed the request (reading the body here would race its parser).
  provider.use(async (ctx: { method: string; path: string; status: number; oidc?: { params?: { grant_type?: string } } }, next: () => Promise<void>) => {
    await next();
    if (ctx.method !== "POST") {
      if (ctx.path === "/auth") {
        counts.authorization++;
        seen.lastAuthorizationUrl = `${issuer}${(ctx as unknown as { originalUrl: string }).originalUrl}`;
      }
      return;
    }
    if (ctx.path === "/token/revocation") counts.revocation++;
    else if (ctx.path === "/token") {
      counts.token++;
      if (ctx.oidc?.params?.grant_type === "refresh_token") counts.refresh++;
    }
  });
  server.on("request", provider.callback());
  return {
    issuer,
    port,
    counts,
    get lastAuthorizationUrl() {
      return seen.lastAuthorizationUrl;
    },
    endpoints: { authorization: `${issuer}/auth`, token: `${issuer}/token`, revocation: `${issuer}/token/revocation`, userinfo: `${issuer}/me` },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
