import "server-only";
import type { Executor } from "@/db/client";
import { getActiveMappingOfStream, getTargetSchemaByKey } from "@/db/queries/mappings";
import { createMapper } from "./compile";
import { mappingSchema, type TargetSchemaDef } from "./schema";
import { getBuiltinTarget } from "./targets";
import type { Mapper } from "./types";

// Versions are immutable, so a compiled mapper is keyed by version id. A custom target schema can
// change (required fields, enum values), so its updatedAt is part of the key.
const MAX_CACHED = 500;
const cache = new Map<string, Mapper>();

/** The target schema a mapping maps to: built-in, or the organization's custom one. */
export async function resolveTarget(orgId: string | null, key: string, db?: Executor): Promise<{ target: TargetSchemaDef; stamp: string } | null> {
  const builtin = getBuiltinTarget(key);
  if (builtin) return { target: builtin, stamp: "builtin" };
  if (!orgId) return null;
  const row = await getTargetSchemaByKey(orgId, key, db);
  if (!row) return null;
  return { target: { key: row.key, name: row.name, fields: row.fields.map((f) => ({ ...f, required: f.required ?? false })) }, stamp: row.updatedAt.toISOString() };
}

/** A compiled mapper for a stored version (cached). A stored definition that no longer parses maps every record to an error. */
export function compiledMapper(versionId: string, definition: unknown, target: TargetSchemaDef | null, stamp: string): Mapper {
  const key = `${versionId}|${stamp}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const parsed = mappingSchema.safeParse(definition);
  const mapper: Mapper = parsed.success
    ? createMapper(versionId, parsed.data, target)
    : { versionId, apply: () => ({ mapped: {}, errors: [{ field: "*", message: `Mapping version ${versionId} is not a valid definition: ${parsed.error.issues[0]?.message ?? "unknown problem"}` }] }) };
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, mapper);
  return mapper;
}

/**
 * The compiled active mapping version of a sync stream, or null when the stream has none (records
 * are then stored raw, with mapped = null). Syncs call this once per run. The active version is
 * read fresh on every call; only the compilation is cached.
 */
export async function loadStreamMapper(streamId: string, db?: Executor): Promise<Mapper | null> {
  const row = await getActiveMappingOfStream(streamId, db);
  if (!row) return null;
  const resolved = await resolveTarget(row.orgId, row.targetSchema, db);
  return compiledMapper(row.versionId, row.definition, resolved?.target ?? null, resolved?.stamp ?? "none");
}

export function clearMapperCache(): void {
  cache.clear();
}
