import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Whether an Authorization header carries the metrics bearer token. Both sides are hashed first
 * so the comparison is constant-time whatever their lengths (timingSafeEqual needs equal lengths).
 */
export function bearerMatches(header: string | null, token: string): boolean {
  const match = header?.match(/^Bearer\s+(.+)$/i);
  if (!match) return false;
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(match[1]!.trim()), digest(token));
}
