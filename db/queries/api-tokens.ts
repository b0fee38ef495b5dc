import "server-only";
import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { apiTokens, type ApiScope } from "@/db/schema";

export type ApiTokenRow = typeof apiTokens.$inferSelect;

export async function insertApiToken(row: { orgId: string; name: string; tokenHash: string; prefix: string; scopes: ApiScope[]; createdBy: string | null; expiresAt: Date | null }, tx: Executor) {
  const [r] = await tx.insert(apiTokens).values(row).returning();
  return r!;
}

export async function listApiTokens(orgId: string, db: Executor = getDb()) {
  return db
    .select({ id: apiTokens.id, name: apiTokens.name, prefix: apiTokens.prefix, scopes: apiTokens.scopes, lastUsedAt: apiTokens.lastUsedAt, expiresAt: apiTokens.expiresAt, revokedAt: apiTokens.revokedAt, createdAt: apiTokens.createdAt })
    .from(apiTokens)
    .where(eq(apiTokens.orgId, orgId))
    .orderBy(desc(apiTokens.createdAt));
}

export async function getApiTokenByHash(tokenHash: string, db: Executor = getDb()): Promise<ApiTokenRow | undefined> {
  const [r] = await db.select().from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash)).limit(1);
  return r;
}

export async function revokeApiToken(orgId: string, id: string, tx: Executor) {
  const [r] = await tx
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.orgId, orgId), eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id, name: apiTokens.name });
  return r;
}

/** Record use at most once a minute per token, so a busy client does not write on every request. */
export async function touchApiToken(id: string, now = new Date(), db: Executor = getDb()): Promise<void> {
  await db
    .update(apiTokens)
    .set({ lastUsedAt: now })
    .where(and(eq(apiTokens.id, id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, new Date(now.getTime() - 60_000)))));
}
