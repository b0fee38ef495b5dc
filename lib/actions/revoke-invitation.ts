"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { cancelInvitation } from "@/lib/organizations/members";
import { orgAction, orgIdField } from "@/lib/safe-action";

export const revokeInvitationAction = orgAction
  .metadata({ name: "revokeInvitation", permission: "members.manage" })
  .inputSchema(z.object({ orgId: orgIdField, invitationId: z.string().min(1).max(100) }))
  .action(async ({ parsedInput, ctx }) => {
    await cancelInvitation(ctx.org, ctx.user, parsedInput.invitationId, ctx.ip);
    revalidatePath("/settings/members");
    return { invitationId: parsedInput.invitationId };
  });
