"use server";
import { revalidatePath } from "next/cache";
import { makeDefaultConnection } from "@/lib/connections/service";
import { orgAction } from "@/lib/safe-action";
import { connectionRefSchema } from "@/lib/schemas/connection";

export const makeDefaultConnectionAction = orgAction
  .metadata({ name: "makeDefaultConnection", permission: "connections.manage" })
  .inputSchema(connectionRefSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    await makeDefaultConnection({ org: ctx.org, actor: ctx.user, id: p.connectionId, ip: ctx.ip });
    revalidatePath(`/connections/${p.connectionId}`);
    return { ok: true };
  });
