"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { setConnectionEnabled } from "@/lib/connections/service";
import { orgAction } from "@/lib/safe-action";
import { connectionRefSchema } from "@/lib/schemas/connection";

export const setConnectionEnabledAction = orgAction
  .metadata({ name: "setConnectionEnabled", permission: "connections.manage" })
  .inputSchema(connectionRefSchema.extend({ enabled: z.boolean() }))
  .action(async ({ parsedInput: p, ctx }) => {
    await setConnectionEnabled({ org: ctx.org, actor: ctx.user, id: p.connectionId, enabled: p.enabled, ip: ctx.ip });
    revalidatePath(`/connections/${p.connectionId}`);
    return { enabled: p.enabled };
  });
