// `npm run worker`: job workers without the web server, for N web + M worker processes on one
// PostgreSQL. Run with tsx under the react-server condition (server-only resolves to nothing).
import { dbHandle, DatabaseLockedError } from "@/db/client";
import { describeDbError, migrate } from "@/db/migrate";
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { rewrapDataKeys, verifyMasterKeys } from "@/lib/lockbox/rotation";
import { masterKeys } from "@/lib/lockbox/keyring";
import { syncBuiltinRegistry } from "@/lib/catalog/sync-registry";
import { startWorkers, stopWorkers } from "./worker";

function fatal(message: string): never {
  process.stderr.write(`patchbay worker: ${message}\n`);
  process.exit(1);
}

async function main() {
  let handle;
  try {
    const e = env();
    if (e.embedded) {
      fatal("needs DATABASE_URL. The embedded database belongs to the `npm start` process, which already runs the workers; set DATABASE_URL (PostgreSQL) to run workers separately.");
    }
    masterKeys();
    handle = dbHandle();
  } catch (error) {
    if (error instanceof DatabaseLockedError || (error as Error).name === "EnvError") fatal((error as Error).message);
    fatal(`start-up failed: ${(error as Error).message}`);
  }
  try {
    await migrate(handle);
  } catch (error) {
    fatal(describeDbError(error, handle));
  }
  try {
    await verifyMasterKeys();
    await rewrapDataKeys();
  } catch (error) {
    fatal((error as Error).message);
  }
  await syncBuiltinRegistry();
  const state = await startWorkers();
  logger.info({ worker: state.id }, "worker running; stop with Ctrl-C (running jobs get 10 s to finish)");
  let stopping = false;
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      if (stopping) process.exit(1);
      stopping = true;
      void stopWorkers(10_000)
        .then(() => handle.close())
        .finally(() => process.exit(0));
    });
  }
}

void main().catch((error) => fatal((error as Error).message));
