/**
 * sync: 100,000 records from an in-process fake source (a HubSpot-contact-shaped generator, pages
 * of 1,000, nothing kept between pages) through the real sync engine (runSync: generic REST page
 * reader, JSON + sha-256 hash, the compiled built-in HubSpot contacts mapping (14 rules), per page one indexed read of the
 * stored hashes, a COPY of the new/changed records into a session temp table and one upsert from it, with the seen ids, counters and checkpoint in the page's transaction) on real PostgreSQL. Baseline in the
 * same run: a raw batched unnest upsert of the same generated rows (no mapping, no hash, no
 * checkpoint), so the ratio is the engine's overhead. Then a second full run where every record is
 * unchanged (hashes read first, nothing shipped or written). Heap and RSS before/after show memory stays flat.
 *
 * BENCH_SYNC_RECORDS (default 100000) changes the size for quick tries.
 */
import { getDb } from "@/db/client";
import { syncStreams } from "@/db/schema";
import { createMapper } from "@/lib/mapping/compile";
import { getBuiltinTarget } from "@/lib/mapping/targets";
import { getBuiltinTemplate } from "@/lib/mapping/templates";
import type { Mapper } from "@/lib/mapping/types";
import type { ApiClient } from "@/lib/providers/_shared/api-client";
import { runSync } from "@/lib/sync/engine";
import { requestSyncRun } from "@/lib/sync/service";
import v8 from "node:v8";
import vm from "node:vm";
import { openBenchDb, postgresAvailable } from "./lib/db";
import { fmt, newResult, ratio, type BenchResult } from "./lib/report";

const RECORDS = Number(process.env.BENCH_SYNC_RECORDS ?? "100000");
const PAGE = 1000;
const GOAL_RPS = 25_000;
const GOAL_RATIO = 0.6;

const lifecycle = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"];
const countries = ["France", "Germany", "United States", "Japan", "Brazil", "Kenya"];

/** Record i, the same every time it is generated (a run and the baseline see identical rows). */
function record(i: number) {
  const at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  return {
    id: String(100_000_000 + i),
    properties: {
      email: i % 997 === 0 ? `broken-address-${i}` : `Person.${i}@Example.com `,
      firstname: `First${i}`,
      lastname: `Last${i % 5000}`,
      phone: `+33 1 ${String(i % 100).padStart(2, "0")} ${String(i % 10_000).padStart(4, "0")}`,
      company: `Company ${i % 2500}`,
      jobtitle: i % 3 ? "Engineer" : "Manager",
      city: `City ${i % 400}`,
      country: countries[i % countries.length]!,
      lifecyclestage: lifecycle[i % lifecycle.length]!,
      numberofemployees: String((i % 900) + 10),
      annualrevenue: String((i % 1000) * 12_345.5),
      createdate: at,
      hs_lastmodifieddate: at,
    },
    createdAt: at,
    updatedAt: at,
    archived: false,
  };
}

/** The fake source as the engine sees it: an API client answering page-numbered GETs, generating each page on demand. */
function fakeClient(total: number): ApiClient {
  return {
    async request<T>(_path: string, init: { query?: Record<string, string | number | boolean | undefined> } = {}) {
      const page = Number(init.query?.page ?? 1);
      const start = (page - 1) * PAGE;
      const data = { results: Array.from({ length: Math.max(0, Math.min(PAGE, total - start)) }, (_, k) => record(start + k)) };
      return { status: 200, headers: new Headers(), data: data as T, text: "", ms: 0 };
    },
  };
}

/** The real compiled mapper: lib/mapping's built-in "HubSpot contacts → Contact" template (14 rules: trims, lower-casing, a template, date parsing, type checks). */
const mapper: Mapper = createMapper("bench-hubspot-contacts", getBuiltinTemplate("builtin:hubspot-contacts")!.definition, getBuiltinTarget("contact"));

// A collectable heap before each reading, without needing `node --expose-gc` (tsx runs its own node).
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

function mem() {
  const m = process.memoryUsage();
  return { heap: m.heapUsed / 2 ** 20, rss: m.rss / 2 ** 20 };
}

export async function run(): Promise<BenchResult> {
  const result = newResult("sync");
  const pg = await postgresAvailable();
  if (!pg.ok) {
    result.notes.push(`skipped: ${pg.reason}`);
    return result;
  }
  const db = await openBenchDb("postgres", { poolSize: 4 });
  try {
    const pool = db.handle.kind === "postgres" ? db.handle.pool : null;
    if (!pool) throw new Error("sync bench needs PostgreSQL");
    const [stream] = await getDb()
      .insert(syncStreams)
      .values({
        orgId: db.org.id,
        integrationId: db.connectionId,
        entity: "contacts",
        config: { kind: "generic-rest", entity: "contacts", path: "/crm/v3/objects/contacts", recordsPath: "results", idPath: "id", updatedAtPath: "updatedAt", pagination: "page", pageParam: "page", pageSizeParam: "limit", pageSize: PAGE },
      })
      .returning();
    const source = { providerKey: "bench", connectionName: "bench", client: fakeClient(RECORDS) };

    // Baseline: the same generated rows, raw, one unnest upsert per page.
    gc();
    const t0 = performance.now();
    for (let start = 0; start < RECORDS; start += PAGE) {
      const rows = Array.from({ length: Math.min(PAGE, RECORDS - start) }, (_, k) => record(start + k));
      await pool.query(
        `insert into integration_data (org_id, integration_id, entity_type, external_id, raw, hash)
         select $1, $2, 'baseline', t.id, t.raw, 'x' from unnest($3::text[], $4::jsonb[]) as t(id, raw)
         on conflict (integration_id, entity_type, external_id) do update set raw = excluded.raw, synced_at = now()`,
        [db.org.id, db.connectionId, rows.map((r) => r.id), rows.map((r) => JSON.stringify(r))],
      );
    }
    const baselineS = (performance.now() - t0) / 1000;
    const baselineRps = RECORDS / baselineS;

    // Second reference: the same unnest upsert writing every column the engine writes (raw, mapped,
    // errors, hash, updated-at), with the mapping and hashing done outside the timed part: the
    // database's share of the engine's work.
    const { preparePage } = await import("@/lib/sync/engine");
    const { genericRestStream } = await import("@/lib/sync/streams/generic-rest");
    const def = genericRestStream(stream!.config);
    let fullS = 0;
    for (let start = 0; start < RECORDS; start += PAGE) {
      const rows = preparePage(def, Array.from({ length: Math.min(PAGE, RECORDS - start) }, (_, k) => record(start + k)), mapper).rows;
      const t = performance.now();
      await pool.query(
        `insert into integration_data as d (org_id, integration_id, entity_type, external_id, raw, mapped, errors, has_errors, hash, mapping_version_id, source_updated_at)
         select $1, $2, 'baseline-full', t.i, t.r, t.m, t.e, t.x, t.h, 'v', t.u from unnest($3::text[], $4::jsonb[], $5::jsonb[], $6::jsonb[], $7::boolean[], $8::text[], $9::timestamptz[]) as t(i, r, m, e, x, h, u)
         on conflict (integration_id, entity_type, external_id) do update set raw = excluded.raw, mapped = excluded.mapped, hash = excluded.hash where d.hash is distinct from excluded.hash`,
        [db.org.id, db.connectionId, rows.map((r) => r.externalId), rows.map((r) => r.raw), rows.map((r) => r.mapped), rows.map((r) => r.errors ?? "[]"), rows.map((r) => r.hasErrors), rows.map((r) => r.hash), rows.map((r) => r.sourceUpdatedAt)],
      );
      fullS += (performance.now() - t) / 1000;
    }
    const fullRps = RECORDS / fullS;

    const runOnce = async () => {
      const { run: r } = await requestSyncRun({ orgId: db.org.id, streamId: stream!.id, mode: "full", trigger: "manual", requestedBy: null, enqueue: false });
      let peakRss = 0;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss / 2 ** 20)), 100);
      gc();
      const before = mem();
      const t = performance.now();
      const out = await runSync(r.id, { source, mapper });
      const s = (performance.now() - t) / 1000;
      clearInterval(sampler);
      gc();
      const after = mem();
      return { out, s, before, after, peakRss: Math.max(peakRss, after.rss) };
    };
    const first = await runOnce();
    const second = await runOnce();
    const engineRps = RECORDS / first.s;
    const unchangedRps = RECORDS / second.s;
    const n = ((await pool.query(`select count(*)::int as n from integration_data where entity_type = 'contacts' and has_errors`)).rows as { n: number }[])[0]?.n ?? 0;

    result.tables.push({
      title: `${fmt(RECORDS)} records, pages of ${PAGE}, PostgreSQL`,
      columns: ["what", "time", "records/s", "heap before → after (MiB)", "RSS before → after, peak (MiB)", "counts"],
      rows: [
        ["raw unnest upsert (baseline: id + raw only)", `${baselineS.toFixed(2)} s`, fmt(baselineRps, 0), "", "", "100% inserted"],
        ["unnest upsert of every stored column (DB time only)", `${fullS.toFixed(2)} s`, fmt(fullRps, 0), "", "", "100% inserted"],
        [
          "sync engine, first full run (map + hash + upsert + checkpoint)",
          `${first.s.toFixed(2)} s`,
          fmt(engineRps, 0),
          `${first.before.heap.toFixed(0)} → ${first.after.heap.toFixed(0)}`,
          `${first.before.rss.toFixed(0)} → ${first.after.rss.toFixed(0)}, ${first.peakRss.toFixed(0)}`,
          `${first.out.created} created, ${first.out.failed} with field errors, ${first.out.pages} pages`,
        ],
        [
          "sync engine, second full run (all unchanged)",
          `${second.s.toFixed(2)} s`,
          fmt(unchangedRps, 0),
          `${second.before.heap.toFixed(0)} → ${second.after.heap.toFixed(0)}`,
          `${second.before.rss.toFixed(0)} → ${second.after.rss.toFixed(0)}, ${second.peakRss.toFixed(0)}`,
          `${second.out.unchanged} unchanged, ${second.out.updated} updated`,
        ],
      ],
    });
    result.checks.push({ goal: `sync engine ≥ ${fmt(GOAL_RPS)} records/s`, measured: `${fmt(engineRps, 0)} records/s`, pass: engineRps >= GOAL_RPS });
    result.checks.push({ goal: `engine / raw upsert ≥ ${GOAL_RATIO}`, measured: ratio(engineRps, baselineRps), pass: engineRps / baselineRps >= GOAL_RATIO });
    result.notes.push(`engine vs the same columns written by a bare unnest upsert: ${ratio(engineRps, fullRps)} (the engine's own overhead: hashing, mapping, checkpoint, counters, live event)`);
    result.checks.push({
      goal: "counts exact, memory flat (heap after within 64 MiB of before)",
      measured: `created ${first.out.created}/${RECORDS}, unchanged ${second.out.unchanged}/${RECORDS}, ${n} flagged; heap +${(first.after.heap - first.before.heap).toFixed(0)} MiB`,
      pass: first.out.created === RECORDS && second.out.unchanged === RECORDS && first.after.heap - first.before.heap < 64,
    });
    result.notes.push("mapper: lib/mapping createMapper on the built-in HubSpot contacts → Contact template (14 rules)");
  } finally {
    await db.close();
  }
  return result;
}
