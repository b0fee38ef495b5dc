"use server";
import { revalidatePath } from "next/cache";
import { orgAction } from "@/lib/safe-action";
import { rethrowWithFieldErrors } from "@/lib/actions/form-errors";
import {
  activateMappingVersionSchema,
  applyMappingTemplateSchema,
  createMappingSchema,
  deleteMappingTemplateSchema,
  deleteTargetSchemaSchema,
  dryRunMappingSchema,
  mappingRefSchema,
  saveMappingTemplateSchema,
  saveMappingVersionSchema,
  saveTargetSchemaSchema,
} from "@/lib/schemas/mappings";
import { activateMappingVersion, applyTemplate, createMapping, deleteMapping, deleteTemplate, dryRunVersion, removeTargetSchema, saveMappingVersion, saveTargetSchema, saveTemplate, startRemap } from "@/lib/mapping/service";

const who = (ctx: { org: { id: string }; user: { id: string; email: string | null }; ip: string | null }) => ({ orgId: ctx.org.id, actor: { id: ctx.user.id, email: ctx.user.email }, ip: ctx.ip });

export const createMappingAction = orgAction
  .metadata({ name: "createMapping", permission: "connections.manage" })
  .inputSchema(createMappingSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    try {
      const r = await createMapping({ ...who(ctx), streamId: p.streamId, connectionId: p.connectionId, entity: p.entity, targetSchema: p.targetSchema, templateId: p.templateId });
      revalidatePath("/mappings");
      return r;
    } catch (e) {
      rethrowWithFieldErrors(createMappingSchema, e);
    }
  });

export const saveMappingVersionAction = orgAction
  .metadata({ name: "saveMappingVersion", permission: "connections.manage" })
  .inputSchema(saveMappingVersionSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const r = await saveMappingVersion({ ...who(ctx), mappingId: p.mappingId, definition: p.definition, note: p.note });
    if (r.ok) revalidatePath(`/mappings/${p.mappingId}`);
    return r;
  });

export const dryRunMappingAction = orgAction
  .metadata({ name: "dryRunMapping", permission: "org.read" })
  .inputSchema(dryRunMappingSchema)
  .action(async ({ parsedInput: p, ctx }) => dryRunVersion({ orgId: ctx.org.id, mappingId: p.mappingId, versionId: p.versionId, limit: p.limit }));

export const activateMappingVersionAction = orgAction
  .metadata({ name: "activateMappingVersion", permission: "connections.manage" })
  .inputSchema(activateMappingVersionSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const r = await activateMappingVersion({ ...who(ctx), mappingId: p.mappingId, versionId: p.versionId, remap: p.remap });
    revalidatePath(`/mappings/${p.mappingId}`);
    revalidatePath("/mappings");
    return r;
  });

export const startRemapAction = orgAction
  .metadata({ name: "startRemap", permission: "connections.manage" })
  .inputSchema(mappingRefSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const r = await startRemap({ ...who(ctx), mappingId: p.mappingId });
    revalidatePath(`/mappings/${p.mappingId}`);
    return r;
  });

export const deleteMappingAction = orgAction
  .metadata({ name: "deleteMapping", permission: "connections.manage" })
  .inputSchema(mappingRefSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    await deleteMapping({ ...who(ctx), mappingId: p.mappingId });
    revalidatePath("/mappings");
    return { deleted: true };
  });

export const saveMappingTemplateAction = orgAction
  .metadata({ name: "saveMappingTemplate", permission: "connections.manage" })
  .inputSchema(saveMappingTemplateSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    try {
      const r = await saveTemplate({ ...who(ctx), name: p.name, description: p.description, definition: p.definition, mappingId: p.mappingId });
      revalidatePath("/mappings");
      return r;
    } catch (e) {
      rethrowWithFieldErrors(saveMappingTemplateSchema, e);
    }
  });

export const applyMappingTemplateAction = orgAction
  .metadata({ name: "applyMappingTemplate", permission: "connections.manage" })
  .inputSchema(applyMappingTemplateSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const r = await applyTemplate({ ...who(ctx), mappingId: p.mappingId, templateId: p.templateId });
    revalidatePath(`/mappings/${p.mappingId}`);
    return r;
  });

export const deleteMappingTemplateAction = orgAction
  .metadata({ name: "deleteMappingTemplate", permission: "connections.manage" })
  .inputSchema(deleteMappingTemplateSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    await deleteTemplate({ ...who(ctx), templateId: p.templateId });
    revalidatePath("/mappings");
    return { deleted: true };
  });

export const saveTargetSchemaAction = orgAction
  .metadata({ name: "saveTargetSchema", permission: "connections.manage" })
  .inputSchema(saveTargetSchemaSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    try {
      const r = await saveTargetSchema({ ...who(ctx), id: p.id, schema: p.schema });
      revalidatePath("/mappings");
      return r;
    } catch (e) {
      rethrowWithFieldErrors(saveTargetSchemaSchema, e);
    }
  });

export const deleteTargetSchemaAction = orgAction
  .metadata({ name: "deleteTargetSchema", permission: "connections.manage" })
  .inputSchema(deleteTargetSchemaSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    await removeTargetSchema({ ...who(ctx), id: p.id });
    revalidatePath("/mappings");
    return { deleted: true };
  });
