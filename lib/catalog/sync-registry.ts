import "server-only";
import { and, eq, notInArray, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { integrationRegistry } from "@/db/schema";
import { describeFields } from "./fields";
import { listProviders } from "./registry";

/** Upsert every built-in provider into integration_registry; built-ins this version no longer has are removed. */
export async function syncBuiltinRegistry(): Promise<number> {
  const providers = listProviders();
  await getDb().transaction(async (tx) => {
    for (const p of providers) {
      const fields = describeFields(p);
      const row = {
        providerKey: p.key,
        name: p.name,
        category: p.category,
        description: p.description,
        authModes: [...p.authModes],
        capabilities: [...p.capabilities],
        requiredFields: fields.filter((f) => f.required).map((f) => f.name),
        optionalFields: fields.filter((f) => !f.required).map((f) => f.name),
        popular: p.popular,
        builtin: true,
        // Field descriptions only: labels, kinds, defaults, which are secret. Never values.
        definition: { icon: p.icon, docsUrl: p.docsUrl, oauth: p.oauth?.grant ?? null, fields },
        updatedAt: new Date(),
      };
      await tx
        .insert(integrationRegistry)
        .values(row)
        .onConflictDoUpdate({ target: integrationRegistry.providerKey, set: { ...row, providerKey: sql`excluded.provider_key` } });
    }
    await tx.delete(integrationRegistry).where(and(eq(integrationRegistry.builtin, true), notInArray(integrationRegistry.providerKey, providers.map((p) => p.key))));
  });
  return providers.length;
}
