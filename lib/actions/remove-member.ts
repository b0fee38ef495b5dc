"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { removeMember } from "@/lib/organizations/members";
import { orgAction, orgIdField } from "@/lib/safe-action";

export const removeMemberAction = orgAction
  .metadata({ name: "removeMember", permission: "members.manage" })
  .inputSchema(z.object({ orgId: orgIdField, userId: z.string().min(1).max(100) }))
  .action(async ({ parsedInput, ctx }) => {
    await removeMember(ctx.org, ctx.user, parsedInput.userId, ctx.ip);
    revalidatePath("/settings/members");
    return { userId: parsedInput.userId };
  });
