/**
 * Test helper, run as a separate process by lib/settings/invalidation.integration.test.ts:
 *   node --conditions=react-server --import tsx lib/settings/testing/settings-reader.ts <orgId> [intervalMs]
 * with DATABASE_URL, PATCHBAY_MASTER_KEYS and AUTH_SECRET set. Reads getSettings("smtp") in a
 * tight loop and prints one JSON line per change of the password, with a wall-clock timestamp
 * (performance.timeOrigin + performance.now(), comparable across processes on one machine).
 */
import { getDb } from "@/db/client";
import { getSettings } from "@/lib/settings";
import { notifySettingsChanged, onSettingsChange } from "@/lib/settings/invalidation";

const orgId = process.argv[2];
const intervalMs = Number(process.argv[3] ?? "2");
if (!orgId) {
  console.error("usage: settings-reader.ts <orgId> [intervalMs]");
  process.exit(2);
}

const now = () => performance.timeOrigin + performance.now();
const emit = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ reader: true, ...line })}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** LISTEN starts asynchronously: report ready only once a probe notification made the round trip. */
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

// The parent going away (pipe closed) ends the reader too.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();

let last: string | undefined;
let lastError: string | undefined;
async function readOnce(): Promise<void> {
  try {
    const s = await getSettings("smtp", { orgId: orgId! });
    const password = s.password ?? "";
    if (password !== last) {
      last = password;
      lastError = undefined;
      emit({ type: "value", password, at: now() });
    }
  } catch (error) {
    const message = (error as Error).message;
    if (message !== lastError) {
      lastError = message;
      emit({ type: "error", message, at: now() });
    }
  }
}

await readOnce();
await waitForListener();
emit({ type: "ready", at: now() });
for (;;) {
  await readOnce();
  await sleep(intervalMs);
}
