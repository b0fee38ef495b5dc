import { fail, freshTimestamp, fromBase64, fromHex, header, hmac, macEquals, OK, parseUnixSeconds, type HmacAlgorithm, type VerifyInput, type VerifyResult } from "./shared";

export const GENERIC_TOLERANCE_SECONDS = 5 * 60;

export type GenericHmacOptions = {
  /** The header carrying the signature, e.g. X-Signature. */
  header: string;
  algorithm: HmacAlgorithm;
  encoding: "hex" | "base64";
  /** Text before the signature in the header, e.g. "sha256=". */
  prefix: string;
  /** When set, the signed content is "<timestamp>.<body>" and the timestamp must be within five minutes. */
  timestampHeader?: string;
};

const macLength: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32, sha512: 64 };

/**
 * Generic HMAC, for services without a scheme of their own: encoding(HMAC(secret, [timestamp + "."] + raw body)),
 * optionally behind a prefix. Comma-separated values are several signatures (secret rotation).
 */
export function verifyGenericHmac({ body, headers, secret, now }: VerifyInput, o: GenericHmacOptions): VerifyResult {
  const sig = header(headers, o.header, 8192);
  if (!sig) return fail(`The ${o.header} header is missing.`);
  let ts: string | null = null;
  if (o.timestampHeader) {
    ts = header(headers, o.timestampHeader);
    const n = parseUnixSeconds(ts);
    if (n === null) return fail(`The ${o.timestampHeader} header is missing or not a unix timestamp.`);
    if (!freshTimestamp(n, GENERIC_TOLERANCE_SECONDS, now)) return fail(`The ${o.timestampHeader} timestamp is more than five minutes away from this server's clock (a replay, or a wrong clock).`);
  }
  const candidates: Buffer[] = [];
  for (const raw of sig.split(",")) {
    const v = raw.trim();
    if (!v.startsWith(o.prefix)) continue;
    const value = v.slice(o.prefix.length);
    const bytes = o.encoding === "hex" ? fromHex(value) : fromBase64(value);
    if (bytes && bytes.length === macLength[o.algorithm]) candidates.push(bytes);
  }
  if (candidates.length === 0) return fail(`The ${o.header} header is malformed (expected ${o.prefix}<${o.encoding} ${o.algorithm.toUpperCase()} HMAC>).`);
  if (candidates.length > 16) return fail(`The ${o.header} header has too many signatures.`);
  const expected = ts ? hmac(o.algorithm, secret, `${ts}.`, body) : hmac(o.algorithm, secret, body);
  let matched = false;
  for (const c of candidates) matched = macEquals(expected, c) || matched;
  return matched ? OK : fail(`The ${o.header} signature does not match the body and this connection's webhook secret.`);
}
