import "server-only";
import { dbHandle, DatabaseLockedError } from "@/db/client";
import { describeDbError, migrate } from "@/db/migrate";
import { authSecret } from "@/lib/data-dir";
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { masterKeys } from "@/lib/lockbox/keyring";
import { rewrapDataKeys, verifyMasterKeys } from "@/lib/lockbox/rotation";
import { getBoss } from "@/lib/jobs/boss";
import { startWorkers } from "@/lib/jobs/worker";
import { startPassiveHealth } from "@/lib/health/passive";
import { syncBuiltinRegistry } from "@/lib/catalog/sync-registry";

type GlobalWithBoot = typeof globalThis & { __patchbayBoot?: Promise<void> };
const g = globalThis as GlobalWithBoot;

function fatal(message: string): never {
  // One line a person can act on; no stack trace for configuration problems.
  process.stderr.write(`patchbay: ${message}\n`);
  process.exit(1);
}

async function bootOnce(): Promise<void> {
  let handle;
  try {
    const e = env();
    authSecret();
    masterKeys();
    handle = dbHandle();
    if (e.embedded) logger.info({ dataDir: e.dataDir }, "using the embedded database (set DATABASE_URL to use PostgreSQL)");
  } catch (error) {
    if (error instanceof DatabaseLockedError || (error as Error).name === "EnvError") fatal((error as Error).message);
    fatal(`start-up failed: ${(error as Error).message}`);
  }
  try {
    await migrate(handle);
  } catch (error) {
    fatal(describeDbError(error, handle));
  }
  logger.info({ db: handle.kind }, "database ready, migrations applied");
  try {
    // A missing or wrong master key stops the start here, not at the first read of a secret.
    await verifyMasterKeys();
    await rewrapDataKeys();
  } catch (error) {
    fatal((error as Error).message);
  }
  const providers = await syncBuiltinRegistry();
  logger.info({ providers }, "provider catalog synced");
  try {
    await getBoss();
  } catch (error) {
    fatal(`the job queue could not start: ${(error as Error).message}`);
  }
  // Workers run beside the web server unless this process is web-only (then `npm run worker` runs them).
  if (env().PATCHBAY_DISABLE_WORKERS) startPassiveHealth();
  else await startWorkers();
}

/** Idempotent per process. */
export function boot(): Promise<void> {
  g.__patchbayBoot ??= bootOnce();
  return g.__patchbayBoot;
}
