import "server-only";
import { cache } from "react";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { countUsers, getPublicUser, type PublicUser } from "@/db/queries/users";
import { listUserOrganizations, type OrgSummary } from "@/db/queries/organizations";
import type { Role } from "@/db/schema";
import { auth } from "./index";

export const ACTIVE_ORG_COOKIE = "pb_org";

export type OrgContext = {
  user: PublicUser;
  org: { id: string; name: string; slug: string };
  role: Role;
  orgs: OrgSummary[];
};

/** The signed-in user, re-read from the database on every request (a deleted user is signed out). */
export const loadSessionUser = cache(async (): Promise<PublicUser | null> => {
  const session = await auth();
  const id = session?.user?.id;
  if (!id) return null;
  return (await getPublicUser(id)) ?? null;
});

/**
 * The organization a request acts on. `orgId` comes from the page or action input; without it,
 * the active-organization cookie, then the user's first organization. Membership is always
 * checked here: a cookie or input naming someone else's organization yields null.
 */
export async function loadOrgContext(user: PublicUser, orgId?: string): Promise<OrgContext | null> {
  const orgs = await listUserOrganizations(user.id);
  let wanted = orgId;
  if (!wanted) wanted = (await cookies()).get(ACTIVE_ORG_COOKIE)?.value;
  const current = (wanted ? orgs.find((o) => o.id === wanted) : undefined) ?? (orgId ? undefined : orgs[0]);
  if (!current) return null;
  return { user, org: { id: current.id, name: current.name, slug: current.slug }, role: current.role, orgs };
}

/** For pages: the signed-in user, or a redirect to first-run setup or sign-in. */
export async function requireUser(): Promise<PublicUser> {
  const user = await loadSessionUser();
  if (user) return user;
  if ((await countUsers()) === 0) redirect("/setup");
  redirect("/sign-in");
}

/** For pages: the user and current organization, or a redirect. */
export const requireOrgContext = cache(async (): Promise<OrgContext> => {
  const user = await requireUser();
  const ctx = await loadOrgContext(user);
  if (!ctx) redirect("/organizations/new");
  return ctx;
});
