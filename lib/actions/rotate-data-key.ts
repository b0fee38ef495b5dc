"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { enqueue } from "@/lib/jobs/boss";
import { startDekRotation } from "@/lib/lockbox/rotation";
import { logger } from "@/lib/logger";
import { orgAction, orgIdField } from "@/lib/safe-action";

export const rotateDataKeyAction = orgAction
  .metadata({ name: "rotateDataKey", permission: "keys.manage" })
  .inputSchema(z.object({ orgId: orgIdField, scope: z.enum(["organization", "platform"]) }))
  .action(async ({ parsedInput: p, ctx }) => {
    if (p.scope === "platform" && !ctx.user.isPlatformAdmin) throw new AppError("forbidden", "Only platform admins can rotate the platform data key.");
    const rotation = await startDekRotation({ orgId: p.scope === "platform" ? null : ctx.org.id, actor: ctx.user, ip: ctx.ip });
    // Re-encryption runs as a durable job; reads and writes keep working, progress is in the table.
    // Should this enqueue fail, the maintenance job finds the running rotation within a minute.
    await enqueue("key-rotation", { rotationId: rotation.id, orgId: rotation.orgId }, { singletonKey: rotation.id }).catch((err) => logger.error({ err, rotationId: rotation.id }, "could not queue the rotation job"));
    revalidatePath("/settings/encryption");
    return { rotationId: rotation.id, toVersion: rotation.toVersion, total: rotation.total };
  });
