import "server-only";
import { and, asc, count, desc, eq, ilike, or, type SQL } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { auditLog } from "@/db/schema";

export type AuditInsert = typeof auditLog.$inferInsert;
export type AuditRow = typeof auditLog.$inferSelect;

export async function insertAudit(row: AuditInsert, tx: Executor): Promise<void> {
  await tx.insert(auditLog).values(row);
}

export const auditSortable = ["at", "action", "actorEmail"] as const;
export type AuditSort = { id: (typeof auditSortable)[number]; desc: boolean };

export async function listAuditLog(
  orgId: string,
  opts: { page: number; perPage: number; sort: AuditSort; action?: string | null; actor?: string | null },
  db: Executor = getDb(),
): Promise<{ rows: AuditRow[]; total: number }> {
  const filters: SQL[] = [eq(auditLog.orgId, orgId)];
  if (opts.action) filters.push(ilike(auditLog.action, `%${escapeLike(opts.action)}%`));
  if (opts.actor) filters.push(or(ilike(auditLog.actorEmail, `%${escapeLike(opts.actor)}%`))!);
  const where = and(...filters);
  const column = { at: auditLog.at, action: auditLog.action, actorEmail: auditLog.actorEmail }[opts.sort.id];
  const order = opts.sort.desc ? desc(column) : asc(column);
  const [rows, [totalRow]] = await Promise.all([
    db
      .select()
      .from(auditLog)
      .where(where)
      .orderBy(order, desc(auditLog.id))
      .limit(opts.perPage)
      .offset((opts.page - 1) * opts.perPage),
    db.select({ n: count() }).from(auditLog).where(where),
  ]);
  return { rows, total: totalRow?.n ?? 0 };
}

export async function listAuditActions(orgId: string, db: Executor = getDb()): Promise<string[]> {
  const rows = await db.selectDistinct({ action: auditLog.action }).from(auditLog).where(eq(auditLog.orgId, orgId)).orderBy(asc(auditLog.action));
  return rows.map((r) => r.action);
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
