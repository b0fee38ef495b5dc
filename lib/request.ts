import "server-only";
import { headers } from "next/headers";

/** Client address for audit rows and rate limits: first X-Forwarded-For hop, else X-Real-IP. */
export function ipFromHeaders(h: Headers): string | null {
  const fwd = h.get("x-forwarded-for");
  if (fwd) return fwd.split(",")[0]!.trim() || null;
  return h.get("x-real-ip");
}

export async function requestIp(): Promise<string | null> {
  try {
    return ipFromHeaders(await headers());
  } catch {
    return null; // outside a request (scripts, jobs)
  }
}
