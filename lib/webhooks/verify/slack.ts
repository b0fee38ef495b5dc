import { fail, freshTimestamp, fromHex, header, hmac, macEquals, OK, parseUnixSeconds, type VerifyInput, type VerifyResult } from "./shared";

export const SLACK_TOLERANCE_SECONDS = 5 * 60;

/**
 * Slack: X-Slack-Signature = "v0=" + hex(HMAC-SHA256(signing secret, "v0:" + X-Slack-Request-Timestamp + ":" + raw body)),
 * with the timestamp within five minutes (replay protection).
 * https://api.slack.com/authentication/verifying-requests-from-slack
 */
export function verifySlack({ body, headers, secret, now }: VerifyInput): VerifyResult {
  const tsHeader = header(headers, "x-slack-request-timestamp");
  const sig = header(headers, "x-slack-signature");
  if (!tsHeader || !sig) return fail("The X-Slack-Request-Timestamp or X-Slack-Signature header is missing.");
  const ts = parseUnixSeconds(tsHeader);
  if (ts === null) return fail("The X-Slack-Request-Timestamp header is not a unix timestamp.");
  if (!freshTimestamp(ts, SLACK_TOLERANCE_SECONDS, now)) return fail("The X-Slack-Request-Timestamp is more than five minutes away from this server's clock (a replay, or a wrong clock).");
  const m = /^v0=([0-9a-fA-F]{64})$/.exec(sig);
  const candidate = m ? fromHex(m[1]!) : null;
  if (!candidate) return fail("The X-Slack-Signature header is malformed (expected v0=<64 hex digits>).");
  return macEquals(hmac("sha256", secret, `v0:${tsHeader}:`, body), candidate) ? OK : fail("The X-Slack-Signature does not match the body and this connection's signing secret.");
}
