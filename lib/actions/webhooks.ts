"use server";
import { revalidatePath } from "next/cache";
import { orgAction } from "@/lib/safe-action";
import { appOrigin } from "@/lib/origin";
import { replayWebhookEventSchema, replayWebhookEventsSchema, sendTestWebhookSchema } from "@/lib/schemas/webhooks";
import { replayEvents, replayFiltered, sendTestWebhook } from "@/lib/webhooks/admin";

export const replayWebhookEventAction = orgAction
  .metadata({ name: "replayWebhookEvent", permission: "connections.manage" })
  .inputSchema(replayWebhookEventSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const r = await replayEvents({ orgId: ctx.org.id, actor: ctx.user, ids: [p.eventId], ip: ctx.ip });
    revalidatePath("/webhooks");
    return r;
  });

export const replayWebhookEventsAction = orgAction
  .metadata({ name: "replayWebhookEvents", permission: "connections.manage" })
  .inputSchema(replayWebhookEventsSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const r = await replayFiltered({ orgId: ctx.org.id, actor: ctx.user, filters: { provider: p.provider, connection: p.connection, type: p.type, status: p.status }, limit: p.limit, ip: ctx.ip });
    revalidatePath("/webhooks");
    return r;
  });

export const sendTestWebhookAction = orgAction
  .metadata({ name: "sendTestWebhook", permission: "connections.manage" })
  .inputSchema(sendTestWebhookSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const r = await sendTestWebhook({ orgId: ctx.org.id, connectionId: p.connectionId, origin: await appOrigin() });
    revalidatePath("/webhooks");
    return r;
  });
