// POST /api/webhooks/{connectionId} – receive a provider's webhook: verify its signature, store it, queue its processing.
import { AppError } from "@/lib/errors";
import { countInbound } from "@/lib/webhooks/metrics";
import { env } from "@/lib/env";
import { ingestWebhook, MAX_WEBHOOK_BODY_BYTES } from "@/lib/webhooks/ingest";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const tooLarge = () => new AppError("payload_too_large", `The body is larger than ${MAX_WEBHOOK_BODY_BYTES} bytes.`).toResponse();

/** The body, read with a running byte count: a sender that lies about (or omits) Content-Length is cut off at the cap. */
async function readCapped(req: Request): Promise<Uint8Array | null> {
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_WEBHOOK_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * The URL the sender called, as it sees it (Twilio signs it): behind a proxy, AUTH_URL's origin
 * with this request's path and query.
 */
function publicUrl(req: Request): string {
  const url = new URL(req.url);
  const configured = env().AUTH_URL;
  if (configured) {
    const origin = new URL(configured);
    url.protocol = origin.protocol;
    url.host = origin.host;
  }
  return url.toString();
}

export async function POST(req: Request, { params }: { params: Promise<{ connectionId: string }> }): Promise<Response> {
  const length = Number(req.headers.get("content-length") ?? "0");
  if (Number.isFinite(length) && length > MAX_WEBHOOK_BODY_BYTES) return countInbound(tooLarge());
  let body: Uint8Array | null;
  try {
    body = await readCapped(req);
  } catch {
    return countInbound(new AppError("bad_request", "The request body could not be read.").toResponse());
  }
  if (body === null) return countInbound(tooLarge());
  const { connectionId } = await params;
  return countInbound(await ingestWebhook({ connectionId, body, headers: req.headers, url: publicUrl(req) }));
}
