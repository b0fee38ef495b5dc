import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { getDb } from "@/db/client";
import { addMembership, countOwnersForUpdate, deleteMembership, getMembership, updateMembershipRole } from "@/db/queries/memberships";
import { consumeInvitation, createInvitation, getOpenInvitationByHash, revokeInvitation } from "@/db/queries/invitations";
import { createOrganization, renameOrganization } from "@/db/queries/organizations";
import { createUser, getPublicUser, getUserByEmail, normalizeEmail } from "@/db/queries/users";
import type { Role } from "@/db/schema";
import { recordAudit, type AuditActor } from "@/lib/audit";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { AppError } from "@/lib/errors";

type Actor = AuditActor & { id: string };
type OrgRef = { id: string; name: string };

export const INVITE_TTL_MS = 7 * 24 * 60 * 60_000;

export function hashInviteToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; cause?: { code?: string } };
  return err?.code === "23505" || err?.cause?.code === "23505";
}

export type AddMemberInput =
  | { email: string; name: string; role: Role; mode: "password"; password: string }
  | { email: string; name: string; role: Role; mode: "invite" };

export type AddMemberResult = { kind: "added"; email: string; existingUser: boolean } | { kind: "invited"; email: string; token: string; expiresAt: Date };

export async function addMember(org: OrgRef, actor: Actor, input: AddMemberInput, ip: string | null): Promise<AddMemberResult> {
  const email = normalizeEmail(input.email);
  const passwordHash = input.mode === "password" ? await hashPassword(input.password) : null;
  try {
    return await getDb().transaction(async (tx) => {
      const existing = await getUserByEmail(email, tx);
      if (existing && (await getMembership(org.id, existing.id, tx))) {
        throw new AppError("conflict", `${email} is already a member of ${org.name}.`, { fieldErrors: { email: [`${email} is already a member of ${org.name}.`] } });
      }
      if (input.mode === "invite") {
        const token = randomBytes(32).toString("base64url");
        const expiresAt = new Date(Date.now() + INVITE_TTL_MS);
        const inv = await createInvitation({ orgId: org.id, email, role: input.role, tokenHash: hashInviteToken(token), invitedBy: actor.id, expiresAt }, tx);
        await recordAudit(tx, { orgId: org.id, actor, action: "member.invited", target: { type: "invitation", id: inv.id }, metadata: { email, role: input.role }, ip });
        return { kind: "invited" as const, email, token, expiresAt };
      }
      const user = existing ?? (await createUser({ email, name: input.name, passwordHash }, tx));
      await addMembership(org.id, user.id, input.role, tx);
      await recordAudit(tx, { orgId: org.id, actor, action: "member.added", target: { type: "user", id: user.id }, metadata: { email, role: input.role, existingUser: Boolean(existing) }, ip });
      return { kind: "added" as const, email, existingUser: Boolean(existing) };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("conflict", `${email} was just added by someone else.`, { fieldErrors: { email: [`${email} was just added by someone else.`] } });
    throw e;
  }
}

async function assertNotLastOwner(orgId: string, currentRole: Role, tx: Parameters<typeof countOwnersForUpdate>[1]) {
  if (currentRole !== "owner") return;
  if ((await countOwnersForUpdate(orgId, tx)) <= 1) {
    throw new AppError("conflict", "An organization needs at least one owner. Make someone else an owner first.");
  }
}

export async function changeMemberRole(org: OrgRef, actor: Actor, userId: string, role: Role, ip: string | null): Promise<void> {
  await getDb().transaction(async (tx) => {
    const membership = await getMembership(org.id, userId, tx);
    if (!membership) throw new AppError("not_found", "That member does not exist in this organization.");
    if (membership.role === role) return;
    if (role !== "owner") await assertNotLastOwner(org.id, membership.role, tx);
    await updateMembershipRole(org.id, userId, role, tx);
    const user = await getPublicUser(userId, tx);
    await recordAudit(tx, { orgId: org.id, actor, action: "member.role_changed", target: { type: "user", id: userId }, metadata: { email: user?.email, from: membership.role, to: role }, ip });
  });
}

export async function removeMember(org: OrgRef, actor: Actor, userId: string, ip: string | null): Promise<void> {
  await getDb().transaction(async (tx) => {
    const membership = await getMembership(org.id, userId, tx);
    if (!membership) throw new AppError("not_found", "That member does not exist in this organization.");
    await assertNotLastOwner(org.id, membership.role, tx);
    await deleteMembership(org.id, userId, tx);
    const user = await getPublicUser(userId, tx);
    await recordAudit(tx, { orgId: org.id, actor, action: "member.removed", target: { type: "user", id: userId }, metadata: { email: user?.email, role: membership.role }, ip });
  });
}

export async function cancelInvitation(org: OrgRef, actor: Actor, invitationId: string, ip: string | null): Promise<void> {
  await getDb().transaction(async (tx) => {
    const row = await revokeInvitation(org.id, invitationId, tx);
    if (!row) throw new AppError("not_found", "That invitation does not exist or was already used.");
    await recordAudit(tx, { orgId: org.id, actor, action: "invitation.revoked", target: { type: "invitation", id: invitationId }, metadata: { email: row.email }, ip });
  });
}

export async function findInvitation(token: string) {
  const inv = await getOpenInvitationByHash(hashInviteToken(token));
  if (!inv) return null;
  const existing = await getUserByEmail(inv.email);
  return { ...inv, existingUser: Boolean(existing) };
}

/**
 * Accept a one-time invite. A new user sets name and password; an existing user proves it is
 * them with their current password. The invitation is consumed in the same transaction.
 */
export async function acceptInvitation(token: string, input: { name?: string; password: string }, ip: string | null) {
  const inv = await getOpenInvitationByHash(hashInviteToken(token));
  if (!inv) throw new AppError("not_found", "This invite link is invalid, expired or already used. Ask an owner for a new one.");
  const existing = await getUserByEmail(inv.email);
  if (existing && !(await verifyPassword(input.password, existing.passwordHash))) {
    throw new AppError("bad_request", "Wrong password.", { fieldErrors: { password: [`That is not the password of ${inv.email}.`] } });
  }
  const passwordHash = existing ? null : await hashPassword(input.password);
  return getDb().transaction(async (tx) => {
    if (!(await consumeInvitation(inv.id, tx))) throw new AppError("conflict", "This invite link was already used.");
    const user = existing ?? (await createUser({ email: inv.email, name: input.name ?? inv.email, passwordHash }, tx));
    if (!(await getMembership(inv.orgId, user.id, tx))) await addMembership(inv.orgId, user.id, inv.role, tx);
    await recordAudit(tx, { orgId: inv.orgId, actor: { id: user.id, email: inv.email }, action: "member.invite_accepted", target: { type: "user", id: user.id }, metadata: { role: inv.role }, ip });
    return { email: inv.email, orgId: inv.orgId };
  });
}

export async function createOrganizationFor(actor: Actor, name: string, ip: string | null) {
  return getDb().transaction(async (tx) => {
    const org = await createOrganization({ name, ownerId: actor.id }, tx);
    await recordAudit(tx, { orgId: org.id, actor, action: "org.created", target: { type: "organization", id: org.id }, metadata: { name }, ip });
    return org;
  });
}

export async function renameOrganizationBy(org: OrgRef, actor: Actor, name: string, ip: string | null) {
  await getDb().transaction(async (tx) => {
    const updated = await renameOrganization(org.id, name, tx);
    if (!updated) throw new AppError("not_found", "That organization does not exist.");
    await recordAudit(tx, { orgId: org.id, actor, action: "org.renamed", target: { type: "organization", id: org.id }, metadata: { from: org.name, to: name }, ip });
  });
}
