import "server-only";
import { getDb } from "@/db/client";
import {
  countLiveRecords,
  countMappingsUsingTarget,
  deleteMapping as deleteMappingRow,
  deleteTargetSchema,
  deleteTemplate as deleteTemplateRow,
  ensureStream,
  getMapping,
  getMappingVersion,
  getOrgTemplate,
  getStream,
  getTargetSchema,

  insertMapping,
  insertMappingVersion,
  insertTargetSchema,
  insertTemplate,
  isUniqueViolation,
  listOrgTemplates,
  listSampleRecords,
  listTargetSchemas,
  lockMapping,
  updateMapping,
  updateTargetSchema,
  type MappingVersionRow,
} from "@/db/queries/mappings";
import { recordAudit, type AuditActor } from "@/lib/audit";
import { AppError } from "@/lib/errors";
import { publishEvent } from "@/lib/events/publish";
import { enqueue, getBoss } from "@/lib/jobs/boss";
import { compiledMapper, resolveTarget } from "./active";
import { checkDefinition } from "./compile";
import { diffMappings, type MappingDiff } from "./diff";
import { mappingSchema, targetSchemaDefSchema, type DefinitionIssue, type MappingDefinition, type TargetSchemaDef } from "./schema";
import { builtinTargets, isBuiltinTargetKey } from "./targets";
import { builtinTemplates, getBuiltinTemplate } from "./templates";

type Who = { orgId: string; actor: AuditActor; ip: string | null };

/** Every target an organization can map to: built-in first, then its own. */
export async function listTargets(orgId: string): Promise<(TargetSchemaDef & { builtin: boolean; id: string | null })[]> {
  const custom = await listTargetSchemas(orgId);
  return [...builtinTargets.map((t) => ({ ...t, builtin: true, id: null })), ...custom.map((c) => ({ key: c.key, name: c.name, fields: c.fields.map((f) => ({ ...f, required: f.required ?? false })), builtin: false, id: c.id }))];
}

export type TemplateSummary = { id: string; name: string; description: string | null; providerKey: string | null; entity: string | null; targetSchema: string; builtin: boolean; definition: MappingDefinition };

export async function listTemplates(orgId: string): Promise<TemplateSummary[]> {
  const own = await listOrgTemplates(orgId);
  return [
    ...builtinTemplates.map((t) => ({ ...t, builtin: true })),
    ...own.map((t) => ({ id: t.id, name: t.name, description: t.description, providerKey: t.providerKey, entity: t.entity, targetSchema: t.targetSchema, builtin: false, definition: t.definition as unknown as MappingDefinition })),
  ];
}

async function findTemplate(orgId: string, id: string): Promise<TemplateSummary | undefined> {
  if (id.startsWith("builtin:")) {
    const t = getBuiltinTemplate(id);
    return t ? { ...t, builtin: true } : undefined;
  }
  const t = await getOrgTemplate(orgId, id);
  return t ? { id: t.id, name: t.name, description: t.description, providerKey: t.providerKey, entity: t.entity, targetSchema: t.targetSchema, builtin: false, definition: t.definition as unknown as MappingDefinition } : undefined;
}

export type SaveResult = { ok: true; version: Pick<MappingVersionRow, "id" | "version"> } | { ok: false; issues: DefinitionIssue[] };

/** Parse and check a submitted definition against the mapping's target: issues addressed to fields, never an exception. */
async function validateDefinition(orgId: string, targetKey: string, input: unknown): Promise<{ ok: true; definition: MappingDefinition } | { ok: false; issues: DefinitionIssue[] }> {
  const parsed = mappingSchema.safeParse(input);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.map((i) => ({ path: i.path as (string | number)[], message: i.message })) };
  if (parsed.data.targetSchema !== targetKey) return { ok: false, issues: [{ path: ["targetSchema"], message: `This mapping maps to "${targetKey}", not "${parsed.data.targetSchema}".` }] };
  const target = await resolveTarget(orgId, targetKey);
  if (!target) return { ok: false, issues: [{ path: ["targetSchema"], message: `The target schema "${targetKey}" no longer exists.` }] };
  const issues = checkDefinition(parsed.data, target.target);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, definition: parsed.data };
}

/**
 * A mapping for a stream, chosen directly or as (connection, entity); the stream is prepared
 * (switched off) when the connection has none for that entity yet. A template, when given, becomes
 * version 1 (not active until someone activates it after its dry run).
 */
export async function createMapping(input: Who & { streamId?: string | null; connectionId?: string | null; entity?: string | null; targetSchema: string; templateId?: string | null }): Promise<{ id: string; issues?: DefinitionIssue[] }> {
  const template = input.templateId ? await findTemplate(input.orgId, input.templateId) : undefined;
  if (input.templateId && !template) throw new AppError("not_found", "That template does not exist.", { fieldErrors: { templateId: ["That template does not exist."] } });
  const targetKey = template?.targetSchema ?? input.targetSchema;
  const target = await resolveTarget(input.orgId, targetKey);
  if (!target) throw new AppError("bad_request", `There is no target schema "${targetKey}".`, { fieldErrors: { targetSchema: [`There is no target schema "${targetKey}".`] } });
  let checked: Awaited<ReturnType<typeof validateDefinition>> | null = null;
  if (template) checked = await validateDefinition(input.orgId, targetKey, { ...template.definition, targetSchema: targetKey });
  try {
    return await getDb().transaction(async (tx) => {
      const stream = input.streamId
        ? await getStream(input.orgId, input.streamId, tx)
        : input.connectionId && input.entity
          ? await ensureStream(input.orgId, input.connectionId, input.entity.trim(), tx)
          : undefined;
      if (!stream) throw new AppError("not_found", "That stream does not exist: choose one of your connections and an entity.", { fieldErrors: { connectionId: ["Choose one of your connections."] } });
      const m = await insertMapping({ orgId: input.orgId, integrationId: stream.integrationId, streamId: stream.id, entity: stream.entity, targetSchema: targetKey }, tx);
      let versionId: string | null = null;
      if (checked?.ok) {
        const v = await insertMappingVersion({ mappingId: m.id, definition: checked.definition as unknown as Record<string, unknown>, note: `From template "${template!.name}"`, createdBy: input.actor.id }, tx);
        versionId = v.id;
      }
      await recordAudit(tx, { orgId: input.orgId, actor: input.actor, action: "mapping.created", target: { type: "data_mapping", id: m.id }, metadata: { streamId: stream.id, entity: stream.entity, targetSchema: targetKey, template: template?.name ?? null, versionId }, ip: input.ip });
      return { id: m.id, issues: checked && !checked.ok ? checked.issues : undefined };
    });
  } catch (e) {
    if (isUniqueViolation(e, "data_mappings_stream")) throw new AppError("conflict", "This stream already has a mapping: open it from the Mappings list.", { fieldErrors: { entity: ["This stream already has a mapping."] } });
    throw e;
  }
}

export async function saveMappingVersion(input: Who & { mappingId: string; definition: unknown; note?: string | null }): Promise<SaveResult> {
  const mapping = await getMapping(input.orgId, input.mappingId);
  if (!mapping) throw new AppError("not_found", "That mapping does not exist.");
  const checked = await validateDefinition(input.orgId, mapping.targetSchema, input.definition);
  if (!checked.ok) return checked;
  try {
    const v = await getDb().transaction(async (tx) => {
      if (!(await lockMapping(input.orgId, input.mappingId, tx))) throw new AppError("not_found", "That mapping does not exist.");
      const row = await insertMappingVersion({ mappingId: mapping.id, definition: checked.definition as unknown as Record<string, unknown>, note: input.note?.trim() || null, createdBy: input.actor.id }, tx);
      await updateMapping(input.orgId, mapping.id, {}, tx);
      await recordAudit(tx, { orgId: input.orgId, actor: input.actor, action: "mapping.version_saved", target: { type: "data_mapping", id: mapping.id }, metadata: { version: row.version, versionId: row.id, rules: checked.definition.rules.length }, ip: input.ip });
      return row;
    });
    return { ok: true, version: { id: v.id, version: v.version } };
  } catch (e) {
    if (isUniqueViolation(e, "data_mapping_versions_version")) throw new AppError("conflict", "Someone saved this mapping at the same moment. Reload to see their version, then save again.");
    throw e;
  }
}

/** The dry run of activating `versionId`: the active version and it, over the last `limit` stored records. */
export async function dryRunVersion(input: { orgId: string; mappingId: string; versionId: string; limit?: number }): Promise<MappingDiff & { activeVersion: number | null; candidateVersion: number }> {
  const mapping = await getMapping(input.orgId, input.mappingId);
  if (!mapping) throw new AppError("not_found", "That mapping does not exist.");
  const candidate = await getMappingVersion(input.orgId, input.versionId);
  if (!candidate || candidate.mappingId !== mapping.id) throw new AppError("not_found", "That version does not exist.");
  const active = mapping.activeVersionId ? await getMappingVersion(input.orgId, mapping.activeVersionId) : undefined;
  const target = await resolveTarget(input.orgId, mapping.targetSchema);
  const stamp = target?.stamp ?? "none";
  const records = await listSampleRecords(input.orgId, mapping, Math.min(Math.max(input.limit ?? 200, 1), 1000));
  const newApply = compiledMapper(candidate.id, candidate.definition, target?.target ?? null, stamp).apply;
  const oldApply = active ? compiledMapper(active.id, active.definition, target?.target ?? null, stamp).apply : null;
  const diff = diffMappings(records.map((r) => ({ id: r.externalId, raw: r.raw })), oldApply, newApply);
  return { ...diff, activeVersion: active?.version ?? null, candidateVersion: candidate.version };
}

/**
 * Make a version the one syncs apply. Activating an older version is a rollback. With `remap`,
 * a background job re-maps every stored record; its counters are reset under the same lock.
 */
export async function activateMappingVersion(input: Who & { mappingId: string; versionId: string; remap: boolean }): Promise<{ version: number; rollback: boolean; remapTotal: number | null }> {
  if (input.remap) await getBoss();
  return getDb().transaction(async (tx) => {
    const m = await lockMapping(input.orgId, input.mappingId, tx);
    if (!m) throw new AppError("not_found", "That mapping does not exist.");
    const v = await getMappingVersion(input.orgId, input.versionId, tx);
    if (!v || v.mappingId !== m.id) throw new AppError("not_found", "That version does not exist.");
    const previous = m.activeVersionId ? await getMappingVersion(input.orgId, m.activeVersionId, tx) : undefined;
    const rollback = previous !== undefined && v.version < previous.version;
    let remapTotal: number | null = null;
    if (input.remap) {
      remapTotal = await countLiveRecords(input.orgId, m, tx);
      await updateMapping(input.orgId, m.id, { activeVersionId: v.id, remapStatus: "running", remapDone: 0, remapTotal, remapError: null }, tx);
      await enqueue("mapping-remap", { mappingId: m.id, orgId: input.orgId }, { tx, singletonKey: m.id });
      await publishEvent(tx, { orgId: input.orgId, type: "sync.progress", data: { kind: "mapping.remap", mappingId: m.id, status: "running", done: 0, total: remapTotal } });
    } else {
      await updateMapping(input.orgId, m.id, { activeVersionId: v.id }, tx);
    }
    await recordAudit(tx, { orgId: input.orgId, actor: input.actor, action: rollback ? "mapping.rolled_back" : "mapping.activated", target: { type: "data_mapping", id: m.id }, metadata: { version: v.version, versionId: v.id, previousVersion: previous?.version ?? null, remap: input.remap }, ip: input.ip });
    return { version: v.version, rollback, remapTotal };
  });
}

/** Re-map stored records with the active version (without activating anything). */
export async function startRemap(input: Who & { mappingId: string }): Promise<{ remapTotal: number }> {
  await getBoss();
  return getDb().transaction(async (tx) => {
    const m = await lockMapping(input.orgId, input.mappingId, tx);
    if (!m) throw new AppError("not_found", "That mapping does not exist.");
    if (!m.activeVersionId) throw new AppError("bad_request", "Activate a version first: re-mapping applies the active version.");
    const remapTotal = await countLiveRecords(input.orgId, m, tx);
    await updateMapping(input.orgId, m.id, { remapStatus: "running", remapDone: 0, remapTotal, remapError: null }, tx);
    await enqueue("mapping-remap", { mappingId: m.id, orgId: input.orgId }, { tx, singletonKey: m.id });
    await publishEvent(tx, { orgId: input.orgId, type: "sync.progress", data: { kind: "mapping.remap", mappingId: m.id, status: "running", done: 0, total: remapTotal } });
    await recordAudit(tx, { orgId: input.orgId, actor: input.actor, action: "mapping.remap_started", target: { type: "data_mapping", id: m.id }, metadata: { total: remapTotal }, ip: input.ip });
    return { remapTotal };
  });
}

export async function deleteMapping(input: Who & { mappingId: string }): Promise<void> {
  await getDb().transaction(async (tx) => {
    const m = await lockMapping(input.orgId, input.mappingId, tx);
    if (!m) throw new AppError("not_found", "That mapping does not exist.");
    await deleteMappingRow(input.orgId, m.id, tx);
    await recordAudit(tx, { orgId: input.orgId, actor: input.actor, action: "mapping.deleted", target: { type: "data_mapping", id: m.id }, metadata: { entity: m.entity, targetSchema: m.targetSchema }, ip: input.ip });
  });
}

/* ───────── templates ───────── */

export async function saveTemplate(input: Who & { name: string; description?: string | null; definition: unknown; mappingId?: string | null }): Promise<{ id: string } | { ok: false; issues: DefinitionIssue[] }> {
  const parsed = mappingSchema.safeParse(input.definition);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.map((i) => ({ path: i.path as (string | number)[], message: i.message })) };
  const target = await resolveTarget(input.orgId, parsed.data.targetSchema);
  if (!target) return { ok: false, issues: [{ path: ["targetSchema"], message: `There is no target schema "${parsed.data.targetSchema}".` }] };
  const mapping = input.mappingId ? await getMapping(input.orgId, input.mappingId) : undefined;
  if (input.mappingId && !mapping) throw new AppError("not_found", "That mapping does not exist.");
  try {
    return await getDb().transaction(async (tx) => {
      const t = await insertTemplate({ orgId: input.orgId, name: input.name.trim(), description: input.description?.trim() || null, providerKey: mapping?.providerKey ?? null, entity: mapping?.entity ?? null, targetSchema: parsed.data.targetSchema, definition: parsed.data as unknown as Record<string, unknown>, createdBy: input.actor.id }, tx);
      await recordAudit(tx, { orgId: input.orgId, actor: input.actor, action: "mapping_template.saved", target: { type: "mapping_template", id: t.id }, metadata: { name: t.name, targetSchema: t.targetSchema, fromMapping: mapping?.id ?? null }, ip: input.ip });
      return { id: t.id };
    });
  } catch (e) {
    if (isUniqueViolation(e, "mapping_templates_name")) throw new AppError("conflict", `A template named "${input.name.trim()}" already exists.`, { fieldErrors: { name: ["A template with this name already exists."] } });
    throw e;
  }
}

/** Apply a template to a mapping: a new version made from it (activate it after its dry run). */
export async function applyTemplate(input: Who & { mappingId: string; templateId: string }): Promise<SaveResult> {
  const mapping = await getMapping(input.orgId, input.mappingId);
  if (!mapping) throw new AppError("not_found", "That mapping does not exist.");
  const t = await findTemplate(input.orgId, input.templateId);
  if (!t) throw new AppError("not_found", "That template does not exist.");
  if (t.targetSchema !== mapping.targetSchema) throw new AppError("bad_request", `"${t.name}" maps to ${t.targetSchema}; this mapping maps to ${mapping.targetSchema}.`);
  return saveMappingVersion({ ...input, definition: t.definition, note: `From template "${t.name}"` });
}

export async function deleteTemplate(input: Who & { templateId: string }): Promise<void> {
  if (input.templateId.startsWith("builtin:")) throw new AppError("bad_request", "Built-in templates cannot be deleted.");
  await getDb().transaction(async (tx) => {
    const t = await deleteTemplateRow(input.orgId, input.templateId, tx);
    if (!t) throw new AppError("not_found", "That template does not exist.");
    await recordAudit(tx, { orgId: input.orgId, actor: input.actor, action: "mapping_template.deleted", target: { type: "mapping_template", id: t.id }, metadata: { name: t.name }, ip: input.ip });
  });
}

/* ───────── custom target schemas ───────── */

export async function saveTargetSchema(input: Who & { id?: string | null; schema: unknown }): Promise<{ id: string }> {
  const parsed = targetSchemaDefSchema.safeParse(input.schema);
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const i of parsed.error.issues) (fieldErrors[i.path.join(".") || "schema"] ??= []).push(i.message);
    throw new AppError("bad_request", parsed.error.issues[0]?.message ?? "The target schema is not valid.", { fieldErrors });
  }
  const def = parsed.data;
  if (!input.id && isBuiltinTargetKey(def.key)) throw new AppError("conflict", `"${def.key}" is a built-in target.`, { fieldErrors: { key: [`"${def.key}" is a built-in target; choose another key.`] } });
  try {
    return await getDb().transaction(async (tx) => {
      if (input.id) {
        const existing = await getTargetSchema(input.orgId, input.id, tx);
        if (!existing) throw new AppError("not_found", "That target schema does not exist.");
        if (existing.key !== def.key) throw new AppError("bad_request", "The key of a target schema cannot change (mappings refer to it).", { fieldErrors: { key: ["The key cannot change."] } });
        await updateTargetSchema(input.orgId, input.id, { name: def.name, fields: def.fields }, tx);
        await recordAudit(tx, { orgId: input.orgId, actor: input.actor, action: "target_schema.updated", target: { type: "target_schema", id: input.id }, metadata: { key: def.key, fields: def.fields.length }, ip: input.ip });
        return { id: input.id };
      }
      const row = await insertTargetSchema({ orgId: input.orgId, key: def.key, name: def.name, fields: def.fields, createdBy: input.actor.id }, tx);
      await recordAudit(tx, { orgId: input.orgId, actor: input.actor, action: "target_schema.created", target: { type: "target_schema", id: row.id }, metadata: { key: def.key, fields: def.fields.length }, ip: input.ip });
      return { id: row.id };
    });
  } catch (e) {
    if (isUniqueViolation(e, "target_schemas_key")) throw new AppError("conflict", `A target schema with the key "${def.key}" already exists.`, { fieldErrors: { key: ["This key is taken."] } });
    throw e;
  }
}

export async function removeTargetSchema(input: Who & { id: string }): Promise<void> {
  const row = await getTargetSchema(input.orgId, input.id);
  if (!row) throw new AppError("not_found", "That target schema does not exist.");
  const used = await countMappingsUsingTarget(input.orgId, row.key);
  if (used > 0) throw new AppError("conflict", `${row.name} is used by ${used} mapping${used === 1 ? "" : "s"}; delete those first.`);
  await getDb().transaction(async (tx) => {
    await deleteTargetSchema(input.orgId, row.id, tx);
    await recordAudit(tx, { orgId: input.orgId, actor: input.actor, action: "target_schema.deleted", target: { type: "target_schema", id: row.id }, metadata: { key: row.key }, ip: input.ip });
  });
}


