import { createHmac, randomUUID } from "node:crypto";
import type { GenericHmacConfig, WebhookScheme } from "@/lib/catalog/define-provider";
import { standardSecretKey } from "./verify/standard";
import { twilioSignedString } from "./verify/twilio";

export type SignedRequest = { headers: Record<string, string>; body: string; url: string };

/**
 * A sample event signed the way the provider signs, with the connection's own secret: what
 * "Send test event" posts to the connection's webhook URL so an admin sees the whole path work.
 */
export function signTestEvent(scheme: WebhookScheme, secret: string, url: string, hmac?: GenericHmacConfig, now = new Date()): SignedRequest {
  const ts = Math.floor(now.getTime() / 1000);
  const id = randomUUID();
  const json = (payload: unknown) => JSON.stringify(payload);
  const hex = (alg: string, key: string | Buffer, data: string) => createHmac(alg, key).update(data).digest("hex");
  switch (scheme) {
    case "github": {
      const body = json({ zen: "Patchbay test event.", hook_id: 0, patchbay_test: true });
      return { url, body, headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": id, "x-hub-signature-256": `sha256=${hex("sha256", secret, body)}` } };
    }
    case "stripe": {
      const body = json({ id: `evt_test_${id.replace(/-/g, "")}`, object: "event", type: "patchbay.test", created: ts, data: { object: {} } });
      return { url, body, headers: { "content-type": "application/json", "stripe-signature": `t=${ts},v1=${hex("sha256", secret, `${ts}.${body}`)}` } };
    }
    case "slack": {
      const body = json({ type: "event_callback", event_id: `EvTest${id.slice(0, 8)}`, event: { type: "patchbay_test" } });
      return { url, body, headers: { "content-type": "application/json", "x-slack-request-timestamp": String(ts), "x-slack-signature": `v0=${hex("sha256", secret, `v0:${ts}:${body}`)}` } };
    }
    case "pagerduty": {
      const body = json({ event: { id, event_type: "pagey.ping", occurred_at: now.toISOString(), data: { patchbay_test: true } } });
      return { url, body, headers: { "content-type": "application/json", "x-webhook-id": id, "x-pagerduty-signature": `v1=${hex("sha256", secret, body)}` } };
    }
    case "standard": {
      const body = json({ type: "patchbay.test", timestamp: now.toISOString(), data: {} });
      const key = standardSecretKey(secret) ?? Buffer.alloc(0);
      const sig = createHmac("sha256", key).update(`msg_${id}.${ts}.${body}`).digest("base64");
      return { url, body, headers: { "content-type": "application/json", "webhook-id": `msg_${id}`, "webhook-timestamp": String(ts), "webhook-signature": `v1,${sig}` } };
    }
    case "twilio": {
      const params = new URLSearchParams({ MessageSid: `SMtest${id.replace(/-/g, "").slice(0, 26)}`, MessageStatus: "test", AccountSid: "patchbay-test" });
      const sig = createHmac("sha1", secret).update(twilioSignedString(url, params)).digest("base64");
      return { url, body: params.toString(), headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": sig } };
    }
    case "hmac": {
      if (!hmac) throw new Error("This connection has no HMAC signature settings.");
      const body = json({ id, type: "patchbay.test" });
      const mac = createHmac(hmac.algorithm, secret).update(hmac.timestampHeader ? `${ts}.${body}` : body).digest(hmac.encoding);
      return {
        url,
        body,
        headers: {
          "content-type": "application/json",
          [hmac.header.toLowerCase()]: `${hmac.prefix}${mac}`,
          ...(hmac.timestampHeader ? { [hmac.timestampHeader.toLowerCase()]: String(ts) } : {}),
          ...(hmac.idHeader ? { [hmac.idHeader.toLowerCase()]: id } : {}),
        },
      };
    }
  }
}

