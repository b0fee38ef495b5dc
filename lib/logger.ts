import "server-only";
import { randomUUID } from "node:crypto";
import pino from "pino";
import { env } from "@/lib/env";
import { AppError, isAppError } from "@/lib/errors";

// Redaction happens in the logger itself so that a careless `log.info({ body })` cannot leak a
// credential: any key that looks like a secret is censored at any of the first few depths.
const secretKeys = [
  "password",
  "passwordHash",
  "secret",
  "token",
  "accessToken",
  "refreshToken",
  "apiKey",
  "api_key",
  "authorization",
  "cookie",
  "set-cookie",
  "clientSecret",
  "privateKey",
  "ciphertext",
  "value",
  "code_verifier",
  "codeVerifier",
];
const redactPaths = secretKeys.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`, `headers["${k}"]`]);

type GlobalWithLogger = typeof globalThis & { __patchbayLogger?: pino.Logger };
const g = globalThis as GlobalWithLogger;

function createLogger(): pino.Logger {
  let level = "info";
  try {
    level = env().LOG_LEVEL;
  } catch {
    // env errors are reported at start-up; logging must still work to report them.
  }
  return pino({
    level,
    serializers: { err: serializeError },
    base: { app: "patchbay" },
    redact: { paths: redactPaths, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/**
 * Errors are logged without the SQL parameters a failed query carries (drizzle puts them in the
 * message and a `params` field): they can hold sealed values or hashes, and are never needed.
 */
export function serializeError(e: unknown) {
  const out = pino.stdSerializers.err(e as Error) as unknown as Record<string, unknown>;
  if (typeof out.message === "string") out.message = out.message.replace(/\nparams:[\s\S]*$/, "\nparams: [redacted]");
  if (typeof out.stack === "string") out.stack = out.stack.replace(/\nparams:[\s\S]*?(\n\s+at |$)/, "\nparams: [redacted]$1");
  delete out.params;
  if (out.cause && typeof out.cause === "object") delete (out.cause as Record<string, unknown>).params;
  return out;
}

export const logger: pino.Logger = (g.__patchbayLogger ??= createLogger());

/**
 * Log an unexpected error with a fresh event id and return an AppError that is safe to show.
 * The user sees the id, an operator finds the stack trace by it.
 */
export function reportUnexpected(error: unknown, context: Record<string, unknown> = {}): AppError {
  if (isAppError(error)) return error as AppError;
  const eventId = randomUUID().slice(0, 8);
  logger.error({ err: error, eventId, ...context }, "unexpected error");
  return new AppError("internal", `Something went wrong on our side (event id ${eventId}). Try again, or give this id to your operator.`);
}
