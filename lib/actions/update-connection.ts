"use server";
import { revalidatePath } from "next/cache";
import { updateConnection } from "@/lib/connections/service";
import { orgAction } from "@/lib/safe-action";
import { updateConnectionSchema } from "@/lib/schemas/connection";
import { rethrowWithFieldErrors } from "./form-errors";

export const updateConnectionAction = orgAction
  .metadata({ name: "updateConnection", permission: "connections.manage" })
  .inputSchema(updateConnectionSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    try {
      const r = await updateConnection({ org: ctx.org, actor: ctx.user, id: p.connectionId, name: p.name, values: p.values, testBeforeSave: p.testBeforeSave, ip: ctx.ip });
      revalidatePath(`/connections/${p.connectionId}`);
      return { id: r.id, test: r.test ? { ok: r.test.ok, message: r.test.message, ms: r.test.ms } : null };
    } catch (e) {
      rethrowWithFieldErrors(updateConnectionSchema, e);
    }
  });
