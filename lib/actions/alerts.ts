"use server";
import { revalidatePath } from "next/cache";
import { createAlertChannel, deleteAlertChannel, sendTestAlert, setAlertChannelEnabled } from "@/lib/health/alert-channels";
import { orgAction } from "@/lib/safe-action";
import { alertChannelRefSchema, createAlertChannelSchema, setAlertChannelEnabledSchema } from "@/lib/schemas/alerts";
import { rethrowWithFieldErrors } from "./form-errors";

export const createAlertChannelAction = orgAction
  .metadata({ name: "createAlertChannel", permission: "alerts.manage" })
  .inputSchema(createAlertChannelSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    try {
      const r = await createAlertChannel({ org: ctx.org, actor: ctx.user, connectionId: p.connectionId, target: p.target, ip: ctx.ip });
      revalidatePath("/settings/alerts");
      return r;
    } catch (e) {
      rethrowWithFieldErrors(createAlertChannelSchema, e);
    }
  });

export const setAlertChannelEnabledAction = orgAction
  .metadata({ name: "setAlertChannelEnabled", permission: "alerts.manage" })
  .inputSchema(setAlertChannelEnabledSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const r = await setAlertChannelEnabled({ org: ctx.org, actor: ctx.user, channelId: p.channelId, enabled: p.enabled, ip: ctx.ip });
    revalidatePath("/settings/alerts");
    return { id: r.id, enabled: r.enabled };
  });

export const deleteAlertChannelAction = orgAction
  .metadata({ name: "deleteAlertChannel", permission: "alerts.manage" })
  .inputSchema(alertChannelRefSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    await deleteAlertChannel({ org: ctx.org, actor: ctx.user, channelId: p.channelId, ip: ctx.ip });
    revalidatePath("/settings/alerts");
    return { ok: true };
  });

export const sendTestAlertAction = orgAction
  .metadata({ name: "sendTestAlert", permission: "alerts.manage" })
  .inputSchema(alertChannelRefSchema)
  .action(async ({ parsedInput: p, ctx }) => sendTestAlert({ org: ctx.org, actor: ctx.user, channelId: p.channelId, ip: ctx.ip }));
