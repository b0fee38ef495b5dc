"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { addAllowlistEntry, removeAllowlistEntry } from "@/lib/network/allowlist";
import { orgAction, orgIdField } from "@/lib/safe-action";
import { rethrowWithFieldErrors } from "./form-errors";

const addSchema = z.object({ orgId: orgIdField, platform: z.boolean().default(false), entry: z.string().trim().min(1, "Enter a host, IP or CIDR.").max(255), note: z.string().trim().max(200).optional() });

export const addAllowlistEntryAction = orgAction
  .metadata({ name: "addAllowlistEntry", permission: "network.manage" })
  .inputSchema(addSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    try {
      const r = await addAllowlistEntry({ orgId: ctx.org.id, platform: p.platform, actor: ctx.user, entry: p.entry, note: p.note || null, ip: ctx.ip });
      revalidatePath("/settings/network");
      return { id: r.id, entry: r.entry };
    } catch (e) {
      rethrowWithFieldErrors(addSchema, e);
    }
  });

export const removeAllowlistEntryAction = orgAction
  .metadata({ name: "removeAllowlistEntry", permission: "network.manage" })
  .inputSchema(z.object({ orgId: orgIdField, platform: z.boolean().default(false), id: z.string().min(1).max(100) }))
  .action(async ({ parsedInput: p, ctx }) => {
    await removeAllowlistEntry({ orgId: ctx.org.id, platform: p.platform, actor: ctx.user, id: p.id, ip: ctx.ip });
    revalidatePath("/settings/network");
    return { ok: true };
  });
