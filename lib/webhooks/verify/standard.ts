import { fail, freshTimestamp, fromBase64, header, hmac, macEquals, OK, parseUnixSeconds, type VerifyInput, type VerifyResult } from "./shared";

export const STANDARD_TOLERANCE_SECONDS = 5 * 60;

/** The key bytes of a Standard Webhooks secret ("whsec_" + base64); null when it is not one. */
export function standardSecretKey(secret: string): Buffer | null {
  const raw = secret.startsWith("whsec_") ? secret.slice(6) : secret;
  const key = fromBase64(raw);
  return key && key.length >= 16 ? key : null;
}

/**
 * Standard Webhooks: webhook-signature = space-separated "v1,<base64>" entries, each
 * base64(HMAC-SHA256(base64-decoded secret, webhook-id + "." + webhook-timestamp + "." + raw body)),
 * timestamp within five minutes. Several entries appear during secret rotation; any one is enough.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export function verifyStandard({ body, headers, secret, now }: VerifyInput): VerifyResult {
  const id = header(headers, "webhook-id", 256);
  const tsHeader = header(headers, "webhook-timestamp");
  const sig = header(headers, "webhook-signature", 8192);
  if (!id || !tsHeader || !sig) return fail("The webhook-id, webhook-timestamp or webhook-signature header is missing.");
  const key = standardSecretKey(secret);
  if (!key) return fail("This connection's webhook secret is not a Standard Webhooks secret (whsec_ followed by base64).");
  const ts = parseUnixSeconds(tsHeader);
  if (ts === null) return fail("The webhook-timestamp header is not a unix timestamp.");
  if (!freshTimestamp(ts, STANDARD_TOLERANCE_SECONDS, now)) return fail("The webhook-timestamp is more than five minutes away from this server's clock (a replay, or a wrong clock).");
  const candidates: Buffer[] = [];
  for (const entry of sig.split(" ")) {
    const comma = entry.indexOf(",");
    if (comma <= 0 || entry.slice(0, comma) !== "v1") continue;
    const bytes = fromBase64(entry.slice(comma + 1));
    if (bytes) candidates.push(bytes);
  }
  if (candidates.length === 0) return fail("The webhook-signature header has no v1 signature.");
  if (candidates.length > 16) return fail("The webhook-signature header has too many signatures.");
  const expected = hmac("sha256", key, `${id}.${tsHeader}.`, body);
  let matched = false;
  for (const c of candidates) matched = macEquals(expected, c) || matched;
  return matched ? OK : fail("No v1 signature in webhook-signature matches the body and this connection's secret.");
}
