import { getProvider } from "@/lib/catalog/registry";
import { hubspotStreams } from "./hubspot";
import { salesforceStreams } from "./salesforce";
import { genericRestStream } from "./generic-rest";
import type { StreamDef } from "./types";

export type { StreamDef, Page, PageRequest, PageToken } from "./types";

/**
 * The stream registry: built-in streams per provider key, kept here rather than on the provider
 * definitions so that lib/catalog stays free of sync code. Any provider with an API client can
 * also carry generic REST streams (their config describes the endpoint).
 */
const builtin: Record<string, StreamDef[]> = {
  hubspot: hubspotStreams,
  salesforce: salesforceStreams,
};

export function builtinStreams(providerKey: string): StreamDef[] {
  return builtin[providerKey] ?? [];
}

/** Generic REST streams need a provider whose client can make plain API requests. */
export function supportsGenericRest(providerKey: string): boolean {
  return typeof getProvider(providerKey)?.client === "function";
}

export function supportsSync(providerKey: string): boolean {
  return builtinStreams(providerKey).length > 0 || supportsGenericRest(providerKey);
}

/** The definition a stored stream runs with: the built-in one of its entity, else a generic REST stream from its config. */
export function resolveStream(providerKey: string, stream: { entity: string; config: Record<string, unknown> }): StreamDef {
  const b = builtinStreams(providerKey).find((s) => s.entity === stream.entity);
  if (b && stream.config.kind !== "generic-rest") return b;
  return genericRestStream(stream.config);
}
