// GET /api/events – Server-Sent Events for the signed-in user's organization (health changes, webhooks, deliveries, sync)
import { loadOrgContext, loadSessionUser } from "@/lib/auth/context";
import { AppError, isAppError } from "@/lib/errors";
import { openEventStream } from "@/lib/events/sse";
import { reportUnexpected } from "@/lib/logger";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  try {
    const user = await loadSessionUser();
    if (!user) throw new AppError("unauthorized", "Sign in to receive live updates.");
    const wanted = new URL(request.url).searchParams.get("orgId") ?? undefined;
    if (wanted !== undefined && (wanted.length === 0 || wanted.length > 100)) throw new AppError("bad_request", "orgId must be an organization id.");
    // Membership is checked here: an orgId (or active-organization cookie) naming another organization yields nothing.
    const ctx = await loadOrgContext(user, wanted);
    if (!ctx) {
      throw wanted
        ? new AppError("not_found", `You are not a member of organization ${wanted}.`)
        : new AppError("forbidden", "You are not a member of any organization. Create one at /organizations/new.");
    }
    return await openEventStream({ orgId: ctx.org.id, userId: user.id, signal: request.signal, lastEventId: request.headers.get("last-event-id") });
  } catch (error) {
    if (isAppError(error)) return (error as AppError).toResponse();
    return reportUnexpected(error, { route: "/api/events" }).toResponse();
  }
}
