import "server-only";
import { getVisibleConnection } from "@/db/queries/integrations";
import { allowlistEntriesFor } from "@/db/queries/network";
import type { ClientContext, FactoryClientOf, ProviderDefinition } from "@/lib/catalog/define-provider";
import { getProvider, type Provider, type ProviderKey } from "@/lib/catalog/registry";
import { getAccessToken } from "@/lib/connect/oauth";
import { getInstallationToken, GITHUB_PROVIDER_KEY } from "@/lib/connect/github-app";
import { AppError } from "@/lib/errors";
import { applyConnectionRate } from "@/lib/connections/rate";
import { resolveSettings } from "@/lib/settings";
import { IntegrationNotConfiguredError } from "@/lib/settings/errors";
import { EMAIL_PROVIDERS, sendVia, type EmailMessage } from "./email";

export type { ApiClient, ApiRequestInit, ApiResponse } from "@/lib/providers/_shared/api-client";
export { ProviderRequestError } from "@/lib/providers/_shared/api-client";

type EmailProviderKey = (typeof EMAIL_PROVIDERS)[number];

export type EmailClient = {
  /** Send through this one connection (no fallback: sendEmail does that). */
  send(msg: EmailMessage): Promise<{ connectionId: string; provider: string; messageId: string | undefined }>;
};

type Factory<K extends ProviderKey> = FactoryClientOf<Provider<K>>;

/** The client getClient returns for a provider: its own `client` factory's, plus `send` for email providers. */
export type ClientOf<K extends ProviderKey> = K extends EmailProviderKey ? EmailClient & ([Factory<K>] extends [never] ? unknown : Factory<K>) : Factory<K>;

/** Providers getClient serves (those with a client factory, and the email providers). */
export type ClientProviderKey = { [K in ProviderKey]: [ClientOf<K>] extends [never] ? never : K }[ProviderKey];

export type ClientOptions = { orgId: string; connectionId?: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isEmailProvider(key: string): key is EmailProviderKey {
  return (EMAIL_PROVIDERS as readonly string[]).includes(key);
}

/** Where a client's token comes from: lib/connect refreshes OAuth tokens and mints GitHub installation tokens. */
function tokenSource(provider: ProviderDefinition, ref: { orgId: string; connectionId: string }): () => Promise<string> {
  if (provider.key === GITHUB_PROVIDER_KEY) return () => getInstallationToken(ref);
  if (provider.oauth) return () => getAccessToken(ref);
  return () => Promise.reject(new AppError("bad_request", `${provider.name} connections do not use access tokens.`));
}

/**
 * A ready client for a provider, for the platform's own code: the organization's default
 * connection, else the platform-wide one (or `connectionId`), resolved like getSettings. Its calls
 * go through egressFetch with the connection's auth (API key, basic, OAuth bearer refreshed ahead
 * of expiry, GitHub installation token), the owner's egress allowlist, a circuit breaker per
 * connection and log tags that feed passive health. Throws IntegrationNotConfiguredError,
 * IntegrationDisabledError or IntegrationUnavailableError naming the page where an admin fixes it.
 *
 * Get one per unit of work (it is cheap: settings are cached); tokens are fetched per call.
 */
export async function getClient<K extends ClientProviderKey>(providerKey: K, opts: ClientOptions): Promise<ClientOf<K>> {
  const provider = getProvider(providerKey);
  if (!provider || (!provider.client && !isEmailProvider(providerKey))) throw new IntegrationNotConfiguredError(`There is no ready client for provider "${providerKey}".`);
  if (opts.connectionId) {
    if (!UUID.test(opts.connectionId)) throw new IntegrationNotConfiguredError(`"${opts.connectionId}" is not a connection id.`);
    // resolveSettings parses the rows it is given: a connection of another provider must not reach it.
    const row = await getVisibleConnection(opts.orgId, opts.connectionId);
    if (row && row.providerKey !== providerKey) throw new IntegrationNotConfiguredError(`Connection "${row.name}" is not a ${provider.name} connection.`);
  }
  const resolved = await resolveSettings(providerKey, opts);
  const connection = { id: resolved.connection.id, orgId: resolved.connection.scope === "organization" ? opts.orgId : null, providerKey };
  const ref = { orgId: opts.orgId, connectionId: connection.id };
  await applyConnectionRate(connection.orgId, connection.id);
  const ctx: ClientContext = {
    connectionId: connection.id,
    orgId: opts.orgId,
    // A platform-wide connection only reaches what the platform allowlist allows, whoever uses it.
    allowPrivate: await allowlistEntriesFor(connection.orgId),
    getAccessToken: tokenSource(provider, ref),
  };
  const client = (provider.client?.(resolved.settings, ctx) ?? {}) as Record<string, unknown>;
  if (isEmailProvider(providerKey)) {
    const email: EmailClient = {
      async send(msg) {
        if (!msg.text && !msg.html) throw new AppError("bad_request", "An email needs a text or html body.");
        const messageId = await sendVia(connection, opts.orgId, msg, resolved.settings);
        return { connectionId: connection.id, provider: providerKey, messageId };
      },
    };
    Object.assign(client, email);
  }
  return client as ClientOf<K>;
}
