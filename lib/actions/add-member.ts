"use server";
import { revalidatePath } from "next/cache";
import { addMember } from "@/lib/organizations/members";
import { appOrigin } from "@/lib/origin";
import { orgAction } from "@/lib/safe-action";
import { addMemberSchema } from "@/lib/schemas/account";
import { rethrowWithFieldErrors } from "./form-errors";

export const addMemberAction = orgAction
  .metadata({ name: "addMember", permission: "members.manage" })
  .inputSchema(addMemberSchema)
  .action(async ({ parsedInput, ctx }) => {
    try {
      const { orgId: _orgId, ...input } = parsedInput;
      const result = await addMember(ctx.org, ctx.user, input, ctx.ip);
      revalidatePath("/settings/members");
      if (result.kind === "invited") {
        // The link is shown once to the owner who created it; only its hash is stored.
        return { kind: "invited" as const, email: result.email, inviteUrl: `${await appOrigin()}/invite/${result.token}`, expiresAt: result.expiresAt.toISOString() };
      }
      return { kind: "added" as const, email: result.email, existingUser: result.existingUser };
    } catch (e) {
      rethrowWithFieldErrors(addMemberSchema, e);
    }
  });
