import "server-only";
import { and, asc, count, eq, gt, lt } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { signInAttempts } from "@/db/schema";

export async function recordSignInAttempt(email: string, ip: string | null, ok: boolean, db: Executor = getDb()): Promise<void> {
  await db.insert(signInAttempts).values({ email, ip, ok });
}

/** Failed attempts for an email since `since`, and the oldest one's time (when the window frees up). */
export async function recentFailures(email: string, since: Date, db: Executor = getDb()) {
  const rows = await db
    .select({ at: signInAttempts.at })
    .from(signInAttempts)
    .where(and(eq(signInAttempts.email, email), eq(signInAttempts.ok, false), gt(signInAttempts.at, since)))
    .orderBy(asc(signInAttempts.at));
  return rows.map((r) => r.at);
}

export async function recentFailuresFromIp(ip: string, since: Date, db: Executor = getDb()): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(signInAttempts)
    .where(and(eq(signInAttempts.ip, ip), eq(signInAttempts.ok, false), gt(signInAttempts.at, since)));
  return row?.n ?? 0;
}

/** After a successful sign-in the earlier failures no longer count against the account. */
export async function clearFailures(email: string, db: Executor = getDb()): Promise<void> {
  await db.delete(signInAttempts).where(and(eq(signInAttempts.email, email), eq(signInAttempts.ok, false)));
}

export async function pruneSignInAttempts(before: Date, db: Executor = getDb()): Promise<void> {
  await db.delete(signInAttempts).where(lt(signInAttempts.at, before));
}
