import { fail, fromHex, header, hmac, macEquals, OK, type VerifyInput, type VerifyResult } from "./shared";

/**
 * PagerDuty v3: X-PagerDuty-Signature = "v1=<hex>[,v1=<hex>…]", hex(HMAC-SHA256(secret, raw body)).
 * Several signatures appear while a subscription's secret rotates: any one matching is enough.
 * https://developer.pagerduty.com/docs/webhooks/webhook-signatures/
 */
export function verifyPagerduty({ body, headers, secret }: VerifyInput): VerifyResult {
  const sig = header(headers, "x-pagerduty-signature", 8192);
  if (!sig) return fail("The X-PagerDuty-Signature header is missing.");
  const candidates: Buffer[] = [];
  for (const item of sig.split(",")) {
    const m = /^v1=([0-9a-fA-F]{64})$/.exec(item.trim());
    const bytes = m ? fromHex(m[1]!) : null;
    if (bytes) candidates.push(bytes);
  }
  if (candidates.length === 0) return fail("The X-PagerDuty-Signature header is malformed (expected v1=<64 hex digits>, comma-separated).");
  if (candidates.length > 16) return fail("The X-PagerDuty-Signature header has too many signatures.");
  const expected = hmac("sha256", secret, body);
  let matched = false;
  for (const c of candidates) matched = macEquals(expected, c) || matched;
  return matched ? OK : fail("No signature in X-PagerDuty-Signature matches the body and this connection's webhook secret.");
}
