import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { testDbKinds, useTestDb } from "@/db/testing";
import { listAuditLog } from "@/db/queries/audit";
import { listMembers } from "@/db/queries/memberships";
import { listUserOrganizations } from "@/db/queries/organizations";
import { checkCredentials, MAX_FAILURES_PER_EMAIL } from "@/lib/auth/credentials";
import { AppError } from "@/lib/errors";
import { completeSetup, isSetupComplete } from "./setup";
import { acceptInvitation, addMember, changeMemberRole, createOrganizationFor, findInvitation, removeMember, renameOrganizationBy } from "./members";

const PASSWORD = "correct horse battery";

describe.each(testDbKinds())("organizations and members on %s", (kind) => {
  let handle: DbHandle;
  let owner: { id: string; email: string };
  let org: { id: string; name: string };

  beforeAll(async () => {
    handle = await useTestDb(kind);
  });
  afterAll(async () => {
    await handle.close();
  });

  it("first-run setup creates one owner and closes for good, even under concurrent requests", async () => {
    expect(await isSetupComplete()).toBe(false);
    const attempts = await Promise.allSettled([
      completeSetup({ name: "Ada", email: "Ada@Example.com", password: PASSWORD, orgName: "Acme", ip: null }),
      completeSetup({ name: "Eve", email: "eve@example.com", password: PASSWORD, orgName: "Evil", ip: null }),
    ]);
    const ok = attempts.filter((a) => a.status === "fulfilled");
    expect(ok).toHaveLength(1);
    const failed = attempts.find((a) => a.status === "rejected") as PromiseRejectedResult;
    expect(failed.reason).toBeInstanceOf(AppError);
    expect((failed.reason as AppError).code).toBe("conflict");
    const result = (ok[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof completeSetup>>>).value;
    owner = result.user;
    org = result.org;
    expect(result.user.isPlatformAdmin).toBe(true);
    await expect(completeSetup({ name: "Late", email: "late@example.com", password: PASSWORD, orgName: "Late", ip: null })).rejects.toMatchObject({ code: "conflict" });
  });

  it("adds a member with a password; a duplicate email gets a field error", async () => {
    const r = await addMember(org, owner, { mode: "password", email: "bob@example.com", name: "Bob", role: "member", password: PASSWORD }, "10.0.0.1");
    expect(r).toMatchObject({ kind: "added", existingUser: false });
    const again = addMember(org, owner, { mode: "password", email: "BOB@example.com", name: "Bob", role: "admin", password: PASSWORD }, null);
    await expect(again).rejects.toMatchObject({ code: "conflict", details: { fieldErrors: { email: [expect.stringContaining("already a member")] } } });
    const members = await listMembers(org.id);
    expect(members.map((m) => m.email).sort()).toEqual([owner.email, "bob@example.com"].sort());
  });

  it("never removes or demotes the last owner", async () => {
    await expect(changeMemberRole(org, owner, owner.id, "admin", null)).rejects.toMatchObject({ code: "conflict" });
    await expect(removeMember(org, owner, owner.id, null)).rejects.toMatchObject({ code: "conflict" });
    const bob = (await listMembers(org.id)).find((m) => m.email === "bob@example.com")!;
    await changeMemberRole(org, owner, bob.userId, "owner", null);
    await changeMemberRole(org, owner, owner.id, "admin", null); // now allowed: Bob is an owner
    await changeMemberRole(org, owner, owner.id, "owner", null);
    await changeMemberRole(org, owner, bob.userId, "member", null);
  });

  it("invite links work once and create the account", async () => {
    const r = await addMember(org, owner, { mode: "invite", email: "carol@example.com", name: "", role: "admin" }, null);
    if (r.kind !== "invited") throw new Error("expected an invitation");
    expect(await findInvitation(r.token)).toMatchObject({ email: "carol@example.com", role: "admin", existingUser: false });
    await acceptInvitation(r.token, { name: "Carol", password: PASSWORD }, null);
    await expect(acceptInvitation(r.token, { name: "Carol", password: PASSWORD }, null)).rejects.toMatchObject({ code: "not_found" });
    expect(await findInvitation(r.token)).toBeNull();
    const login = await checkCredentials("carol@example.com", PASSWORD, null);
    expect(login.ok).toBe(true);
  });

  it("scopes every change to the organization: another org's member is not found", async () => {
    const other = await createOrganizationFor(owner, "Other Org", null);
    const bob = (await listMembers(org.id)).find((m) => m.email === "bob@example.com")!;
    await expect(removeMember({ id: other.id, name: other.name }, owner, bob.userId, null)).rejects.toMatchObject({ code: "not_found" });
    await expect(changeMemberRole({ id: other.id, name: other.name }, owner, bob.userId, "admin", null)).rejects.toMatchObject({ code: "not_found" });
    expect((await listMembers(org.id)).some((m) => m.email === "bob@example.com")).toBe(true);
    expect((await listUserOrganizations(owner.id)).map((o) => o.name).sort()).toEqual([org.name, "Other Org"].sort());
  });

  it("rate-limits failed sign-ins per email, even with the right password afterwards", async () => {
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) {
      expect(await checkCredentials("bob@example.com", "wrong password", "10.1.1.1")).toEqual({ ok: false, reason: "invalid" });
    }
    const limited = await checkCredentials("bob@example.com", PASSWORD, "10.1.1.1");
    expect(limited).toMatchObject({ ok: false, reason: "rate_limited" });
    if (limited.ok || limited.reason !== "rate_limited") throw new Error("unreachable");
    expect(limited.retryAfterSeconds).toBeGreaterThan(60);
    // Fifteen minutes later the window has passed.
    const later = new Date(Date.now() + 16 * 60_000);
    expect((await checkCredentials("bob@example.com", PASSWORD, "10.1.1.1", later)).ok).toBe(true);
  });

  it("audits every change, filterable and paginated, and only for its organization", async () => {
    await renameOrganizationBy(org, owner, "Renamed Inc", null);
    const all = await listAuditLog(org.id, { page: 1, perPage: 100, sort: { id: "at", desc: true } });
    const actions = new Set(all.rows.map((r) => r.action));
    for (const a of ["setup.completed", "org.created", "member.added", "member.role_changed", "member.invited", "member.invite_accepted", "auth.sign_in", "auth.sign_in_failed", "org.renamed"]) {
      expect(actions, a).toContain(a);
    }
    expect(all.rows.every((r) => r.orgId === org.id)).toBe(true);
    const roleChanges = await listAuditLog(org.id, { page: 1, perPage: 2, sort: { id: "at", desc: false }, action: "role_changed" });
    expect(roleChanges.total).toBe(4);
    expect(roleChanges.rows).toHaveLength(2);
    const page2 = await listAuditLog(org.id, { page: 2, perPage: 2, sort: { id: "at", desc: false }, action: "role_changed" });
    expect(page2.rows.map((r) => r.id)).not.toEqual(roleChanges.rows.map((r) => r.id));
    const byCarol = await listAuditLog(org.id, { page: 1, perPage: 50, sort: { id: "at", desc: true }, actor: "carol@" });
    expect(byCarol.rows.length).toBeGreaterThan(0);
    expect(byCarol.rows.every((r) => r.actorEmail === "carol@example.com")).toBe(true);
    // Metadata never holds a password.
    expect(JSON.stringify(all.rows)).not.toContain(PASSWORD);
  });
});
