"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { changeMemberRole } from "@/lib/organizations/members";
import { orgAction, orgIdField } from "@/lib/safe-action";
import { roleSchema } from "@/lib/schemas/account";

export const changeMemberRoleAction = orgAction
  .metadata({ name: "changeMemberRole", permission: "members.manage" })
  .inputSchema(z.object({ orgId: orgIdField, userId: z.string().min(1).max(100), role: roleSchema }))
  .action(async ({ parsedInput, ctx }) => {
    await changeMemberRole(ctx.org, ctx.user, parsedInput.userId, parsedInput.role, ctx.ip);
    revalidatePath("/settings/members");
    return { userId: parsedInput.userId, role: parsedInput.role };
  });
