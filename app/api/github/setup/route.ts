// GET /api/github/setup – GitHub App "Setup URL": checks state, browser and user, verifies the installation belongs to the app, stores it
import { cookies } from "next/headers";
import { NextResponse } from "next/server";
import { loadSessionUser } from "@/lib/auth/context";
import { callbackFailureRedirect } from "@/lib/connect/callback-redirect";
import { completeGithubInstall, GITHUB_SETUP_PATH, githubInstallCookieName, GithubInstallError } from "@/lib/connect/github-app";
import { appOrigin } from "@/lib/origin";
import { ipFromHeaders } from "@/lib/request";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  const url = new URL(request.url);
  const origin = await appOrigin();
  // Rebuild the URL on our public origin: Next may report another host for the same server.
  const publicUrl = new URL(`${GITHUB_SETUP_PATH}${url.search}`, origin);
  const jar = await cookies();
  const user = await loadSessionUser();
  const state = url.searchParams.get("state") ?? "";
  try {
    const { connectionId } = await completeGithubInstall({ url: publicUrl, readCookie: (n) => jar.get(n)?.value, userId: user?.id ?? null, ip: ipFromHeaders(request.headers) });
    const res = NextResponse.redirect(new URL(`/connections/${connectionId}?installed=1`, origin), 303);
    res.cookies.delete({ name: githubInstallCookieName(state), path: GITHUB_SETUP_PATH });
    return res;
  } catch (error) {
    return callbackFailureRedirect(error, { origin, route: GITHUB_SETUP_PATH, flowError: GithubInstallError, stateCookie: state ? githubInstallCookieName(state) : null });
  }
}
