import path from "node:path";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import type { DbHandle } from "./client";

export const migrationsFolder = path.join(/*turbopackIgnore: true*/ process.cwd(), "db", "migrations");

// Any constant works; every Patchbay process uses the same one so that only one migrates at a time.
const MIGRATION_LOCK_ID = 7_223_114_001;

/** Apply every committed drizzle-kit migration. Safe to call from several processes at once. */
export async function migrate(handle: DbHandle, folder = migrationsFolder): Promise<void> {
  if (handle.kind === "pglite") {
    await migratePglite(handle.db as never, { migrationsFolder: folder });
    return;
  }
  const client = await handle.pool.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
    try {
      await migratePg(drizzlePg({ client }), { migrationsFolder: folder });
    } finally {
      await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]);
    }
  } finally {
    client.release();
  }
}

/** Turn a connection failure into one line an operator can act on. */
export function describeDbError(error: unknown, handle: DbHandle): string {
  const e = error as NodeJS.ErrnoException & { code?: string };
  if (handle.kind === "postgres") {
    let where = "the configured server";
    try {
      const u = new URL(handle.url);
      where = `${u.hostname}:${u.port || 5432}${u.pathname}`;
    } catch {
      // keep the generic text
    }
    const reason = e.code === "ECONNREFUSED" ? "connection refused" : e.code === "3D000" ? "database does not exist" : e.code === "28P01" ? "password authentication failed" : (e.message ?? String(error));
    return `Cannot use PostgreSQL at ${where}: ${reason}. Check DATABASE_URL.`;
  }
  return `Cannot open the embedded database in ${handle.dataDir ?? "memory"}: ${e.message ?? String(error)}`;
}
