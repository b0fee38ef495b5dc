/**
 * invalidation: two processes on real PostgreSQL. A child (bench/child-settings-reader.ts) reads
 * getSettings("smtp") in a loop; this process changes the SMTP password UPDATES times through
 * updateConnection and measures, per change, the time from the commit (updateConnection
 * returned) to the child reading the new password. Baseline in the same run: a raw LISTEN/NOTIFY
 * round trip between two pg clients.
 */
import pg from "pg";
import { updateConnection } from "@/lib/connections/service";
import { spawnBenchChild } from "./lib/child";
import { BENCH_AUTH_SECRET, benchMasterKey, openBenchDb, postgresAvailable, SMTP_VALUES } from "./lib/db";
import { ms, newResult, ratio, summarize, wallNow, type BenchResult } from "./lib/report";

const UPDATES = 100;
const WARMUP = 5;
const SEEN_TIMEOUT_MS = 5_000;
const GOAL_P99_MS = 100;

async function notifyBaseline(url: string): Promise<{ sendToRecv: number[]; ackToRecv: number[] }> {
  const listener = new pg.Client({ connectionString: url });
  const notifier = new pg.Client({ connectionString: url });
  await listener.connect();
  await notifier.connect();
  const received = new Map<string, number>();
  let wake: (() => void) | undefined;
  listener.on("notification", (m) => {
    received.set(m.payload ?? "", wallNow());
    wake?.();
  });
  await listener.query("LISTEN bench_baseline");
  const sendToRecv: number[] = [];
  const ackToRecv: number[] = [];
  try {
    for (let i = 0; i < WARMUP + UPDATES; i++) {
      const payload = String(i);
      const got = new Promise<void>((r) => (wake = () => received.has(payload) && r()));
      const t0 = wallNow();
      await notifier.query(`NOTIFY bench_baseline, '${payload}'`);
      const tAck = wallNow();
      await got;
      const t1 = received.get(payload)!;
      if (i >= WARMUP) {
        sendToRecv.push(t1 - t0);
        ackToRecv.push(t1 - tAck);
      }
    }
  } finally {
    await listener.end();
    await notifier.end();
  }
  return { sendToRecv, ackToRecv };
}

export async function run(): Promise<BenchResult> {
  const result = newResult("invalidation");
  const pgOk = await postgresAvailable();
  if (!pgOk.ok) {
    result.notes.push(`skipped (needs PostgreSQL): ${pgOk.reason}`);
    return result;
  }
  const db = await openBenchDb("postgres");
  const { formatted } = benchMasterKey();
  const child = spawnBenchChild("bench/child-settings-reader.ts", [db.org.id], {
    DATABASE_URL: db.url!,
    PATCHBAY_MASTER_KEYS: formatted,
    AUTH_SECRET: BENCH_AUTH_SECRET,
    LOG_LEVEL: "warn",
  });
  try {
    const ready = await child.waitFor((m) => m.type === "ready", 60_000);
    if (!ready) throw new Error(`the reader child did not get ready: ${child.stderr()}`);

    const commitToSeen: number[] = [];
    const startToSeen: number[] = [];
    const commitToNotified: number[] = [];
    const notifiedToSeen: number[] = [];
    const updateMs: number[] = [];
    let missed = 0;
    for (let i = 0; i < WARMUP + UPDATES; i++) {
      const password = `bench-password-${i}`;
      const seen = child.waitFor((m) => m.type === "value" && m.password === password, SEEN_TIMEOUT_MS);
      const t0 = wallNow();
      await updateConnection({ org: db.org, actor: db.actor, id: db.connectionId, name: "Bench SMTP", values: { ...SMTP_VALUES, password }, testBeforeSave: false, ip: null });
      const tCommit = wallNow();
      const msg = await seen;
      if (i < WARMUP) continue;
      if (!msg) {
        missed++;
        continue;
      }
      const at = msg.at as number;
      const notifiedAt = msg.notifiedAt as number;
      commitToSeen.push(at - tCommit);
      startToSeen.push(at - t0);
      updateMs.push(tCommit - t0);
      if (notifiedAt >= t0) {
        commitToNotified.push(notifiedAt - tCommit);
        notifiedToSeen.push(at - notifiedAt);
      }
    }

    const base = await notifyBaseline(db.url!);
    const cs = summarize(commitToSeen);
    const ss = summarize(startToSeen);
    const cn = summarize(commitToNotified);
    const ns = summarize(notifiedToSeen);
    const um = summarize(updateMs);
    const bs = summarize(base.sendToRecv);
    const ba = summarize(base.ackToRecv);
    const row = (label: string, s: ReturnType<typeof summarize>, vs?: ReturnType<typeof summarize>) => [label, s.n, ms(s.p50), ms(s.p99), ms(s.max), vs ? ratio(s.p50, vs.p50) : "", vs ? ratio(s.p99, vs.p99) : ""];
    result.tables.push({
      title: `invalidation on postgres: ${UPDATES} password changes via updateConnection, seen by a second process (reader pauses ${process.env.BENCH_READER_INTERVAL_MS ?? "1"} ms between reads)`,
      columns: ["interval", "n", "p50", "p99", "max", "p50 vs baseline", "p99 vs baseline"],
      rows: [
        row("commit -> child reads new value", cs, ba),
        row("updateConnection start -> child reads it", ss, bs),
        row("  of which: commit -> NOTIFY reaches child", cn, ba),
        row("  of which: NOTIFY -> fresh value read", ns),
        row("updateConnection duration", um),
        row("baseline: raw NOTIFY ack -> listener", ba),
        row("baseline: raw NOTIFY send -> listener", bs),
      ],
    });
    result.notes.push(
      "commit = updateConnection() returned (COMMIT acknowledged); the child can see the change a little before that, so small negative minima are possible. Ratios compare like with like: commit->seen against NOTIFY ack->listener, start->seen against NOTIFY send->listener.",
    );
    if (missed) result.notes.push(`${missed} of ${UPDATES} changes were not seen within ${SEEN_TIMEOUT_MS} ms`);
    result.checks.push({ goal: `invalidation commit -> other process sees it, p99 < ${GOAL_P99_MS} ms`, measured: `p50 ${ms(cs.p50)}, p99 ${ms(cs.p99)} (raw NOTIFY p99 ${ms(ba.p99)}), missed ${missed}`, pass: missed === 0 && cs.p99 < GOAL_P99_MS });
    return result;
  } finally {
    await child.stop();
    await db.close();
  }
}
