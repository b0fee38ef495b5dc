"use server";
import { revalidatePath } from "next/cache";
import { testConnection } from "@/lib/connections/service";
import { orgAction } from "@/lib/safe-action";
import { connectionRefSchema } from "@/lib/schemas/connection";

export const testConnectionAction = orgAction
  .metadata({ name: "testConnection", permission: "connections.manage" })
  .inputSchema(connectionRefSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const r = await testConnection({ org: ctx.org, actor: ctx.user, id: p.connectionId, ip: ctx.ip });
    revalidatePath(`/connections/${p.connectionId}`);
    return { ok: r.ok, message: r.message, ms: r.ms };
  });
