import "server-only";
import { createSafeActionClient } from "next-safe-action";
import { z } from "zod";
import { AppError, isAppError } from "@/lib/errors";
import { reportUnexpected } from "@/lib/logger";
import { loadOrgContext, loadSessionUser } from "@/lib/auth/context";
import { can, permissions, roleLabels, type Permission } from "@/lib/auth/roles";
import { requestIp } from "@/lib/request";

const permissionNames = Object.keys(permissions) as [Permission, ...Permission[]];

/**
 * The one action client chain. Every server action is a public POST endpoint, so each one goes
 * through: parse input → session → membership of the organization named in the input → role.
 */
export const actionClient = createSafeActionClient({
  defineMetadataSchema: () => z.object({ name: z.string(), permission: z.enum(permissionNames).optional() }),
  defaultValidationErrorsShape: "flattened",
  handleServerError(error, utils) {
    if (isAppError(error)) return (error as AppError).message;
    return reportUnexpected(error, { action: utils.metadata?.name }).message;
  },
});

/** Signed-in user required. */
export const userAction = actionClient.use(async ({ next }) => {
  const user = await loadSessionUser();
  if (!user) throw new AppError("unauthorized", "Your session has ended. Sign in again.");
  return next({ ctx: { user, ip: await requestIp() } });
});

/**
 * Member of the organization given as `orgId` in the input, with the permission named in the
 * action's metadata. Another organization's id is answered as not found, not forbidden, so ids
 * cannot be probed.
 */
export const orgAction = userAction.use(async ({ next, ctx, metadata, clientInput }) => {
  const orgId = (clientInput as { orgId?: unknown } | undefined)?.orgId;
  if (typeof orgId !== "string" || orgId.length === 0 || orgId.length > 100) throw new AppError("bad_request", "The request names no organization.");
  const org = await loadOrgContext(ctx.user, orgId);
  if (!org) throw new AppError("not_found", "That organization does not exist, or you are not a member of it.");
  if (metadata.permission && !can(org.role, metadata.permission)) {
    const needed = permissions[metadata.permission];
    throw new AppError("forbidden", `Only ${roleLabels[needed].toLowerCase()}s${needed === "admin" ? " and owners" : ""} can do this. You are a ${org.role} of ${org.org.name}.`);
  }
  return next({ ctx: { ...ctx, org: org.org, role: org.role } });
});

export const orgIdField = z.string().min(1).max(100);
