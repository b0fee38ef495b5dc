"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { setConnectionPriority } from "@/lib/connections/service";
import { orgAction } from "@/lib/safe-action";
import { connectionRefSchema } from "@/lib/schemas/connection";

export const setConnectionPrioritySchema = connectionRefSchema.extend({
  priority: z.coerce.number({ error: "Enter a number." }).int("Use a whole number.").min(1, "Use 1 or more.").max(1000, "Use at most 1000."),
});

export const setConnectionPriorityAction = orgAction
  .metadata({ name: "setConnectionPriority", permission: "connections.manage" })
  .inputSchema(setConnectionPrioritySchema)
  .action(async ({ parsedInput: p, ctx }) => {
    await setConnectionPriority({ org: ctx.org, actor: ctx.user, id: p.connectionId, priority: p.priority, ip: ctx.ip });
    revalidatePath(`/connections/${p.connectionId}`);
    return { priority: p.priority };
  });
