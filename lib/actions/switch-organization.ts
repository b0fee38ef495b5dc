"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { setActiveOrgCookie } from "@/lib/auth/active-org";
import { loadOrgContext } from "@/lib/auth/context";
import { AppError } from "@/lib/errors";
import { userAction } from "@/lib/safe-action";

export const switchOrganizationAction = userAction
  .metadata({ name: "switchOrganization" })
  .inputSchema(z.object({ orgId: z.string().min(1).max(100) }))
  .action(async ({ parsedInput, ctx }) => {
    const org = await loadOrgContext(ctx.user, parsedInput.orgId);
    if (!org) throw new AppError("not_found", "That organization does not exist, or you are not a member of it.");
    await setActiveOrgCookie(org.org.id);
    revalidatePath("/", "layout");
    return { orgId: org.org.id, name: org.org.name };
  });
