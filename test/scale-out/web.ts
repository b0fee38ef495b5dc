/**
 * The "web" role of the scale-out test, run as its own process:
 *   node_modules/.bin/tsx --conditions=react-server --tsconfig tsconfig.json test/scale-out/web.ts
 * with DATABASE_URL, PATCHBAY_MASTER_KEYS, AUTH_SECRET and PATCHBAY_DISABLE_WORKERS=true.
 *
 * Not a `next start` server (that needs a production build per run): it runs the same start-up as
 * one (lib/boot.ts: migrations, key checks, catalog sync, pg-boss started for sending and cron, no
 * workers) and then does what a web request would do with the real library code, on command:
 * enqueue jobs through lib/jobs/boss.ts and read settings through lib/settings (cache + LISTEN).
 *
 * Control channel: one JSON command per stdin line, one JSON answer per stdout line. Our lines
 * carry `scaleOut: true`; every other stdout line is the app's own log output.
 *   {"id":1,"op":"enqueue","queue":"health-check","data":{...},"singletonKey":"...","count":10,"at":<epoch ms>}
 *     → {"id":1,"ok":true,"result":[jobId | null, ...]}   (all `count` sends at once, at wall time `at`)
 *   {"id":2,"op":"settings","providerKey":"smtp","orgId":"...","field":"password"} → {"id":2,"ok":true,"result":"..."}
 * Unprompted: {"event":"ready","pid":...} once booted and listening, and
 * {"event":"settings-change","change":{...},"at":<epoch ms>} for every invalidation this process receives.
 */
import { createInterface } from "node:readline";
import { getDb } from "@/db/client";
import { boot } from "@/lib/boot";
import { enqueue, getBoss } from "@/lib/jobs/boss";
import type { JobData, QueueName } from "@/lib/jobs/queues";
import { getSettings } from "@/lib/settings";
import { notifySettingsChanged, onSettingsChange } from "@/lib/settings/invalidation";
import type { ProviderKey } from "@/lib/catalog/registry";

type Command =
  | { id: number; op: "enqueue"; queue: QueueName; data: JobData[QueueName]; singletonKey?: string; count?: number; at?: number }
  | { id: number; op: "settings"; providerKey: ProviderKey; orgId: string; field: string };

const now = () => performance.timeOrigin + performance.now();
const emit = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ scaleOut: true, ...line })}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(cmd: Command): Promise<unknown> {
  if (cmd.op === "enqueue") {
    if (cmd.at) await sleep(Math.max(0, cmd.at - now()));
    await getBoss(); // started before the burst, so the sends race each other, not the start-up
    const send = () => enqueue(cmd.queue, cmd.data, { singletonKey: cmd.singletonKey });
    const sends = Array.from({ length: cmd.count ?? 1 }, send);
    return Promise.all(sends);
  }
  if (cmd.op === "settings") {
    const settings = (await getSettings(cmd.providerKey, { orgId: cmd.orgId })) as Record<string, unknown>;
    return settings[cmd.field];
  }
  throw new Error(`unknown op ${(cmd as { op: string }).op}`);
}

/** LISTEN starts asynchronously: ready only once a probe notification made the round trip. */
async function waitForListener(): Promise<void> {
  let seen = false;
  const probe = `probe-${process.pid}`;
  const off = onSettingsChange((c) => {
    if (c !== "reset" && c.providerKey === probe) seen = true;
  });
  while (!seen) {
    await notifySettingsChanged(getDb(), { providerKey: probe, orgId: "probe" });
    await sleep(20);
  }
  off();
}

// The test process going away (its end of the pipe closes) ends this one too.
process.stdin.on("end", () => process.exit(0));

await boot();
onSettingsChange((change) => {
  if (change === "reset" || !change.providerKey.startsWith("probe-")) emit({ event: "settings-change", change, at: now() });
});
await waitForListener();

createInterface({ input: process.stdin }).on("line", (text) => {
  let cmd: Command;
  try {
    cmd = JSON.parse(text) as Command;
  } catch {
    emit({ event: "bad-command", text });
    return;
  }
  run(cmd).then(
    (result) => emit({ id: cmd.id, ok: true, result }),
    (error: Error) => emit({ id: cmd.id, ok: false, error: error.message }),
  );
});
emit({ event: "ready", pid: process.pid });
