import "server-only";
import { getDb } from "@/db/client";
import { countUsers, createUser, lockUsersTable } from "@/db/queries/users";
import { createOrganization } from "@/db/queries/organizations";
import { recordAudit } from "@/lib/audit";
import { hashPassword } from "@/lib/auth/password";
import { AppError } from "@/lib/errors";

export async function isSetupComplete(): Promise<boolean> {
  return (await countUsers()) > 0;
}

/**
 * First run: create the owner (a platform admin) and the first organization in one transaction.
 * The users table is locked so that two concurrent requests cannot both create an owner; once a
 * user exists, setup is closed for good.
 */
export async function completeSetup(input: { name: string; email: string; password: string; orgName: string; ip: string | null }) {
  const passwordHash = await hashPassword(input.password);
  return getDb().transaction(async (tx) => {
    await lockUsersTable(tx);
    if ((await countUsers(tx)) > 0) throw new AppError("conflict", "Setup is already complete. Sign in instead.");
    const user = await createUser({ email: input.email, name: input.name, passwordHash, isPlatformAdmin: true }, tx);
    const org = await createOrganization({ name: input.orgName, ownerId: user.id }, tx);
    const actor = { id: user.id, email: user.email };
    await recordAudit(tx, { orgId: org.id, actor, action: "setup.completed", target: { type: "user", id: user.id }, ip: input.ip });
    await recordAudit(tx, { orgId: org.id, actor, action: "org.created", target: { type: "organization", id: org.id }, metadata: { name: org.name }, ip: input.ip });
    return { user, org };
  });
}
