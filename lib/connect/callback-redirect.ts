import "server-only";
import { NextResponse } from "next/server";
import type { AppError } from "@/lib/errors";
import { reportUnexpected } from "@/lib/logger";

type FlowError = AppError & { readonly connectionId?: string };

/**
 * Where a failed OAuth callback or GitHub App setup lands: /connections/authorization-failed with
 * the flow error's own message (anything unexpected is logged and shown behind an event id) and
 * the connection when it is known. The flow's one-time state cookie is cleared either way.
 */
export function callbackFailureRedirect(
  error: unknown,
  opts: { origin: string; route: string; flowError: abstract new (...args: never[]) => FlowError; stateCookie: string | null },
): NextResponse {
  const expected = error instanceof opts.flowError ? error : undefined;
  const e = expected ?? reportUnexpected(error, { route: opts.route });
  const target = new URL("/connections/authorization-failed", opts.origin);
  target.searchParams.set("message", e.message.slice(0, 500));
  if (expected?.connectionId) target.searchParams.set("connection", expected.connectionId);
  const res = NextResponse.redirect(target, 303);
  if (opts.stateCookie) res.cookies.delete({ name: opts.stateCookie, path: opts.route });
  return res;
}
