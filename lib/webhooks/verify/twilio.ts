import { fail, fromBase64, header, hmac, macEquals, OK, sha256Hex, type VerifyInput, type VerifyResult } from "./shared";

/** The string Twilio signs for a form POST: the full URL, then every parameter name and value, names sorted. */
export function twilioSignedString(url: string, params: URLSearchParams): string {
  const keys = [...new Set(params.keys())].sort();
  let s = url;
  for (const k of keys) for (const v of params.getAll(k)) s += k + v;
  return s;
}

/** The URL with and without its default port: Twilio may sign either form, as its own helper allows. */
function urlVariants(url: string): string[] {
  try {
    const u = new URL(url);
    const out = new Set([url]);
    const defaultPort = u.protocol === "https:" ? "443" : "80";
    if (u.port === "") {
      // URL normalizes a default port away, so splice it in textually.
      out.add(url.replace(`${u.protocol}//${u.host}`, `${u.protocol}//${u.hostname}:${defaultPort}`));
    } else if (u.port === defaultPort) {
      out.add(url.replace(`:${defaultPort}`, ""));
    }
    return [...out];
  } catch {
    return [url];
  }
}

/**
 * Twilio: X-Twilio-Signature = base64(HMAC-SHA1(auth token, URL + sorted form params)).
 * JSON bodies carry bodySHA256=<hex sha256 of the body> in the URL's query instead; then the URL alone
 * (with that parameter) is signed and the body hash must match.
 * https://www.twilio.com/docs/usage/webhooks/webhooks-security
 * `url` must be the public URL Twilio called (behind a proxy: AUTH_URL's origin + the path and query).
 */
export function verifyTwilio({ body, headers, secret, url }: VerifyInput & { url: string }): VerifyResult {
  const sig = header(headers, "x-twilio-signature");
  if (!sig) return fail("The X-Twilio-Signature header is missing.");
  const candidate = fromBase64(sig);
  if (!candidate || candidate.length !== 20) return fail("The X-Twilio-Signature header is malformed (expected base64 of a SHA-1 HMAC).");
  let bodyHash: string | null = null;
  try {
    bodyHash = new URL(url).searchParams.get("bodySHA256");
  } catch {
    return fail("The request URL cannot be parsed.");
  }
  const type = (headers.get("content-type") ?? "").toLowerCase();
  let matched = false;
  for (const u of urlVariants(url)) {
    if (bodyHash !== null) {
      matched = macEquals(hmac("sha1", secret, u), candidate) || matched;
    } else {
      const params = type.startsWith("application/x-www-form-urlencoded") ? new URLSearchParams(Buffer.from(body).toString("utf8")) : new URLSearchParams();
      matched = macEquals(hmac("sha1", secret, twilioSignedString(u, params)), candidate) || matched;
    }
  }
  if (!matched) return fail("The X-Twilio-Signature does not match this URL, the parameters and this connection's auth token.");
  if (bodyHash !== null && !macEquals(Buffer.from(sha256Hex(body)), Buffer.from(bodyHash.toLowerCase()))) return fail("The body does not match the bodySHA256 parameter Twilio signed.");
  return OK;
}
