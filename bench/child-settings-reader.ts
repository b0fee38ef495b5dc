/**
 * Child process of the `invalidation` benchmark:
 *   node --conditions=react-server --import tsx bench/child-settings-reader.ts <orgId>
 * with DATABASE_URL, PATCHBAY_MASTER_KEYS and AUTH_SECRET set (BENCH_READER_INTERVAL_MS: pause
 * between reads, default 1). Reads getSettings("smtp") in a loop, the way a request handler
 * would, and prints one line `BENCH {json}` per change of the password with a wall-clock time
 * (performance.timeOrigin + performance.now(), comparable across processes on one machine).
 * It also stamps when each invalidation message arrives, to split the latency in two.
 */
import { getDb } from "@/db/client";
import { getSettings } from "@/lib/settings";
import { notifySettingsChanged, onSettingsChange } from "@/lib/settings/invalidation";

const orgId = process.argv[2];
const intervalMs = Number(process.env.BENCH_READER_INTERVAL_MS ?? "1");
if (!orgId) {
  console.error("usage: child-settings-reader.ts <orgId>");
  process.exit(2);
}

const now = () => performance.timeOrigin + performance.now();
const emit = (line: Record<string, unknown>) => process.stdout.write(`BENCH ${JSON.stringify(line)}\n`);
const pause = () => new Promise<void>((r) => (intervalMs > 0 ? setTimeout(r, intervalMs) : setImmediate(r)));

// The parent going away (stdin closed) ends the reader.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();

let lastNotifiedAt = 0;
let probeSeen = false;
const probe = `bench-probe-${process.pid}`;
onSettingsChange((c) => {
  if (c === "reset") return;
  if (c.providerKey === probe) probeSeen = true;
  else lastNotifiedAt = now();
});

let last: string | undefined;
let reads = 0;
async function readOnce(): Promise<void> {
  try {
    const s = await getSettings("smtp", { orgId: orgId! });
    reads++;
    const password = s.password ?? "";
    if (password !== last) {
      last = password;
      emit({ type: "value", password, at: now(), notifiedAt: lastNotifiedAt, reads });
    }
  } catch (error) {
    emit({ type: "error", message: (error as Error).message, at: now() });
  }
}

await readOnce();
// LISTEN starts asynchronously: ready only once a probe notification made the round trip.
while (!probeSeen) {
  await notifySettingsChanged(getDb(), { providerKey: probe, orgId: "probe" });
  await new Promise((r) => setTimeout(r, 20));
}
emit({ type: "ready", at: now() });
for (;;) {
  await readOnce();
  await pause();
}
