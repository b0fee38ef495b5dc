import "server-only";
import { count, eq, sql } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { users } from "@/db/schema";

export type UserRow = typeof users.$inferSelect;
/** The columns a page may see: never the password hash. */
export const publicUserColumns = { id: users.id, name: users.name, email: users.email, isPlatformAdmin: users.isPlatformAdmin };
export type PublicUser = { id: string; name: string | null; email: string; isPlatformAdmin: boolean };

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function getUserByEmail(email: string, db: Executor = getDb()): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, normalizeEmail(email))).limit(1);
  return row;
}

export async function getPublicUser(id: string, db: Executor = getDb()): Promise<PublicUser | undefined> {
  const [row] = await db.select(publicUserColumns).from(users).where(eq(users.id, id)).limit(1);
  return row;
}

export async function countUsers(db: Executor = getDb()): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return row?.n ?? 0;
}

export async function createUser(
  input: { email: string; name: string; passwordHash: string | null; isPlatformAdmin?: boolean },
  db: Executor = getDb(),
): Promise<PublicUser> {
  const [row] = await db
    .insert(users)
    .values({ email: normalizeEmail(input.email), name: input.name, passwordHash: input.passwordHash, isPlatformAdmin: input.isPlatformAdmin ?? false })
    .returning(publicUserColumns);
  return row!;
}

export async function setPassword(userId: string, passwordHash: string, db: Executor = getDb()): Promise<void> {
  await db.update(users).set({ passwordHash }).where(eq(users.id, userId));
}

/** Serialise first-run setup: two concurrent POSTs must not both create an owner. */
export async function lockUsersTable(tx: Executor): Promise<void> {
  await tx.execute(sql`lock table ${users} in exclusive mode`);
}
