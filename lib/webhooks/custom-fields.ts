import { z } from "zod";
import type { GenericHmacConfig, WebhookScheme } from "@/lib/catalog/define-provider";

const headerSchema = () =>
  z
    .string()
    .trim()
    .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, "Enter a header name like X-Signature.");

/**
 * Inbound-webhook settings for the custom providers (config part): off, Standard Webhooks, or a
 * generic HMAC whose header, algorithm, encoding and optional timestamp header the sender documents.
 */
export const customWebhookConfigFields = {
  webhookScheme: z
    .enum(["off", "standard", "hmac"])
    .default("off")
    .meta({
      label: "Inbound webhooks",
      help: "off: this connection accepts no webhooks. standard: Standard Webhooks (webhook-id/-timestamp/-signature, whsec_ secret). hmac: an HMAC of the body in the header below.",
    }),
  webhookSignatureHeader: headerSchema().default("X-Signature").meta({ label: "Signature header", help: "hmac: the header carrying the signature." }),
  webhookAlgorithm: z.enum(["sha256", "sha1", "sha512"]).default("sha256").meta({ label: "HMAC algorithm", help: "hmac: the hash the sender uses." }),
  webhookEncoding: z.enum(["hex", "base64"]).default("hex").meta({ label: "Signature encoding", help: "hmac: how the signature is written in the header." }),
  webhookSignaturePrefix: z
    .string()
    .trim()
    .max(40)
    .regex(/^[^\s,]*$/, "The prefix cannot contain spaces or commas.")
    .default("")
    .meta({ label: "Signature prefix", placeholder: "sha256=", help: "hmac: text before the signature in the header, if any." }),
  webhookTimestampHeader: headerSchema()
    .optional()
    .meta({ label: "Timestamp header", help: "hmac: when set, the sender signs \"<timestamp>.<body>\" and deliveries older than five minutes are refused." }),
  webhookIdHeader: headerSchema()
    .default("X-Webhook-Id")
    .meta({ label: "Delivery id header", help: "hmac: the header with the sender's delivery id, used to drop duplicates; else the payload's id, else a hash of the body." }),
};

export const customWebhookCredentialFields = {
  webhookSecret: z
    .string()
    .trim()
    .min(1)
    .max(1000)
    .optional()
    .meta({ label: "Webhook secret", secret: true, help: "The secret the sender signs deliveries with (for standard: whsec_…). Needed only to receive webhooks." }),
};

type CustomWebhookConfig = z.output<z.ZodObject<typeof customWebhookConfigFields>>;

/** The scheme a custom connection's config selects; null while inbound webhooks are off. */
export function customWebhookScheme(c: CustomWebhookConfig): { scheme: WebhookScheme; hmac?: GenericHmacConfig } | null {
  if (c.webhookScheme === "standard") return { scheme: "standard" };
  if (c.webhookScheme !== "hmac") return null;
  return {
    scheme: "hmac",
    hmac: {
      header: c.webhookSignatureHeader,
      algorithm: c.webhookAlgorithm,
      encoding: c.webhookEncoding,
      prefix: c.webhookSignaturePrefix,
      timestampHeader: c.webhookTimestampHeader,
      idHeader: c.webhookIdHeader,
    },
  };
}
