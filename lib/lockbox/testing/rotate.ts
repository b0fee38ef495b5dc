/**
 * Test helper, run as a separate process by lib/lockbox/rotation.integration.test.ts:
 *   node --conditions=react-server --import tsx lib/lockbox/testing/rotate.ts <rotationId> [batchSize]
 * with DATABASE_URL, PATCHBAY_MASTER_KEYS and AUTH_SECRET set. Runs (claims) one data-key
 * rotation and prints a JSON line with the outcome; the test kills it part-way through.
 */
import { runDekRotation } from "@/lib/lockbox/rotation";

const id = process.argv[2];
const batchSize = Number(process.argv[3] ?? "500");
if (!id || !Number.isInteger(batchSize) || batchSize < 1) {
  console.error("usage: rotate.ts <rotationId> [batchSize]");
  process.exit(2);
}

process.stdout.write(`${JSON.stringify({ rotate: true, type: "started", pid: process.pid })}\n`);
try {
  const result = await runDekRotation(id, { batchSize });
  process.stdout.write(`${JSON.stringify({ rotate: true, type: "done", result })}\n`);
  process.exit(0);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ rotate: true, type: "failed", message: (error as Error).message })}\n`);
  process.exit(1);
}
