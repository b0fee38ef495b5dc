import "server-only";
import { z, type ZodType } from "zod";
import type { ApiScope } from "@/db/schema";
import { AppError, isAppError } from "@/lib/errors";
import { reportUnexpected } from "@/lib/logger";
import { ipFromHeaders } from "@/lib/request";
import { authenticateBearer, type ApiPrincipal } from "./tokens";

export const MAX_JSON_BYTES = 1024 * 1024;

type Ctx<P> = { req: Request; principal: ApiPrincipal; params: P; ip: string | null };

/**
 * Every REST handler goes through this: bearer token → scope → handler, and every failure
 * becomes `{ error: { code, message } }` with the right status. Nothing unexpected leaks a stack.
 */
export function apiHandler<P = Record<string, never>>(scope: ApiScope, handler: (ctx: Ctx<P>) => Promise<Response>) {
  return async (req: Request, route: { params: Promise<P> }): Promise<Response> => {
    try {
      const principal = await authenticateBearer(req.headers.get("authorization"));
      if (!principal.scopes.includes(scope)) throw new AppError("forbidden", `This token lacks the ${scope} scope.`);
      return await handler({ req, principal, params: await route.params, ip: ipFromHeaders(req.headers) });
    } catch (error) {
      if (isAppError(error)) return (error as AppError).toResponse();
      return reportUnexpected(error, { route: new URL(req.url).pathname }).toResponse();
    }
  };
}

/** Read and validate a JSON body: size-capped before parsing, 400 with field errors when invalid. */
export async function readJson<T>(req: Request, schema: ZodType<T>): Promise<T> {
  const length = Number(req.headers.get("content-length") ?? "0");
  if (length > MAX_JSON_BYTES) throw new AppError("payload_too_large", `The body is larger than ${MAX_JSON_BYTES} bytes.`);
  const text = await req.text();
  if (Buffer.byteLength(text) > MAX_JSON_BYTES) throw new AppError("payload_too_large", `The body is larger than ${MAX_JSON_BYTES} bytes.`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "The body is not valid JSON.");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) (fieldErrors[issue.path.join(".") || "_"] ??= []).push(issue.message);
    throw new AppError("bad_request", `Invalid request: ${z.prettifyError(parsed.error).split("\n")[0]}`, { fieldErrors });
  }
  return parsed.data;
}

export function json(data: unknown, status = 200): Response {
  return Response.json(data, { status });
}
