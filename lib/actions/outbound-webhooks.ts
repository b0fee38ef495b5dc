"use server";
import { revalidatePath } from "next/cache";
import { orgAction } from "@/lib/safe-action";
import { resendDeliverySchema, rotateSigningSecretSchema, sendTestEventSchema } from "@/lib/schemas/outbound-webhooks";
import { resendDelivery, rotateSigningSecret, sendTestEvent } from "@/lib/webhooks/outbound-endpoints";

// The new secret never leaves the server here: an admin reveals it (audited) from the settings form.
export const rotateSigningSecretAction = orgAction
  .metadata({ name: "rotateSigningSecret", permission: "connections.manage" })
  .inputSchema(rotateSigningSecretSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const r = await rotateSigningSecret({ org: ctx.org, actor: ctx.user, connectionId: p.connectionId, ip: ctx.ip });
    revalidatePath(`/connections/${p.connectionId}`);
    return { previousValidUntil: r.previousValidUntil.toISOString() };
  });

export const sendTestEventAction = orgAction
  .metadata({ name: "sendTestEvent", permission: "connections.manage" })
  .inputSchema(sendTestEventSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const r = await sendTestEvent({ org: ctx.org, actor: ctx.user, connectionId: p.connectionId, ip: ctx.ip });
    revalidatePath(`/connections/${p.connectionId}`);
    return r;
  });

export const resendDeliveryAction = orgAction
  .metadata({ name: "resendDelivery", permission: "connections.manage" })
  .inputSchema(resendDeliverySchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const r = await resendDelivery({ org: ctx.org, actor: ctx.user, deliveryId: p.deliveryId, ip: ctx.ip });
    return r;
  });
