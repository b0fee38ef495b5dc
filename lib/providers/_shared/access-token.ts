import "server-only";
import type { TestContext, TestResult } from "@/lib/catalog/define-provider";
import { isAppError } from "@/lib/errors";

/**
 * The connection's current access token from lib/connect, or the test result that explains why
 * there is none (never connected, or the refresh failed and the admin has to reconnect).
 */
export async function currentAccessToken(ctx: TestContext, name: string): Promise<{ token: string } | { result: TestResult }> {
  if (!ctx.getAccessToken) return { result: { ok: false, message: `Not authorized yet: click Connect to sign in with ${name}.` } };
  try {
    const token = await ctx.getAccessToken();
    if (!token) return { result: { ok: false, reauth: true, message: `Not authorized yet: click Connect to sign in with ${name}.` } };
    return { token };
  } catch (error) {
    const message = isAppError(error) ? error.message : `Could not get an access token for ${name}; reconnect.`;
    return { result: { ok: false, reauth: true, message } };
  }
}

export const rejectedToken = (name: string): TestResult => ({ ok: false, reauth: true, message: `${name} rejected the access token; reconnect.` });
