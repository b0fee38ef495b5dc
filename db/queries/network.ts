import "server-only";
import { and, asc, eq, isNull, or } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { egressAllowlist } from "@/db/schema";

export async function listAllowlist(orgId: string | null, db: Executor = getDb()) {
  return db
    .select()
    .from(egressAllowlist)
    .where(orgId ? eq(egressAllowlist.orgId, orgId) : isNull(egressAllowlist.orgId))
    .orderBy(asc(egressAllowlist.createdAt));
}

/** Entries that apply to a connection owned by `orgId` (null: platform-wide): its own and the platform's. */
export async function allowlistEntriesFor(orgId: string | null, db: Executor = getDb()): Promise<string[]> {
  const rows = await db
    .select({ entry: egressAllowlist.entry })
    .from(egressAllowlist)
    .where(orgId ? or(eq(egressAllowlist.orgId, orgId), isNull(egressAllowlist.orgId)) : isNull(egressAllowlist.orgId));
  return [...new Set(rows.map((r) => r.entry))];
}

export async function insertAllowlistEntry(row: { orgId: string | null; entry: string; note: string | null; createdBy: string | null }, tx: Executor) {
  const [r] = await tx.insert(egressAllowlist).values(row).returning();
  return r!;
}

export async function deleteAllowlistEntry(orgId: string | null, id: string, tx: Executor) {
  const [r] = await tx
    .delete(egressAllowlist)
    .where(and(eq(egressAllowlist.id, id), orgId ? eq(egressAllowlist.orgId, orgId) : isNull(egressAllowlist.orgId)))
    .returning({ entry: egressAllowlist.entry });
  return r;
}
