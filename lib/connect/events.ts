import "server-only";

export type TokenRefreshEvent = { connectionId: string; orgId: string | null; ok: boolean; reauth: boolean; ms: number; message?: string };

type GlobalWithListeners = typeof globalThis & { __patchbayRefreshListeners?: Set<(e: TokenRefreshEvent) => void> };
const listeners = ((globalThis as GlobalWithListeners).__patchbayRefreshListeners ??= new Set());

/** Passive health signal: called after every token refresh attempt (the health module records it). */
export function onTokenRefresh(fn: (e: TokenRefreshEvent) => void): () => void {
  listeners.add(fn);
  return () => {
    listeners.delete(fn);
  };
}

export function emitTokenRefresh(e: TokenRefreshEvent): void {
  for (const fn of listeners) {
    try {
      fn(e);
    } catch {
      // a subscriber's failure never breaks the refresh
    }
  }
}
