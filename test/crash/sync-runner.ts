/**
 * The sync process of the sync kill test, run as its own process group:
 *   node_modules/.bin/tsx --conditions=react-server --tsconfig tsconfig.json test/crash/sync-runner.ts
 * with DATABASE_URL, PATCHBAY_MASTER_KEYS, AUTH_SECRET, PATCHBAY_DISABLE_WORKERS=true,
 * PATCHBAY_ALLOW_PRIVATE_EGRESS=true and SYNC_RUN_ID. It boots like the app and runs that sync
 * run with the real engine until the test SIGKILLs it. Prints {"crash":true,"event":"started"} first.
 */
import { boot } from "@/lib/boot";
import { runSync } from "@/lib/sync/engine";

process.stdin.on("end", () => process.exit(0));
process.stdin.resume();

await boot();
process.stdout.write(`${JSON.stringify({ crash: true, event: "started", pid: process.pid })}\n`);
const result = await runSync(process.env.SYNC_RUN_ID!);
process.stdout.write(`${JSON.stringify({ crash: true, event: "finished", result })}\n`);
