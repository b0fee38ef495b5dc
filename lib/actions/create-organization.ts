"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { createOrganizationFor } from "@/lib/organizations/members";
import { userAction } from "@/lib/safe-action";
import { orgNameSchema } from "@/lib/schemas/account";
import { setActiveOrgCookie } from "@/lib/auth/active-org";

export const createOrganizationAction = userAction
  .metadata({ name: "createOrganization" })
  .inputSchema(z.object({ name: orgNameSchema }))
  .action(async ({ parsedInput, ctx }) => {
    const org = await createOrganizationFor(ctx.user, parsedInput.name, ctx.ip);
    await setActiveOrgCookie(org.id);
    revalidatePath("/", "layout");
    return { orgId: org.id, name: org.name };
  });
