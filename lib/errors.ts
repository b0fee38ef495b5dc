export const errorCodes = [
  "bad_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "payload_too_large",
  "rate_limited",
  "upstream_error",
  "unavailable",
  "internal",
] as const;

export type ErrorCode = (typeof errorCodes)[number];

const statusByCode: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  upstream_error: 502,
  unavailable: 503,
  internal: 500,
};

/**
 * The one error type for expected failures. Its message is written for the user and is
 * safe to show; anything that is not an AppError is logged and replaced by a generic message.
 */
export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: { fieldErrors?: Record<string, string[]>; retryAfterSeconds?: number },
  ) {
    super(message);
  }

  get status(): number {
    return statusByCode[this.code];
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.details?.fieldErrors ? { fieldErrors: this.details.fieldErrors } : {}) } };
  }

  toResponse(): Response {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.details?.retryAfterSeconds) headers["retry-after"] = String(this.details.retryAfterSeconds);
    return new Response(JSON.stringify(this.toJSON()), { status: this.status, headers });
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError || (e instanceof Error && e.name === "AppError" && "code" in e);
}
