"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { renameOrganizationBy } from "@/lib/organizations/members";
import { orgAction, orgIdField } from "@/lib/safe-action";
import { orgNameSchema } from "@/lib/schemas/account";

export const renameOrganizationAction = orgAction
  .metadata({ name: "renameOrganization", permission: "org.update" })
  .inputSchema(z.object({ orgId: orgIdField, name: orgNameSchema }))
  .action(async ({ parsedInput, ctx }) => {
    await renameOrganizationBy(ctx.org, ctx.user, parsedInput.name, ctx.ip);
    revalidatePath("/", "layout");
    return { name: parsedInput.name };
  });
