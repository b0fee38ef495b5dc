import "server-only";
import { smtp } from "@/lib/providers/smtp";
import type { ProviderDefinition } from "./define-provider";

/** Built-in providers, defined in code. */
export const builtinProviders = { smtp } as const;

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
