import ipaddr from "ipaddr.js";
import { z } from "zod";

/**
 * Hosts where plain http is acceptable: this machine and private network addresses. Everything else
 * must use https, because these URLs carry client secrets, API keys and access tokens.
 */
export function isLocalHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (!ipaddr.isValid(h)) return false;
  const addr = ipaddr.process(h);
  return addr.range() !== "unicast";
}

function parse(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * A service's base URL or endpoint: http(s) only, https unless the host is local, no embedded user
 * name or password, and (unless `allowQuery`) no query or fragment, since paths are appended to it.
 */
export function serviceUrl(opts: { allowQuery?: boolean } = {}) {
  return z
    .url({ protocol: /^https?$/, error: "Enter a full address starting with https://." })
    .max(2000)
    .refine((v) => {
      const u = parse(v);
      return !u || u.protocol === "https:" || isLocalHost(u.hostname);
    }, "Use https:// (plain http is only accepted for localhost and private network addresses).")
    .refine((v) => {
      const u = parse(v);
      return !u || (!u.username && !u.password);
    }, "Remove the user name and password from the address.")
    .refine((v) => {
      const u = parse(v);
      return !u || opts.allowQuery || (!u.search && !u.hash);
    }, "Remove the ?query or #fragment from the address.");
}

/** `base` without trailing slashes, then `path` (which starts with "/"). */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, "") + (path.startsWith("/") ? path : `/${path}`);
}

/** Space- or comma-separated scopes, deduplicated, in order. */
export function splitScopes(value: string | undefined): string[] {
  return [...new Set((value ?? "").split(/[\s,]+/).filter(Boolean))];
}

export const scopesSchema = z
  .string()
  .trim()
  .max(2000)
  .regex(/^[\x21\x23-\x5B\x5D-\x7E\s,]*$/, "Scopes are words separated by spaces, without quotes or backslashes.");

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const guidSchema = (what: string) => z.string().trim().regex(guidPattern, `${what} is a GUID like 1b2c3d4e-0000-1111-2222-333344445555.`);
export const isGuid = (v: string) => guidPattern.test(v);
