import "server-only";
import { customApiKey } from "@/lib/providers/custom-api-key";
import { customOAuth2 } from "@/lib/providers/custom-oauth2";
import { datadog } from "@/lib/providers/datadog";
import { docusign } from "@/lib/providers/docusign";
import { hubspot } from "@/lib/providers/hubspot";
import { microsoftGraph } from "@/lib/providers/microsoft-graph";
import { oidc } from "@/lib/providers/oidc";
import { s3 } from "@/lib/providers/s3";
import { salesforce } from "@/lib/providers/salesforce";
import { githubApp } from "@/lib/providers/github-app";
import { googleServiceAccount } from "@/lib/providers/google-service-account";
import { jira } from "@/lib/providers/jira";
import { outboundWebhook } from "@/lib/providers/outbound-webhook";
import { pagerduty } from "@/lib/providers/pagerduty";
import { postmark } from "@/lib/providers/postmark";
import { sendgrid } from "@/lib/providers/sendgrid";
import { servicenow } from "@/lib/providers/servicenow";
import { slack } from "@/lib/providers/slack";
import { smtp } from "@/lib/providers/smtp";
import { stripe } from "@/lib/providers/stripe";
import { twilio } from "@/lib/providers/twilio";
import type { ProviderDefinition } from "./define-provider";

/** Built-in providers, defined in code. */
export const builtinProviders = {
  smtp,
  slack,
  "github-app": githubApp,
  stripe,
  twilio,
  sendgrid,
  postmark,
  pagerduty,
  datadog,
  jira,
  servicenow,
  "outbound-webhook": outboundWebhook,
  hubspot,
  salesforce,
  "microsoft-graph": microsoftGraph,
  s3,
  docusign,
  oidc,
  "custom-oauth2": customOAuth2,
  "custom-api-key": customApiKey,
  "google-service-account": googleServiceAccount,
} as const;

export type ProviderKey = keyof typeof builtinProviders;
export type Provider<K extends ProviderKey = ProviderKey> = (typeof builtinProviders)[K];

export function isProviderKey(key: string): key is ProviderKey {
  return Object.hasOwn(builtinProviders, key);
}

export function getProvider(key: string): ProviderDefinition | undefined {
  return isProviderKey(key) ? (builtinProviders[key] as unknown as ProviderDefinition) : undefined;
}

export function listProviders(): ProviderDefinition[] {
  return Object.values(builtinProviders) as unknown as ProviderDefinition[];
}
