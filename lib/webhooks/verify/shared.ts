import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/** What every verifier gets: the raw body bytes, the request headers and the connection's secret. */
export type VerifyInput = {
  body: Uint8Array;
  headers: Headers;
  secret: string;
  /** Unix seconds; tests pass a fixed clock. */
  now?: number;
};

export const fail = (reason: string): VerifyResult => ({ ok: false, reason });
export const OK: VerifyResult = { ok: true };

export type HmacAlgorithm = "sha1" | "sha256" | "sha512";

/** HMAC over the concatenation of `parts` (strings as UTF-8, bytes as they are). */
export function hmac(algorithm: HmacAlgorithm, key: string | Uint8Array, ...parts: (string | Uint8Array)[]): Buffer {
  const mac = createHmac(algorithm, key);
  for (const p of parts) mac.update(p);
  return mac.digest();
}

export function sha256Hex(body: Uint8Array | string): string {
  return createHash("sha256").update(body).digest("hex");
}

/**
 * Constant-time comparison of an expected MAC with a candidate from a header. Lengths are public
 * (every valid signature of a scheme has the same length), so a length mismatch returns early;
 * equal lengths go through timingSafeEqual so the time taken says nothing about the content.
 */
export function macEquals(expected: Buffer, candidate: Buffer): boolean {
  return expected.length === candidate.length && expected.length > 0 && timingSafeEqual(expected, candidate);
}

/** Decode hex strictly (even length, hex digits only); null when it is not hex. */
export function fromHex(s: string): Buffer | null {
  return /^(?:[0-9a-fA-F]{2})+$/.test(s) ? Buffer.from(s, "hex") : null;
}

/** Decode standard or URL-safe base64 strictly; null when it is not base64. */
export function fromBase64(s: string): Buffer | null {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(s) || s.length < 4) return null;
  return Buffer.from(s.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

/** True when `ts` (unix seconds) is within `toleranceSeconds` of now, in either direction. */
export function freshTimestamp(ts: number, toleranceSeconds: number, now = Math.floor(Date.now() / 1000)): boolean {
  return Number.isSafeInteger(ts) && Math.abs(now - ts) <= toleranceSeconds;
}

/** A header's value, with a cap so an absurd header cannot make us do much work. */
export function header(headers: Headers, name: string, max = 4096): string | null {
  const v = headers.get(name);
  if (v === null) return null;
  const t = v.trim();
  return t.length === 0 || t.length > max ? null : t;
}

/** Parse a unix-seconds timestamp header strictly (digits only). */
export function parseUnixSeconds(v: string | null): number | null {
  if (!v || !/^\d{1,12}$/.test(v)) return null;
  return Number(v);
}
