import "server-only";
import { returnValidationErrors } from "next-safe-action";
import type { ZodType } from "zod";
import { isAppError, type AppError } from "@/lib/errors";

/** Turn an AppError that names fields into field errors on the form; rethrow anything else. */
export function rethrowWithFieldErrors(schema: ZodType, error: unknown): never {
  if (isAppError(error) && (error as AppError).details?.fieldErrors) {
    const shaped: Record<string, { _errors: string[] }> = {};
    for (const [field, messages] of Object.entries((error as AppError).details!.fieldErrors!)) shaped[field] = { _errors: messages };
    returnValidationErrors(schema as never, shaped as never);
  }
  throw error;
}
