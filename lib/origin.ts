import "server-only";
import { headers } from "next/headers";
import { env } from "@/lib/env";

/** The public origin of this app: AUTH_URL when set, else the request's own host. */
export async function appOrigin(): Promise<string> {
  const configured = env().AUTH_URL;
  if (configured) return new URL(configured).origin;
  const h = await headers();
  const host = h.get("x-forwarded-host") ?? h.get("host") ?? `localhost:${env().PORT}`;
  const proto = h.get("x-forwarded-proto") ?? "http";
  return `${proto}://${host}`;
}
