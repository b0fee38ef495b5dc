// GET /api/oauth/callback – finish an OAuth2 authorization-code flow (state, browser binding, PKCE, code exchange)
import { cookies } from "next/headers";
import { NextResponse } from "next/server";
import { loadSessionUser } from "@/lib/auth/context";
import { browserCookieName, CALLBACK_PATH, completeAuthorization, OAuthFlowError } from "@/lib/connect/oauth";
import { reportUnexpected } from "@/lib/logger";
import { appOrigin } from "@/lib/origin";
import { ipFromHeaders } from "@/lib/request";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  const url = new URL(request.url);
  const origin = await appOrigin();
  // Rebuild the URL on our public origin: Next may report another host for the same server.
  const publicUrl = new URL(`${CALLBACK_PATH}${url.search}`, origin);
  const jar = await cookies();
  const user = await loadSessionUser();
  const state = url.searchParams.get("state") ?? "";
  try {
    const { connectionId } = await completeAuthorization({ url: publicUrl, readCookie: (n) => jar.get(n)?.value, userId: user?.id ?? null, ip: ipFromHeaders(request.headers) });
    const res = NextResponse.redirect(new URL(`/connections/${connectionId}?authorized=1`, origin), 303);
    res.cookies.delete({ name: browserCookieName(state), path: CALLBACK_PATH });
    return res;
  } catch (error) {
    const e = error instanceof OAuthFlowError ? error : reportUnexpected(error, { route: CALLBACK_PATH });
    const target = new URL("/connections/authorization-failed", origin);
    target.searchParams.set("message", e.message.slice(0, 500));
    if (error instanceof OAuthFlowError && error.connectionId) target.searchParams.set("connection", error.connectionId);
    const res = NextResponse.redirect(target, 303);
    if (state) res.cookies.delete({ name: browserCookieName(state), path: CALLBACK_PATH });
    return res;
  }
}
