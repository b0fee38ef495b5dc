"use server";
import { revalidatePath } from "next/cache";
import { setConnectionPriority } from "@/lib/connections/service";
import { orgAction } from "@/lib/safe-action";
import { setConnectionPrioritySchema } from "@/lib/schemas/connection";

export const setConnectionPriorityAction = orgAction
  .metadata({ name: "setConnectionPriority", permission: "connections.manage" })
  .inputSchema(setConnectionPrioritySchema)
  .action(async ({ parsedInput: p, ctx }) => {
    await setConnectionPriority({ org: ctx.org, actor: ctx.user, id: p.connectionId, priority: p.priority, ip: ctx.ip });
    revalidatePath(`/connections/${p.connectionId}`);
    return { priority: p.priority };
  });
