/**
 * Test helper, run as a separate process by lib/connect/oauth.integration.test.ts:
 *   node --conditions=react-server --import tsx lib/connect/testing/refresh-many.ts <orgId> <connectionId> [count]
 * with DATABASE_URL, PATCHBAY_MASTER_KEYS, AUTH_SECRET and PATCHBAY_ALLOW_PRIVATE_EGRESS=true set.
 *
 * Warms up (modules, database pool, data key) without touching the token, prints {"type":"ready"},
 * waits for a "go" line on stdin so that several processes start at the same moment, then fires
 * `count` parallel getAccessToken calls and prints {"type":"done","tokens":[…],"errors":[…]}.
 */
import { createInterface } from "node:readline";
import { getAccessToken } from "@/lib/connect/oauth";
import { loadConnectionSettings } from "@/lib/settings";

const [orgId, connectionId, countArg] = process.argv.slice(2);
const count = Number(countArg ?? "20");
if (!orgId || !connectionId || !Number.isInteger(count) || count < 1) {
  console.error("usage: refresh-many.ts <orgId> <connectionId> [count]");
  process.exit(2);
}

const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ refreshMany: true, pid: process.pid, ...line })}\n`);

try {
  await loadConnectionSettings(connectionId, orgId);
  const go = new Promise<void>((resolve) => {
    const rl = createInterface({ input: process.stdin });
    rl.on("line", (line) => {
      if (line.trim() === "go") {
        rl.close();
        resolve();
      }
    });
  });
  say({ type: "ready" });
  await go;
  const results = await Promise.allSettled(Array.from({ length: count }, () => getAccessToken({ orgId, connectionId })));
  say({
    type: "done",
    tokens: results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])),
    errors: results.flatMap((r) => (r.status === "rejected" ? [`${(r.reason as Error).name}: ${(r.reason as Error).message}`] : [])),
  });
  process.exit(0);
} catch (error) {
  say({ type: "failed", message: (error as Error).message });
  process.exit(1);
}
