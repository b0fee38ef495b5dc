import { fail, fromHex, header, hmac, macEquals, OK, type VerifyInput, type VerifyResult } from "./shared";

/**
 * GitHub: X-Hub-Signature-256 = "sha256=" + hex(HMAC-SHA256(secret, raw body)).
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 * The SHA-1 X-Hub-Signature is legacy and deliberately not accepted.
 */
export function verifyGithub({ body, headers, secret }: VerifyInput): VerifyResult {
  const sig = header(headers, "x-hub-signature-256");
  if (!sig) return fail("The X-Hub-Signature-256 header is missing.");
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(sig);
  const candidate = m ? fromHex(m[1]!) : null;
  if (!candidate) return fail("The X-Hub-Signature-256 header is malformed (expected sha256=<64 hex digits>).");
  return macEquals(hmac("sha256", secret, body), candidate) ? OK : fail("The X-Hub-Signature-256 signature does not match the body and this connection's webhook secret.");
}
