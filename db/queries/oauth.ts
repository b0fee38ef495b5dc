import "server-only";
import { and, eq, isNull, lt, sql } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { oauthStates, tokenLeases } from "@/db/schema";

export type OAuthStateRow = typeof oauthStates.$inferSelect;

export async function insertOAuthState(row: typeof oauthStates.$inferInsert, tx: Executor): Promise<void> {
  await tx.insert(oauthStates).values(row);
}

export async function getOAuthState(stateHash: string, db: Executor = getDb()): Promise<OAuthStateRow | undefined> {
  const [r] = await db.select().from(oauthStates).where(eq(oauthStates.stateHash, stateHash)).limit(1);
  return r;
}

/** Marks the state used; false when another request used it first (replay). */
export async function consumeOAuthState(stateHash: string, db: Executor = getDb()): Promise<boolean> {
  const rows = await db
    .update(oauthStates)
    .set({ usedAt: new Date() })
    .where(and(eq(oauthStates.stateHash, stateHash), isNull(oauthStates.usedAt)))
    .returning({ h: oauthStates.stateHash });
  return rows.length === 1;
}

export async function pruneOAuthStates(before: Date, db: Executor = getDb()): Promise<void> {
  await db.delete(oauthStates).where(lt(oauthStates.expiresAt, before));
}

/** Take the refresh lease of a connection if free or expired. */
export async function tryAcquireLease(integrationId: string, owner: string, ttlMs: number, db: Executor = getDb()): Promise<boolean> {
  const until = new Date(Date.now() + ttlMs);
  const rows = await db
    .insert(tokenLeases)
    .values({ integrationId, owner, until })
    .onConflictDoUpdate({ target: tokenLeases.integrationId, set: { owner, until }, setWhere: sql`${tokenLeases.until} < now()` })
    .returning({ owner: tokenLeases.owner });
  return rows.length === 1 && rows[0]!.owner === owner;
}

export async function releaseLease(integrationId: string, owner: string, db: Executor = getDb()): Promise<void> {
  await db.delete(tokenLeases).where(and(eq(tokenLeases.integrationId, integrationId), eq(tokenLeases.owner, owner)));
}
