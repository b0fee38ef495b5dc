"use server";
import { revalidatePath } from "next/cache";
import { AppError } from "@/lib/errors";
import { redriveJob, redriveQueue, retryJob, type JobScope } from "@/lib/jobs/admin";
import { orgAction } from "@/lib/safe-action";
import { redriveJobSchema, redriveQueueSchema, retryJobSchema, type JobScopeName } from "@/lib/schemas/jobs";

function scopeFor(name: JobScopeName, ctx: { org: { id: string }; user: { isPlatformAdmin: boolean } }): JobScope {
  if (name === "organization") return { kind: "org", orgId: ctx.org.id };
  if (!ctx.user.isPlatformAdmin) throw new AppError("forbidden", "Only platform admins can act on other organizations' or platform jobs.");
  return { kind: "platform" };
}

export const retryJobAction = orgAction
  .metadata({ name: "retryJob", permission: "jobs.manage" })
  .inputSchema(retryJobSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    await retryJob({ scope: scopeFor(p.scope, ctx), actor: ctx.user, auditOrgId: ctx.org.id, ip: ctx.ip, queue: p.queue, id: p.jobId });
    revalidatePath("/settings/jobs");
    return { ok: true };
  });

export const redriveJobAction = orgAction
  .metadata({ name: "redriveJob", permission: "jobs.manage" })
  .inputSchema(redriveJobSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    await redriveJob({ scope: scopeFor(p.scope, ctx), actor: ctx.user, auditOrgId: ctx.org.id, ip: ctx.ip, id: p.jobId });
    revalidatePath("/settings/jobs");
    return { ok: true };
  });

export const redriveQueueAction = orgAction
  .metadata({ name: "redriveQueue", permission: "jobs.manage" })
  .inputSchema(redriveQueueSchema)
  .action(async ({ parsedInput: p, ctx }) => {
    const moved = await redriveQueue({ scope: scopeFor(p.scope, ctx), actor: ctx.user, auditOrgId: ctx.org.id, ip: ctx.ip, queue: p.queue });
    revalidatePath("/settings/jobs");
    return { moved };
  });
