"use server";
import { revalidatePath } from "next/cache";
import { deleteConnection } from "@/lib/connections/service";
import { orgAction } from "@/lib/safe-action";
import { connectionRefSchema } from "@/lib/schemas/connection";

export const deleteConnectionAction = orgAction
  .metadata({ name: "deleteConnection", permission: "connections.manage" })
  .inputSchema(connectionRefSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    await deleteConnection({ org: ctx.org, actor: ctx.user, id: p.connectionId, ip: ctx.ip });
    revalidatePath("/connections");
    return { ok: true };
  });
