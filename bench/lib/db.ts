// Benchmark databases: a migrated in-memory PGlite, or a scratch database on a real PostgreSQL
// server (created from an admin URL, dropped at the end). Each is seeded like a first run: an
// owner, an organization, and one default SMTP connection with a sealed password.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openPglite, openPostgres, setDbHandle, type DbHandle } from "@/db/client";
import { migrate } from "@/db/migrate";
import { createConnection, type Actor, type OrgRef } from "@/lib/connections/service";
import { clearDekCache } from "@/lib/lockbox";
import { formatMasterKey, generateKek, type Kek } from "@/lib/lockbox/crypto";
import { setMasterKeysForTests } from "@/lib/lockbox/keyring";
import { completeSetup } from "@/lib/organizations/setup";
import { resetSettingsCache } from "@/lib/settings";
import { stopSettingsListener } from "@/lib/settings/invalidation";

export const DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** The admin URL used to create scratch databases, and where it came from. */
export function adminUrl(): { url: string; from: string } {
  if (process.env.BENCH_DATABASE_URL) return { url: process.env.BENCH_DATABASE_URL, from: "BENCH_DATABASE_URL" };
  if (process.env.TEST_DATABASE_URL) return { url: process.env.TEST_DATABASE_URL, from: "TEST_DATABASE_URL" };
  return { url: DEFAULT_ADMIN_URL, from: "default" };
}

let availability: Promise<{ ok: true; version: string } | { ok: false; reason: string }> | undefined;

/** Whether the admin URL answers (checked once per run). */
export function postgresAvailable() {
  availability ??= (async () => {
    const { url, from } = adminUrl();
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
    try {
      await c.connect();
      const { rows } = await c.query<{ v: string }>("select current_setting('server_version') as v");
      return { ok: true as const, version: rows[0]!.v };
    } catch (error) {
      return { ok: false as const, reason: `no PostgreSQL at ${redact(url)} (${from}): ${(error as Error).message}` };
    } finally {
      await c.end().catch(() => {});
    }
  })();
  return availability;
}

export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<unparsable URL>";
  }
}

// One master key per bench run; children get the same one through PATCHBAY_MASTER_KEYS.
let kek: Kek | undefined;
export function benchMasterKey(): { kek: Kek; formatted: string } {
  kek ??= generateKek("bench1");
  setMasterKeysForTests([kek]);
  return { kek, formatted: formatMasterKey(kek) };
}

/** A 40-character AUTH_SECRET for child processes (env validation wants ≥ 32). */
export const BENCH_AUTH_SECRET = "bench-auth-secret-".padEnd(40, "x");

export const SMTP_VALUES = {
  host: "smtp.example.com",
  port: "587",
  security: "starttls",
  username: "mailer",
  fromAddress: "no-reply@example.com",
  fromName: "Bench",
};

export type BenchDb = {
  kind: "pglite" | "postgres";
  handle: DbHandle;
  /** Postgres only: the scratch database's URL (for child processes and raw clients). */
  url: string | null;
  org: OrgRef;
  actor: Actor;
  connectionId: string;
  close(): Promise<void>;
};

const scratch = new Set<string>();

async function adminQuery(text: string): Promise<void> {
  const a = new pg.Client({ connectionString: adminUrl().url });
  await a.connect();
  try {
    await a.query(text);
  } finally {
    await a.end();
  }
}

async function dropScratch(name: string): Promise<void> {
  await adminQuery(`drop database if exists ${name} with (force)`);
  scratch.delete(name);
}

/** Drop every scratch database still open (Ctrl-C, a crashed benchmark). */
export async function dropAllScratch(): Promise<void> {
  for (const name of [...scratch]) await dropScratch(name).catch(() => {});
}

/**
 * Open, migrate and seed a database, and make it the process-wide handle (PGlite: in memory, or in
 * `dataDir` to hand it to a server afterwards). Only one at a time:
 * close() stops the settings listener and forgets the process caches, so the next one starts clean.
 */
export async function openBenchDb(kind: "pglite" | "postgres", opts: { poolSize?: number; dataDir?: string } = {}): Promise<BenchDb> {
  benchMasterKey();
  clearDekCache();
  let handle: DbHandle;
  let url: string | null = null;
  let name: string | null = null;
  if (kind === "pglite") {
    handle = openPglite(opts.dataDir ?? null);
  } else {
    name = `patchbay_bench_${randomBytes(5).toString("hex")}`;
    await adminQuery(`create database ${name}`);
    scratch.add(name);
    const u = new URL(adminUrl().url);
    u.pathname = `/${name}`;
    url = u.toString();
    handle = openPostgres(url, opts.poolSize ?? 10);
  }
  const close = async () => {
    await stopSettingsListener();
    // The settings cache subscribes to invalidations once; forget it so the next database's
    // listener gets a fresh subscription.
    resetSettingsCache();
    (globalThis as { __patchbaySettingsCache?: unknown }).__patchbaySettingsCache = undefined;
    setDbHandle(undefined);
    clearDekCache();
    await handle.close();
    if (name) await dropScratch(name);
  };
  try {
    await migrate(handle);
    setDbHandle(handle);
    const { user, org } = await completeSetup({ name: "Bench Owner", email: "owner@bench.example", password: "correct horse battery staple", orgName: "Bench Org", ip: null });
    const actor: Actor = { id: user.id, email: user.email, isPlatformAdmin: true };
    const orgRef: OrgRef = { id: org.id, name: org.name };
    const { id } = await createConnection({
      org: orgRef,
      actor,
      providerKey: "smtp",
      platformWide: false,
      name: "Bench SMTP",
      values: { ...SMTP_VALUES, password: "initial-password" },
      testBeforeSave: false,
      ip: null,
    });
    return { kind, handle, url, org: orgRef, actor, connectionId: id, close };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}
