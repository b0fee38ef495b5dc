/**
 * dek-rotation: re-encrypt SECRETS sealed values of one organization with a new data key on real
 * PostgreSQL (startDekRotation + runDekRotation), while a concurrent reader keeps calling
 * getSettings (cache dropped each time) and openSecret on random rows, checking every value.
 * Baselines in the same run: the same crypto work on the same values in memory only (so the
 * ratio is the database's share), and the reader's latency with no rotation running.
 * Rotations chain (v1 -> v2 with one batch size, v2 -> v3 with the next), so one seed serves all.
 *
 * BENCH_ROTATION_SECRETS (default 100000) and BENCH_ROTATION_BATCHES (default "500,2000")
 * change the size for quick tries.
 */
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { countSecretsByVersion } from "@/db/queries/encryption-keys";
import { integrationSecrets } from "@/db/schema";
import { activeDek, openSecret } from "@/lib/lockbox";
import { envelopeVersion, generateDek, openString, sealString, secretAad } from "@/lib/lockbox/crypto";
import { runDekRotation, startDekRotation } from "@/lib/lockbox/rotation";
import { getSettings, resetSettingsCache } from "@/lib/settings";
import { runDekRotationBatched } from "./lib/batched-rotation";
import { openBenchDb, postgresAvailable, type BenchDb } from "./lib/db";
import { countQueries } from "./lib/query-counter";
import { fmt, ms, newResult, ratio, sleep, summarize, type BenchResult } from "./lib/report";

const SECRETS = Number(process.env.BENCH_ROTATION_SECRETS ?? "100000");
const FIELDS_PER_CONNECTION = 100;
const INSERT_BATCH = 1_000;
// 500 is runDekRotation's default; 2000 for comparison.
const BATCH_SIZES = (process.env.BENCH_ROTATION_BATCHES ?? "500,2000").split(",").map(Number);
// Also time the prototype of the proposed fix (bench/lib/batched-rotation.ts) with these batch sizes; "" = skip.
const PROTOTYPE_BATCHES = (process.env.BENCH_ROTATION_PROTOTYPE_BATCHES ?? "500").split(",").filter(Boolean).map(Number);
const IDLE_READ_MS = 2_000;
const GOAL_S = 60;

type Seeded = { ids: string[]; fields: string[]; ciphertexts: string[]; scope: string };

const plaintextOf = (integrationId: string, field: string) => `pw-${integrationId.slice(0, 8)}-${field}-0123456789abcdef`;

async function seed(db: BenchDb, result: BenchResult): Promise<Seeded> {
  const orgId = db.org.id;
  const scope = orgId;
  const pool = db.handle.kind === "postgres" ? db.handle.pool : null;
  if (!pool) throw new Error("dek-rotation needs PostgreSQL");
  const connections = Math.ceil(SECRETS / FIELDS_PER_CONNECTION);
  const connIds = Array.from({ length: connections }, () => crypto.randomUUID());
  const t0 = performance.now();
  await pool.query(
    `insert into integrations (id, org_id, provider_key, name, status, is_default)
     select id, $2, 'smtp', 'bulk ' || id, 'active', false from unnest($1::text[]) as id`,
    [connIds, orgId],
  );
  const { version, dek } = await getDb().transaction((tx) => activeDek(scope, orgId, tx));
  const ids: string[] = [];
  const fields: string[] = [];
  const ciphertexts: string[] = [];
  const tSeal = performance.now();
  for (let i = 0; i < SECRETS; i++) {
    const id = connIds[Math.floor(i / FIELDS_PER_CONNECTION)]!;
    const field = `f${String(i % FIELDS_PER_CONNECTION).padStart(3, "0")}`;
    ids.push(id);
    fields.push(field);
    ciphertexts.push(sealString(dek, version, plaintextOf(id, field), secretAad(scope, id, field)));
  }
  const sealMs = performance.now() - tSeal;
  for (let i = 0; i < SECRETS; i += INSERT_BATCH) {
    const end = Math.min(SECRETS, i + INSERT_BATCH);
    await pool.query(
      `insert into integration_secrets (integration_id, field, scope, ciphertext, dek_version)
       select id, f, $3, ct, $4 from unnest($1::text[], $2::text[], $5::text[]) as t(id, f, ct)`,
      [ids.slice(i, end), fields.slice(i, end), scope, version, ciphertexts.slice(i, end)],
    );
  }
  await pool.query("vacuum analyze integration_secrets");
  result.notes.push(`seeded ${fmt(SECRETS)} secrets on ${fmt(connections)} connections in ${((performance.now() - t0) / 1000).toFixed(1)} s (sealing alone ${(sealMs / 1000).toFixed(2)} s)`);
  return { ids, fields, ciphertexts, scope };
}

/** The rotation's per-row crypto (open old, seal new, re-open new to verify), in memory only. */
function cryptoBaseline(s: Seeded, oldDek: Buffer, oldVersion: number): number {
  const newDek = generateDek();
  const t0 = performance.now();
  for (let i = 0; i < s.ids.length; i++) {
    const aad = secretAad(s.scope, s.ids[i]!, s.fields[i]!);
    envelopeVersion(s.ciphertexts[i]!);
    const plain = openString(oldDek, s.ciphertexts[i]!, aad);
    const ct = sealString(newDek, oldVersion + 1, plain, aad);
    openString(newDek, ct, aad);
  }
  return performance.now() - t0;
}

type ReaderStats = { reads: number; errors: number; firstError?: string; latencies: number[] };

/** Read until stop() is called: alternately an uncached getSettings and openSecret of a random row. */
function startReader(db: BenchDb, s: Seeded) {
  const stats: ReaderStats = { reads: 0, errors: 0, latencies: [] };
  let stopped = false;
  const orgId = db.org.id;
  const loop = (async () => {
    let i = 0;
    while (!stopped) {
      const t0 = performance.now();
      try {
        if (i++ % 2 === 0) {
          resetSettingsCache();
          const settings = await getSettings("smtp", { orgId });
          if (!settings.password) throw new Error("getSettings returned no password");
        } else {
          const k = Math.floor(Math.random() * s.ids.length);
          const integrationId = s.ids[k]!;
          const field = s.fields[k]!;
          const [row] = await getDb()
            .select({ ciphertext: integrationSecrets.ciphertext })
            .from(integrationSecrets)
            .where(and(eq(integrationSecrets.integrationId, integrationId), eq(integrationSecrets.field, field)));
          if (!row) throw new Error(`row ${integrationId}/${field} vanished`);
          const plain = await openSecret({ orgId, integrationId, field, ciphertext: row.ciphertext });
          if (plain !== plaintextOf(integrationId, field)) throw new Error(`wrong plaintext for ${integrationId}/${field}`);
        }
        stats.reads++;
        stats.latencies.push(performance.now() - t0);
      } catch (error) {
        stats.errors++;
        stats.firstError ??= (error as Error).message;
      }
    }
  })();
  return {
    stats,
    async stop() {
      stopped = true;
      await loop;
      return stats;
    },
  };
}

export async function run(): Promise<BenchResult> {
  const result = newResult("dek-rotation");
  const pgOk = await postgresAvailable();
  if (!pgOk.ok) {
    result.notes.push(`skipped (needs PostgreSQL): ${pgOk.reason}`);
    return result;
  }
  const db = await openBenchDb("postgres", { poolSize: 10 });
  try {
    const s = await seed(db, result);
    const pool = db.handle.kind === "postgres" ? db.handle.pool : null;
    const orgId = db.org.id;

    const v1 = await getDb().transaction((tx) => activeDek(s.scope, orgId, tx));
    const cryptoMs = cryptoBaseline(s, v1.dek, v1.version);

    // Reader baseline: no rotation running.
    const idle = startReader(db, s);
    await sleep(IDLE_READ_MS);
    const idleStats = await idle.stop();
    const idleSum = summarize(idleStats.latencies);

    const rows: (string | number)[][] = [];
    const readerRows: (string | number)[][] = [
      ["idle (no rotation), baseline", fmt(idleStats.reads), idleStats.errors, `${fmt(idleStats.reads / (IDLE_READ_MS / 1000), 0)}/s`, ms(idleSum.p50), ms(idleSum.p99), ms(idleSum.max), "1x"],
    ];
    let allPass = true;
    const measured: string[] = [];
    const variants = [...BATCH_SIZES.map((batchSize) => ({ batchSize, prototype: false })), ...PROTOTYPE_BATCHES.map((batchSize) => ({ batchSize, prototype: true }))];
    for (const { batchSize, prototype } of variants) {
      await pool?.query("vacuum analyze integration_secrets");
      const reader = startReader(db, s);
      // Only the rotation writes integration_secrets here; the reader only selects.
      const writes = countQueries(db.handle, (text) => /^\s*update "?integration_secrets"?/i.test(text));
      const t0 = performance.now();
      const rotation = await startDekRotation({ orgId, actor: { id: db.actor.id, email: db.actor.email }, ip: null });
      const outcome = prototype ? await runDekRotationBatched(rotation.id, batchSize) : await runDekRotation(rotation.id, { batchSize });
      const label = prototype ? `prototype (bench/lib/batched-rotation.ts), batch ${batchSize}` : `runDekRotation, batch ${batchSize}`;
      const totalMs = performance.now() - t0;
      writes.restore();
      const stats = await reader.stop();
      const rs = summarize(stats.latencies);
      const byVersion = await countSecretsByVersion(s.scope);
      const onNew = byVersion.get(rotation.toVersion) ?? 0;
      const complete = outcome === "completed" && byVersion.size === 1 && onNew === rotation.total;
      rows.push([
        `v${rotation.fromVersion} -> v${rotation.toVersion}, ${label}`,
        fmt(rotation.total),
        `${(totalMs / 1000).toFixed(2)} s`,
        fmt(rotation.total / (totalMs / 1000), 0),
        ratio(totalMs, cryptoMs),
        fmt(writes.count),
        complete ? "yes" : `NO (${outcome}, versions ${JSON.stringify([...byVersion])})`,
      ]);
      readerRows.push([
        `during rotation, ${label}`,
        fmt(stats.reads),
        stats.errors + (stats.firstError ? ` (${stats.firstError.slice(0, 80)})` : ""),
        `${fmt(stats.reads / (totalMs / 1000), 0)}/s`,
        ms(rs.p50),
        ms(rs.p99),
        ms(rs.max),
        ratio(rs.p99, idleSum.p99),
      ]);
      const pass = complete && totalMs / 1000 < GOAL_S && stats.errors === 0 && stats.reads > 0;
      if (prototype) {
        result.notes.push(`prototype (not the shipped code; unnest UPDATE per batch, yields to the event loop every 100 rows): ${(totalMs / 1000).toFixed(1)} s, ${fmt(rotation.total / (totalMs / 1000), 0)} rows/s, ${stats.errors} read errors, all rows moved: ${complete ? "yes" : "NO"}`);
        continue;
      }
      allPass &&= pass;
      measured.push(`batch ${batchSize}: ${(totalMs / 1000).toFixed(1)} s, ${fmt(rotation.total / (totalMs / 1000), 0)} rows/s, ${fmt(stats.reads)} reads, ${stats.errors} errors, read p99 ${ms(rs.p99)}`);
    }
    rows.push(["baseline: same crypto in memory only", fmt(SECRETS), `${(cryptoMs / 1000).toFixed(2)} s`, fmt(SECRETS / (cryptoMs / 1000), 0), "1x", "", ""]);
    result.tables.push({
      title: `dek-rotation on postgres: ${fmt(SECRETS)} secrets, start + run (one organization scope)`,
      columns: ["rotation", "rows", "total", "rows/s", "vs crypto only", "UPDATE statements", "all rows on new key"],
      rows,
    });
    result.tables.push({
      title: "concurrent reader (uncached getSettings and openSecret of random rows, alternating, every value checked)",
      columns: ["when", "reads", "errors", "reads/s", "p50", "p99", "max", "p99 vs idle"],
      rows: readerRows,
    });
    result.checks.push({ goal: `rotate ${fmt(SECRETS)} secrets < ${GOAL_S} s with 0 read errors`, measured: measured.join("; "), pass: allPass });
    return result;
  } finally {
    await db.close();
  }
}
