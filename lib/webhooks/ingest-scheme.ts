import "server-only";
import type { z } from "zod";
import type { GenericHmacConfig, ProviderDefinition, WebhookScheme } from "@/lib/catalog/define-provider";

export type ResolvedWebhook = { scheme: WebhookScheme; hmac?: GenericHmacConfig; secretField: string; secretLabel: string };

/** Which scheme and secret field a connection of this provider verifies with; null when it receives no webhooks. */
export function webhookSchemeFor(provider: ProviderDefinition, config: Record<string, unknown>): ResolvedWebhook | null {
  const spec = provider.webhook;
  if (!spec) return null;
  let resolved: { scheme: WebhookScheme; hmac?: GenericHmacConfig } | null = { scheme: spec.scheme as WebhookScheme };
  if (typeof spec.scheme === "function") {
    // Stored config lacks the defaults the schema fills in; an invalid one selects nothing (fail closed).
    const parsed = provider.configSchema.safeParse(config);
    resolved = parsed.success ? spec.scheme(parsed.data as never) : null;
  }
  if (!resolved) return null;
  const label = (provider.credentialsSchema.shape as Record<string, z.ZodType>)[spec.secretField]?.meta()?.label ?? spec.secretField;
  return { ...resolved, secretField: spec.secretField, secretLabel: label };
}

