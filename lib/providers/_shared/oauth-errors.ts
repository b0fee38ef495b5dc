import * as oauth from "oauth4webapi";
import { isEgressError } from "@/lib/http/errors";

export type OAuthFailure =
  /** The server answered with an OAuth error body ({ error, error_description }). */
  | { kind: "oauth"; status: number; error: string; description: string; body: Record<string, unknown> }
  /** The server answered, but not with something OAuth-shaped (HTML error page, wrong issuer, bad JSON). */
  | { kind: "protocol"; status?: number; message: string }
  /** No answer: EgressError (blocked, timeout, DNS…) or cancellation. */
  | { kind: "transport"; error: unknown };

/** What went wrong in an oauth4webapi call, without its library phrasing. */
export function classifyOAuthError(error: unknown): OAuthFailure {
  if (error instanceof oauth.ResponseBodyError) {
    return { kind: "oauth", status: error.status, error: error.error, description: error.error_description ?? "", body: error.cause as Record<string, unknown> };
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const c = error.cause[0];
    return { kind: "oauth", status: error.status, error: c?.parameters.error ?? "invalid_client", description: c?.parameters.error_description ?? "", body: {} };
  }
  if (error instanceof oauth.OperationProcessingError) {
    const cause = error.cause as { status?: unknown } | undefined;
    const status = cause instanceof Response ? cause.status : typeof cause?.status === "number" ? cause.status : undefined;
    return { kind: "protocol", status, message: error.message.replace(/"/g, "") };
  }
  if (isEgressError(error) || (error instanceof Error && error.name === "AbortError")) return { kind: "transport", error };
  if (error instanceof TypeError && /HTTPS|protocol/i.test(error.message)) return { kind: "protocol", message: error.message };
  return { kind: "transport", error };
}
