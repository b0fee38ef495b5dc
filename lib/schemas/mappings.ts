import { z } from "zod";

const orgId = z.string().min(1).max(100);
const id = z.string().min(1).max(100);
/** Definitions and target schemas are validated field by field by lib/mapping (issues go back to the editor). */
const definition = z.unknown();

export const createMappingSchema = z
  .object({
    orgId,
    streamId: id.optional().nullable(),
    connectionId: id.optional().nullable(),
    entity: z.string().trim().max(100).optional().nullable(),
    targetSchema: z.string().trim().min(1, "Choose a target schema.").max(64),
    templateId: z.string().max(100).optional().nullable(),
  })
  .refine((v) => v.streamId || (v.connectionId && v.entity), { path: ["entity"], message: "Choose a connection and the entity (stream) to map." });

export const saveMappingVersionSchema = z.object({ orgId, mappingId: id, definition, note: z.string().trim().max(500).optional().nullable() });
export const dryRunMappingSchema = z.object({ orgId, mappingId: id, versionId: id, limit: z.number().int().min(1).max(1000).default(200) });
export const activateMappingVersionSchema = z.object({ orgId, mappingId: id, versionId: id, remap: z.boolean().default(false) });
export const mappingRefSchema = z.object({ orgId, mappingId: id });
export const saveMappingTemplateSchema = z.object({
  orgId,
  name: z.string().trim().min(1, "Enter a name.").max(80, "At most 80 characters."),
  description: z.string().trim().max(300).optional().nullable(),
  definition,
  mappingId: id.optional().nullable(),
});
export const applyMappingTemplateSchema = z.object({ orgId, mappingId: id, templateId: id });
export const deleteMappingTemplateSchema = z.object({ orgId, templateId: id });
export const saveTargetSchemaSchema = z.object({ orgId, id: id.optional().nullable(), schema: z.unknown() });
export const deleteTargetSchemaSchema = z.object({ orgId, id });
