"use server";
import { z } from "zod";
import { revealSecret } from "@/lib/connections/service";
import { orgAction } from "@/lib/safe-action";
import { connectionRefSchema } from "@/lib/schemas/connection";

// The only action whose response carries a secret: admin-only, confirmed in the UI, audited.
export const revealSecretAction = orgAction
  .metadata({ name: "revealSecret", permission: "connections.manage" })
  .inputSchema(connectionRefSchema.extend({ field: z.string().min(1).max(100) }))
  .action(async ({ parsedInput: p, ctx }) => {
    const value = await revealSecret({ org: ctx.org, actor: ctx.user, id: p.connectionId, field: p.field, ip: ctx.ip });
    return { value };
  });
