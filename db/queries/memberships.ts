import "server-only";
import { and, asc, count, eq } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { memberships, users, type Role } from "@/db/schema";

export type MemberRow = { userId: string; name: string | null; email: string; role: Role; createdAt: Date; hasPassword: boolean };

export async function getMembership(orgId: string, userId: string, db: Executor = getDb()) {
  const [row] = await db
    .select()
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
    .limit(1);
  return row;
}

export async function listMembers(orgId: string, db: Executor = getDb()): Promise<MemberRow[]> {
  const rows = await db
    .select({ userId: users.id, name: users.name, email: users.email, role: memberships.role, createdAt: memberships.createdAt, passwordHash: users.passwordHash })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, orgId))
    .orderBy(asc(users.email));
  return rows.map(({ passwordHash, ...r }) => ({ ...r, hasPassword: passwordHash !== null }));
}

export async function addMembership(orgId: string, userId: string, role: Role, tx: Executor): Promise<void> {
  await tx.insert(memberships).values({ orgId, userId, role });
}

export async function updateMembershipRole(orgId: string, userId: string, role: Role, tx: Executor): Promise<boolean> {
  const rows = await tx
    .update(memberships)
    .set({ role })
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
    .returning({ userId: memberships.userId });
  return rows.length > 0;
}

export async function deleteMembership(orgId: string, userId: string, tx: Executor): Promise<boolean> {
  const rows = await tx
    .delete(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
    .returning({ userId: memberships.userId });
  return rows.length > 0;
}

/** Row-locks the organization's owner memberships, so two concurrent demotions cannot remove the last owner. */
export async function countOwnersForUpdate(orgId: string, tx: Executor): Promise<number> {
  const rows = await tx
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.role, "owner")))
    .for("update");
  return rows.length;
}

export async function countMembers(orgId: string, db: Executor = getDb()): Promise<number> {
  const [row] = await db.select({ n: count() }).from(memberships).where(eq(memberships.orgId, orgId));
  return row?.n ?? 0;
}
