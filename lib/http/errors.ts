import "server-only";
import { AppError } from "@/lib/errors";

export type EgressErrorKind = "blocked" | "timeout" | "network" | "too_large" | "circuit_open" | "redirect_blocked" | "bad_url";

/**
 * A transport-level failure of an outgoing call (the service never answered usefully). HTTP error
 * statuses are not errors: egressFetch returns them. The message is written for the user.
 * Its `name` stays "AppError" so that `isAppError` recognises it across Next's bundles.
 */
export class EgressError extends AppError {
  readonly kind: EgressErrorKind;
  /** The host the failing request was for (no path, no query). */
  readonly host?: string;

  constructor(kind: EgressErrorKind, message: string, options: { host?: string; cause?: unknown; retryAfterSeconds?: number } = {}) {
    super("upstream_error", message, options.retryAfterSeconds ? { retryAfterSeconds: options.retryAfterSeconds } : undefined);
    this.kind = kind;
    this.host = options.host;
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

export function isEgressError(e: unknown): e is EgressError {
  return e instanceof EgressError || (e instanceof Error && e.name === "AppError" && "kind" in e && "code" in e && e.code === "upstream_error");
}
