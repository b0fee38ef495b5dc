import "server-only";
import { getVisibleConnection } from "@/db/queries/integrations";
import { allowlistEntriesFor } from "@/db/queries/network";
import type { ClientContext } from "@/lib/catalog/define-provider";
import { getProvider } from "@/lib/catalog/registry";
import { getAccessToken, markNeedsReauth } from "@/lib/connect/oauth";
import { AppError } from "@/lib/errors";
import { applyConnectionRate } from "@/lib/connections/rate";
import { sleep } from "@/lib/http/throttle";
import { ProviderRequestError, type ApiClient, type ApiRequestInit, type ApiResponse } from "@/lib/providers/_shared/api-client";
import { loadConnectionSettings } from "@/lib/settings";

export type Source = { providerKey: string; connectionName: string; client: ApiClient };

const SERVER_ERROR_RETRIES = 3;

/**
 * An API client for a sync of one connection: the provider's own client (egressFetch with the
 * connection's auth, allowlist, breaker, throttle and log tags), plus what a long-running sync
 * needs on top: a 401 triggers one token refresh and one retry, and a second 401 marks the
 * connection needs_reauth; a 5xx the transport did not retry (500) is tried again with backoff.
 */
export async function openSource(orgId: string, connectionId: string, signal?: AbortSignal): Promise<Source> {
  const row = await getVisibleConnection(orgId, connectionId);
  if (!row) throw new AppError("not_found", "The stream's connection no longer exists.");
  const provider = getProvider(row.providerKey);
  if (!provider?.client) throw new AppError("bad_request", `${row.name} (${row.providerKey}) has no API client to sync with.`);
  if (!row.enabled) throw new AppError("unavailable", `Connection "${row.name}" is disabled. Enable it at /connections/${row.id} to sync.`);
  if (row.status === "needs_reauth") throw new AppError("unauthorized", `Connection "${row.name}" needs to be reconnected at /connections/${row.id} before it can sync.`);
  const { settings } = await loadConnectionSettings(row.id, orgId);
  await applyConnectionRate(row.orgId, row.id, { force: true });
  const ref = { orgId, connectionId: row.id };
  let lastToken: string | undefined;
  const ctx: ClientContext = {
    connectionId: row.id,
    orgId,
    allowPrivate: await allowlistEntriesFor(row.orgId),
    getAccessToken: async () => {
      if (!provider.oauth) throw new AppError("bad_request", `${provider.name} connections do not use access tokens.`);
      lastToken = await getAccessToken(ref);
      return lastToken;
    },
  };
  const base = (provider.client(settings as never, ctx) as { request?: ApiClient["request"] }).request;
  if (typeof base !== "function") throw new AppError("bad_request", `${provider.name} has no API client to sync with.`);

  async function request<T>(pathOrUrl: string, init: ApiRequestInit = {}): Promise<ApiResponse<T>> {
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      try {
        return await base!<T>(pathOrUrl, { ...init, signal: init.signal ?? signal });
      } catch (e) {
        if (!(e instanceof ProviderRequestError)) throw e;
        if (e.providerStatus === 401 && provider!.oauth) {
          if (!refreshed && lastToken) {
            refreshed = true;
            await getAccessToken(ref, { rejected: lastToken });
            continue;
          }
          const message = `${provider!.name} rejected the access token again after a refresh. Reconnect "${row!.name}" at /connections/${row!.id}.`;
          const current = await getVisibleConnection(orgId, row!.id);
          if (current && current.status !== "needs_reauth") await markNeedsReauth(current, message, "401_after_refresh");
          throw new AppError("unauthorized", message);
        }
        // 502-504 (and 429) were already retried by egressFetch, honouring Retry-After.
        if (e.providerStatus >= 500 && ![502, 503, 504].includes(e.providerStatus) && attempt < SERVER_ERROR_RETRIES) {
          await sleep(500 * 2 ** attempt, init.signal ?? signal);
          continue;
        }
        throw e;
      }
    }
  }
  return { providerKey: row.providerKey, connectionName: row.name, client: { request } };
}
