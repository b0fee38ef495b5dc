"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { revokeToken } from "@/lib/api/tokens";
import { orgAction, orgIdField } from "@/lib/safe-action";

export const revokeApiTokenAction = orgAction
  .metadata({ name: "revokeApiToken", permission: "tokens.manage" })
  .inputSchema(z.object({ orgId: orgIdField, tokenId: z.string().min(1).max(100) }))
  .action(async ({ parsedInput: p, ctx }) => {
    await revokeToken({ orgId: ctx.org.id, actor: ctx.user, id: p.tokenId, ip: ctx.ip });
    revalidatePath("/settings/api-tokens");
    return { ok: true };
  });
