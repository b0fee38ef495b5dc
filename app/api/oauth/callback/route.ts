// GET /api/oauth/callback – finish an OAuth2 authorization-code flow (state, browser binding, PKCE, code exchange)
import { cookies } from "next/headers";
import { NextResponse } from "next/server";
import { loadSessionUser } from "@/lib/auth/context";
import { callbackFailureRedirect } from "@/lib/connect/callback-redirect";
import { browserCookieName, CALLBACK_PATH, completeAuthorization, OAuthFlowError } from "@/lib/connect/oauth";
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
    return callbackFailureRedirect(error, { origin, route: CALLBACK_PATH, flowError: OAuthFlowError, stateCookie: state ? browserCookieName(state) : null });
  }
}
