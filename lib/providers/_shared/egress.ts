import "server-only";
import type { TestContext, TestResult } from "@/lib/catalog/define-provider";
import { isEgressError } from "@/lib/http/errors";

export type EgressContext = Pick<TestContext, "connectionId" | "orgId" | "signal" | "allowPrivate">;

/** The egressFetch options every provider call passes: SSRF allowlist, cancellation, breaker and log tags. */
export function egressOptions(providerKey: string, ctx: EgressContext) {
  return {
    allowPrivate: ctx.allowPrivate,
    signal: ctx.signal,
    breakerKey: ctx.connectionId ?? undefined,
    log: { providerKey, connectionId: ctx.connectionId, orgId: ctx.orgId },
  };
}

/**
 * A call that never got an HTTP answer, in plain words. EgressError messages are written for users
 * (blocked private address, timeout, DNS, TLS); `field` is the URL setting that pointed there.
 */
export function unreachable(error: unknown, service: string, field?: string): TestResult {
  if (isEgressError(error)) return { ok: false, field, message: `Could not reach ${service}: ${error.message}` };
  if (error instanceof Error && error.name === "AbortError") return { ok: false, message: "The test was cancelled." };
  const msg = error instanceof Error ? error.message : String(error);
  return { ok: false, field, message: `Could not reach ${service}: ${msg}` };
}

/** JSON body, or undefined when the body is not JSON (error pages, proxies). */
export function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A short, single-line excerpt of a response body for messages, with any secret value blanked out. */
export function excerpt(text: string, secrets: readonly (string | undefined)[] = [], max = 200): string {
  let s = text.replace(/\s+/g, " ").trim();
  for (const secret of secrets) if (secret && secret.length >= 4) s = s.split(secret).join("…");
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : typeof v === "number" ? String(v) : undefined);
export const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
