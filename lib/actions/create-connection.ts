"use server";
import { revalidatePath } from "next/cache";
import { createConnection } from "@/lib/connections/service";
import { orgAction } from "@/lib/safe-action";
import { createConnectionSchema } from "@/lib/schemas/connection";
import { rethrowWithFieldErrors } from "./form-errors";

export const createConnectionAction = orgAction
  .metadata({ name: "createConnection", permission: "connections.manage" })
  .inputSchema(createConnectionSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    try {
      const r = await createConnection({ org: ctx.org, actor: ctx.user, providerKey: p.providerKey, platformWide: p.platformWide, name: p.name, values: p.values, testBeforeSave: p.testBeforeSave, ip: ctx.ip });
      revalidatePath("/connections");
      return { id: r.id, test: r.test ? { ok: r.test.ok, message: r.test.message, ms: r.test.ms } : null };
    } catch (e) {
      rethrowWithFieldErrors(createConnectionSchema, e);
    }
  });
