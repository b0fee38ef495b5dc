import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePg, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import { env } from "@/lib/env";
import * as schema from "./schema";

export type Db = NodePgDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** Anything that can run a query: the database or an open transaction. */
export type Executor = Db | Tx;

export type DbHandle =
  | { kind: "pglite"; db: Db; pglite: PGlite; dataDir: string | null; close(): Promise<void> }
  | { kind: "postgres"; db: Db; pool: pg.Pool; url: string; close(): Promise<void> };

type GlobalWithDb = typeof globalThis & { __patchbayDb?: DbHandle };
const g = globalThis as GlobalWithDb;

export class DatabaseLockedError extends Error {
  override name = "DatabaseLockedError";
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * PGlite has no lock on its data folder, and two instances on one folder silently lose writes.
 * We take an exclusive lock file holding our pid. A lock left by a process that no longer
 * exists (killed server) is taken over, so a crash never blocks the next start.
 */
export function acquireDataDirLock(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, "pglite.lock");
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, "wx", 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      const release = () => {
        try {
          if (fs.readFileSync(lockPath, "utf8").trim() === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
      process.once("exit", release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = Number.parseInt(fs.readFileSync(lockPath, "utf8").trim(), 10);
      if (holder === process.pid) return () => {};
      if (Number.isFinite(holder) && pidAlive(holder)) {
        throw new DatabaseLockedError(
          `The embedded database in ${dataDir} is in use by another Patchbay process (pid ${holder}). ` +
            `Stop that process first, use another PATCHBAY_DATA_DIR, or set DATABASE_URL to share PostgreSQL between processes.`,
        );
      }
      fs.rmSync(lockPath, { force: true }); // stale lock from a process that died
    }
  }
  throw new DatabaseLockedError(`Could not take the lock on ${lockPath}.`);
}

export function openPglite(dataDir: string | null): DbHandle {
  let release = () => {};
  if (dataDir) release = acquireDataDirLock(dataDir);
  const pglite = new PGlite(dataDir ? path.join(dataDir, "pglite") : undefined);
  const db = drizzlePglite({ client: pglite, schema, casing: "snake_case" }) as unknown as Db;
  return {
    kind: "pglite",
    db,
    pglite,
    dataDir,
    async close() {
      await pglite.close();
      release();
    },
  };
}

export function openPostgres(url: string, max = 10): DbHandle {
  // Idle connections are kept for 5 minutes (pg's default is 10 s): traffic with pauses, webhooks
  // say, would otherwise reopen them on every burst, each new connection costing a request tens of
  // milliseconds and the server a backend start while it is busiest.
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 300_000 });
  // An idle client that loses its connection must not crash the process.
  pool.on("error", () => {});
  const db = drizzlePg({ client: pool, schema, casing: "snake_case" });
  return { kind: "postgres", db, pool, url, close: () => pool.end() };
}

/** The process-wide database handle. One per process: pages and route handlers share it via globalThis. */
export function dbHandle(): DbHandle {
  if (!g.__patchbayDb) {
    const e = env();
    g.__patchbayDb = e.DATABASE_URL ? openPostgres(e.DATABASE_URL) : openPglite(e.dataDir);
  }
  return g.__patchbayDb;
}

export function getDb(): Db {
  return dbHandle().db;
}

/** Tests and scripts install their own handle (a PGlite clone, a fresh Postgres database). */
export function setDbHandle(handle: DbHandle | undefined): void {
  g.__patchbayDb = handle;
}
