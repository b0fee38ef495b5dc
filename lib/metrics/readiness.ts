import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import { sql } from "drizzle-orm";
import { getDb, type Executor } from "@/db/client";
import { migrationsFolder } from "@/db/migrate";
import { countLiveWorkers, WORKER_ALIVE_SECONDS } from "@/lib/jobs/admin";
import { getBoss } from "@/lib/jobs/boss";
import { env } from "@/lib/env";

const CHECK_TIMEOUT_MS = 3_000;

export type Check = { ok: boolean; message?: string } & Record<string, unknown>;
export type Readiness = { ok: boolean; failing: string[]; checks: Record<"database" | "migrations" | "jobQueue" | "workers", Check> };

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

type Journal = { entries: { idx: number; when: number; tag: string }[] };

/** The migrations this build ships: drizzle-kit's journal, read once per folder. */
const journals = new Map<string, Promise<Journal>>();
function readJournal(folder: string): Promise<Journal> {
  let j = journals.get(folder);
  if (!j) {
    j = fs.readFile(path.join(folder, "meta", "_journal.json"), "utf8").then((t) => JSON.parse(t) as Journal);
    j.catch(() => journals.delete(folder));
    journals.set(folder, j);
  }
  return j;
}

/**
 * Whether the database has every migration of this build. Drizzle's migrator records each applied
 * migration in drizzle.__drizzle_migrations with the journal entry's `when` as created_at and
 * applies only entries newer than the latest row, so the latest row tells where the schema is.
 */
export async function migrationsCheck(db: Executor = getDb(), folder = migrationsFolder): Promise<Check> {
  const journal = await readJournal(folder);
  const last = journal.entries.at(-1);
  const result = await db.execute(sql`select count(*)::int as n, max(created_at)::text as latest from drizzle.__drizzle_migrations`);
  const row = (result as unknown as { rows: { n: number; latest: string | null }[] }).rows[0];
  const applied = Number(row?.n ?? 0);
  const latest = row?.latest ? Number(row.latest) : 0;
  const ok = !last || (latest >= last.when && applied >= journal.entries.length);
  return ok
    ? { ok, applied, expected: journal.entries.length, latest: last?.tag ?? null }
    : { ok, applied, expected: journal.entries.length, latest: last?.tag ?? null, message: `The database has ${applied} of ${journal.entries.length} migrations (missing up to ${last!.tag}). Restart Patchbay to apply them.` };
}

async function run(what: string, check: () => Promise<Check>): Promise<Check> {
  try {
    return await withTimeout(check(), what);
  } catch (err) {
    return { ok: false, message: `${what}: ${(err as Error).message}` };
  }
}

/** Everything a load balancer should know before sending traffic to this process. */
export async function readiness(): Promise<Readiness> {
  const [database, migrations, jobQueue, workers] = await Promise.all([
    run("database", async () => {
      const started = performance.now();
      await getDb().execute(sql`select 1`);
      return { ok: true, ms: Math.round(performance.now() - started) };
    }),
    run("migrations", () => migrationsCheck()),
    run("job queue", async () => {
      await getBoss();
      return { ok: true };
    }),
    run("workers", async () => {
      // Heartbeats are shared through the database: in a web-only process (PATCHBAY_DISABLE_WORKERS)
      // the workers of `npm run worker` elsewhere count.
      const alive = await countLiveWorkers();
      const local = !env().PATCHBAY_DISABLE_WORKERS;
      return alive > 0
        ? { ok: true, alive, local }
        : { ok: false, alive, local, message: `No job worker has reported in the last ${WORKER_ALIVE_SECONDS} s${local ? "" : ": this process runs none (PATCHBAY_DISABLE_WORKERS); start npm run worker"}.` };
    }),
  ]);
  const checks = { database, migrations, jobQueue, workers };
  const failing = Object.entries(checks)
    .filter(([, c]) => !c.ok)
    .map(([name]) => name);
  return { ok: failing.length === 0, failing, checks };
}
