import "server-only";
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { DrizzleAdapter } from "@auth/drizzle-adapter";
import { z } from "zod";
import { getDb } from "@/db/client";
import { accounts, sessions, users, verificationTokens } from "@/db/schema";
import { authSecret } from "@/lib/data-dir";
import { ipFromHeaders } from "@/lib/request";
import { checkCredentials } from "./credentials";
import { authorizeSsoSignIn, completeSsoSignIn, connectionIdOfProvider, ssoProviders } from "./sso";

export class InvalidCredentials extends CredentialsSignin {
  override code = "invalid";
}
export class TooManyAttempts extends CredentialsSignin {
  override code = "rate_limited";
}

const credentialsInput = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(200) });

// A lazy config: nothing touches the database or the data dir at import or build time. Async because
// the SSO providers come from the organizations' OIDC connections (cached, see lib/auth/sso.ts).
export const { handlers, auth, signIn, signOut } = NextAuth(async () => ({
  adapter: DrizzleAdapter(getDb(), {
    usersTable: users,
    accountsTable: accounts,
    sessionsTable: sessions,
    verificationTokensTable: verificationTokens,
  }),
  secret: authSecret(),
  trustHost: true,
  session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
  pages: { signIn: "/sign-in", error: "/sign-in" },
  logger: {
    // Auth.js logs CredentialsSignin as an error with the stack; a wrong password is not one.
    error(error) {
      if (error instanceof CredentialsSignin || (error as { type?: string }).type === "CredentialsSignin") return;
      console.error("[auth]", error.name, error.message);
    },
    warn() {},
    debug() {},
  },
  providers: [
    Credentials({
      credentials: { email: { label: "Email" }, password: { label: "Password", type: "password" } },
      async authorize(raw, request) {
        const parsed = credentialsInput.safeParse(raw);
        if (!parsed.success) throw new InvalidCredentials();
        const result = await checkCredentials(parsed.data.email, parsed.data.password, ipFromHeaders(request.headers));
        if (result.ok) return result.user;
        if (result.reason === "rate_limited") {
          const e = new TooManyAttempts();
          e.code = `rate_limited:${result.retryAfterSeconds}`;
          throw e;
        }
        throw new InvalidCredentials();
      },
    }),
    ...(await ssoProviders()),
  ],
  events: {
    async signIn({ user, account }) {
      if (connectionIdOfProvider(account?.provider)) await completeSsoSignIn(account!.provider, user);
    },
  },
  callbacks: {
    async signIn({ user, account, profile }) {
      // The credentials path decides in authorize(); only SSO providers are checked here.
      if (!connectionIdOfProvider(account?.provider)) return true;
      return authorizeSsoSignIn(account!.provider, profile as Record<string, unknown> | undefined, user);
    },
    jwt({ token, user }) {
      if (user?.id) token.sub = user.id;
      return token;
    },
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      return session;
    },
  },
}));
