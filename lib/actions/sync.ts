"use server";
import { revalidatePath } from "next/cache";
import { orgAction } from "@/lib/safe-action";
import { rethrowWithFieldErrors } from "@/lib/actions/form-errors";
import {
  cancelSyncRunSchema,
  deleteSyncStreamSchema,
  saveGenericStreamSchema,
  saveSyncStreamSchema,
  setRequestsPerSecondSchema,
  setStreamScheduleSchema,
  startSyncRunSchema,
} from "@/lib/schemas/sync";
import { cancelSyncRun, removeStream, requestSyncRun, saveBuiltinStream, saveGenericStream, setRequestsPerSecond, setStreamSchedule } from "@/lib/sync/service";

const syncPage = (connectionId: string) => revalidatePath(`/connections/${connectionId}/sync`);

export const saveSyncStreamAction = orgAction
  .metadata({ name: "saveSyncStream", permission: "connections.manage" })
  .inputSchema(saveSyncStreamSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const s = await saveBuiltinStream({ org: ctx.org, actor: ctx.user, connectionId: p.connectionId, entity: p.entity, enabled: p.enabled, scheduleMinutes: p.scheduleMinutes, ip: ctx.ip });
    syncPage(p.connectionId);
    return { id: s.id, entity: s.entity, enabled: s.enabled };
  });

export const saveGenericStreamAction = orgAction
  .metadata({ name: "saveGenericStream", permission: "connections.manage" })
  .inputSchema(saveGenericStreamSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const { orgId: _o, connectionId, streamId, scheduleMinutes, ...config } = p;
    try {
      const s = await saveGenericStream({ org: ctx.org, actor: ctx.user, connectionId, streamId, scheduleMinutes, config, ip: ctx.ip });
      syncPage(connectionId);
      return { id: s.id, entity: s.entity };
    } catch (e) {
      rethrowWithFieldErrors(saveGenericStreamSchema, e);
    }
  });

export const setStreamScheduleAction = orgAction
  .metadata({ name: "setStreamSchedule", permission: "connections.manage" })
  .inputSchema(setStreamScheduleSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const s = await setStreamSchedule({ org: ctx.org, actor: ctx.user, streamId: p.streamId, enabled: p.enabled, scheduleMinutes: p.scheduleMinutes, ip: ctx.ip });
    syncPage(s.integrationId);
    return { id: s.id, entity: s.entity, enabled: s.enabled };
  });

export const deleteSyncStreamAction = orgAction
  .metadata({ name: "deleteSyncStream", permission: "connections.manage" })
  .inputSchema(deleteSyncStreamSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    await removeStream({ org: ctx.org, actor: ctx.user, streamId: p.streamId, ip: ctx.ip });
    return { deleted: true };
  });

export const startSyncRunAction = orgAction
  .metadata({ name: "startSyncRun", permission: "connections.manage" })
  .inputSchema(startSyncRunSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const { run, existing } = await requestSyncRun({ orgId: ctx.org.id, streamId: p.streamId, mode: p.mode, trigger: "manual", requestedBy: ctx.user.id });
    syncPage(run.integrationId);
    return { runId: run.id, existing, status: run.status };
  });

export const cancelSyncRunAction = orgAction
  .metadata({ name: "cancelSyncRun", permission: "connections.manage" })
  .inputSchema(cancelSyncRunSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const run = await cancelSyncRun({ org: ctx.org, actor: ctx.user, runId: p.runId, ip: ctx.ip });
    syncPage(run.integrationId);
    return { runId: run.id, status: run.status };
  });

export const setRequestsPerSecondAction = orgAction
  .metadata({ name: "setRequestsPerSecond", permission: "connections.manage" })
  .inputSchema(setRequestsPerSecondSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    await setRequestsPerSecond({ org: ctx.org, actor: ctx.user, connectionId: p.connectionId, requestsPerSecond: p.requestsPerSecond, ip: ctx.ip });
    syncPage(p.connectionId);
    return { requestsPerSecond: p.requestsPerSecond };
  });
