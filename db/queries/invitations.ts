import "server-only";
import { and, desc, eq, gt, isNull } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { invitations, organizations, type Role } from "@/db/schema";

export async function createInvitation(
  input: { orgId: string; email: string; role: Role; tokenHash: string; invitedBy: string; expiresAt: Date },
  tx: Executor,
) {
  const [row] = await tx.insert(invitations).values(input).returning({ id: invitations.id, email: invitations.email, role: invitations.role, expiresAt: invitations.expiresAt });
  return row!;
}

/** A pending, unexpired invitation by token hash, with its organization's name. */
export async function getOpenInvitationByHash(tokenHash: string, db: Executor = getDb()) {
  const [row] = await db
    .select({ id: invitations.id, orgId: invitations.orgId, orgName: organizations.name, email: invitations.email, role: invitations.role, expiresAt: invitations.expiresAt })
    .from(invitations)
    .innerJoin(organizations, eq(organizations.id, invitations.orgId))
    .where(and(eq(invitations.tokenHash, tokenHash), isNull(invitations.acceptedAt), gt(invitations.expiresAt, new Date())))
    .limit(1);
  return row;
}

/** Marks the invitation used; returns false if someone else used it first. */
export async function consumeInvitation(id: string, tx: Executor): Promise<boolean> {
  const rows = await tx
    .update(invitations)
    .set({ acceptedAt: new Date() })
    .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt)))
    .returning({ id: invitations.id });
  return rows.length === 1;
}

export async function listOpenInvitations(orgId: string, db: Executor = getDb()) {
  return db
    .select({ id: invitations.id, email: invitations.email, role: invitations.role, expiresAt: invitations.expiresAt, createdAt: invitations.createdAt })
    .from(invitations)
    .where(and(eq(invitations.orgId, orgId), isNull(invitations.acceptedAt), gt(invitations.expiresAt, new Date())))
    .orderBy(desc(invitations.createdAt));
}

export async function revokeInvitation(orgId: string, id: string, tx: Executor): Promise<{ email: string } | undefined> {
  const [row] = await tx
    .delete(invitations)
    .where(and(eq(invitations.orgId, orgId), eq(invitations.id, id), isNull(invitations.acceptedAt)))
    .returning({ email: invitations.email });
  return row;
}
