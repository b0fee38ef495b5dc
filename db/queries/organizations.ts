import "server-only";
import { and, asc, eq } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { memberships, organizations, type Role } from "@/db/schema";

export type Organization = typeof organizations.$inferSelect;
export type OrgSummary = { id: string; name: string; slug: string; role: Role };

export function slugify(name: string): string {
  const base = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return base || "org";
}

export async function getOrganization(orgId: string, db: Executor = getDb()): Promise<Organization | undefined> {
  const [row] = await db.select().from(organizations).where(eq(organizations.id, orgId)).limit(1);
  return row;
}

export async function listUserOrganizations(userId: string, db: Executor = getDb()): Promise<OrgSummary[]> {
  return db
    .select({ id: organizations.id, name: organizations.name, slug: organizations.slug, role: memberships.role })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(organizations.name), asc(organizations.createdAt));
}

/** Create an organization with a unique slug; the creator becomes its owner. */
export async function createOrganization(input: { name: string; ownerId: string }, tx: Executor): Promise<Organization> {
  const base = slugify(input.name);
  let slug = base;
  for (let i = 2; ; i++) {
    const [taken] = await tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.slug, slug)).limit(1);
    if (!taken) break;
    slug = `${base}-${i}`;
  }
  const [org] = await tx.insert(organizations).values({ name: input.name, slug }).returning();
  await tx.insert(memberships).values({ orgId: org!.id, userId: input.ownerId, role: "owner" });
  return org!;
}

export async function renameOrganization(orgId: string, name: string, tx: Executor): Promise<Organization | undefined> {
  const [row] = await tx
    .update(organizations)
    .set({ name, updatedAt: new Date() })
    .where(and(eq(organizations.id, orgId)))
    .returning();
  return row;
}
