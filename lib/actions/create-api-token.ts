"use server";
import { revalidatePath } from "next/cache";
import { createApiToken } from "@/lib/api/tokens";
import { orgAction } from "@/lib/safe-action";
import { createApiTokenSchema } from "@/lib/schemas/api-token";

export const createApiTokenAction = orgAction
  .metadata({ name: "createApiToken", permission: "tokens.manage" })
  .inputSchema(createApiTokenSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const r = await createApiToken({ orgId: ctx.org.id, actor: ctx.user, name: p.name, scopes: p.scopes, expiresInDays: p.expiresInDays || null, ip: ctx.ip });
    revalidatePath("/settings/api-tokens");
    // Shown once to the admin who created it; only its hash is stored.
    return { id: r.id, token: r.token };
  });
