import type { GenericHmacConfig, WebhookScheme } from "@/lib/catalog/define-provider";
import { sha256Hex } from "./verify/shared";

const MAX_ID = 200;

/** The JSON body, or a form body as an object (Slack interactivity's `payload` field parsed); null otherwise. */
export function parsePayload(body: string, contentType: string | null): unknown {
  const type = (contentType ?? "").toLowerCase();
  if (type.startsWith("application/x-www-form-urlencoded")) {
    const params = new URLSearchParams(body);
    const out: Record<string, string | string[]> = {};
    for (const k of new Set(params.keys())) {
      const all = params.getAll(k);
      out[k] = all.length === 1 ? all[0]! : all;
    }
    if (typeof out.payload === "string") {
      try {
        return JSON.parse(out.payload) as unknown;
      } catch {
        return out;
      }
    }
    return out;
  }
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return null;
  }
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v.trim().slice(0, MAX_ID) : typeof v === "number" ? String(v) : undefined);

/**
 * The sender's delivery id (deduplication key) and the event type. Without an id from the sender,
 * a hash of the body: an identical redelivery is then recognized as the same event.
 */
export function identifyEvent(scheme: WebhookScheme, headers: Headers, payload: unknown, body: string, hmac?: GenericHmacConfig): { deliveryId: string; eventType: string } {
  const p = obj(payload);
  const h = (name: string) => str(headers.get(name));
  let id: string | undefined;
  let type: string | undefined;
  switch (scheme) {
    case "github": {
      id = h("x-github-delivery");
      const event = h("x-github-event");
      const action = str(p.action);
      type = event ? (action ? `${event}.${action}` : event) : undefined;
      break;
    }
    case "slack": {
      id = str(p.event_id);
      type = p.type === "event_callback" ? str(obj(p.event).type) : str(p.type) ?? str(p.command);
      break;
    }
    case "stripe":
      id = str(p.id);
      type = str(p.type);
      break;
    case "pagerduty":
      id = str(obj(p.event).id) ?? h("x-webhook-id");
      type = str(obj(p.event).event_type);
      break;
    case "standard":
      id = h("webhook-id");
      type = str(p.type);
      break;
    case "twilio":
      id = h("i-twilio-idempotency-token");
      type = p.MessageStatus ? `message.${str(p.MessageStatus)}` : p.CallStatus ? `call.${str(p.CallStatus)}` : p.SmsSid || p.MessageSid ? "message" : undefined;
      break;
    case "hmac":
      id = (hmac?.idHeader ? h(hmac.idHeader) : undefined) ?? str(p.id);
      type = str(p.type) ?? str(p.event) ?? str(p.event_type);
      break;
  }
  return { deliveryId: id ?? `sha256:${sha256Hex(body)}`, eventType: type ?? "event" };
}

const SECRET_HEADER = /signature|authorization|cookie|token|secret|api[-_]?key|password|session|x-csrf/i;

/** Request headers fit for storage and display: credentials and signatures masked, sizes capped. */
export function redactHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of headers) {
    if (++n > 100) break;
    out[k] = SECRET_HEADER.test(k) ? "[redacted]" : v.slice(0, 1000);
  }
  return out;
}

const SECRET_KEY = /(secret|password|passwd|token|apikey|api_key|api-key|authorization|signature|privatekey|private_key|credentials?|cookie)$/i;

/** A copy of a payload for display with every value under a secret-looking key masked. */
export function redactPayload(value: unknown, depth = 0): unknown {
  if (depth > 50) return "[too deep]";
  if (Array.isArray(value)) return value.map((v) => redactPayload(v, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v !== null && typeof v !== "object" ? "[redacted]" : redactPayload(v, depth + 1);
    return out;
  }
  return value;
}
