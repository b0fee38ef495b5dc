"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { apiScopes } from "@/db/schema/api-tokens";
import { createApiToken } from "@/lib/api/tokens";
import { orgAction, orgIdField } from "@/lib/safe-action";

export const createApiTokenSchema = z.object({
  orgId: orgIdField,
  name: z.string().trim().min(1, "Enter a name.").max(80, "Use at most 80 characters."),
  scopes: z.array(z.enum(apiScopes)).min(1, "Choose at least one scope."),
  expiresInDays: z.union([z.literal(0), z.coerce.number().int().min(1, "At least 1 day.").max(3650, "At most 3650 days.")]).default(90),
});

export const createApiTokenAction = orgAction
  .metadata({ name: "createApiToken", permission: "tokens.manage" })
  .inputSchema(createApiTokenSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const r = await createApiToken({ orgId: ctx.org.id, actor: ctx.user, name: p.name, scopes: p.scopes, expiresInDays: p.expiresInDays || null, ip: ctx.ip });
    revalidatePath("/settings/api-tokens");
    // Shown once to the admin who created it; only its hash is stored.
    return { id: r.id, token: r.token };
  });
