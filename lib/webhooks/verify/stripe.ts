import { fail, freshTimestamp, fromHex, header, hmac, macEquals, OK, type VerifyInput, type VerifyResult } from "./shared";

export const STRIPE_TOLERANCE_SECONDS = 300;

/**
 * Stripe: Stripe-Signature = "t=<unix>,v1=<hex>[,v1=<hex>…][,v0=…]"; v1 = hex(HMAC-SHA256(whsec secret, t + "." + raw body)).
 * Several v1 values appear while a secret is being rolled: any one matching is enough. v0 is ignored.
 * https://docs.stripe.com/webhooks#verify-manually
 */
export function verifyStripe({ body, headers, secret, now }: VerifyInput): VerifyResult {
  const sig = header(headers, "stripe-signature", 8192);
  if (!sig) return fail("The Stripe-Signature header is missing.");
  let t: string | null = null;
  const v1: Buffer[] = [];
  for (const item of sig.split(",")) {
    const eq = item.indexOf("=");
    if (eq <= 0) continue;
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === "t") t = value;
    else if (key === "v1") {
      const bytes = value.length === 64 ? fromHex(value) : null;
      if (bytes) v1.push(bytes);
    }
  }
  if (!t || !/^\d{1,12}$/.test(t)) return fail("The Stripe-Signature header has no valid timestamp (t=).");
  if (v1.length === 0) return fail("The Stripe-Signature header has no v1 signature.");
  if (v1.length > 16) return fail("The Stripe-Signature header has too many signatures.");
  if (!freshTimestamp(Number(t), STRIPE_TOLERANCE_SECONDS, now)) return fail("The Stripe-Signature timestamp is more than 300 seconds away from this server's clock (a replay, or a wrong clock).");
  const expected = hmac("sha256", secret, `${t}.`, body);
  let matched = false;
  // Compare against every candidate (no early exit), so timing does not reveal which one matched.
  for (const candidate of v1) matched = macEquals(expected, candidate) || matched;
  return matched ? OK : fail("No v1 signature in Stripe-Signature matches the body and this connection's signing secret.");
}
