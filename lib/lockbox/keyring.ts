import "server-only";
import { env, EnvError } from "@/lib/env";
import { readOrCreateDataFile } from "@/lib/data-dir";
import { logger } from "@/lib/logger";
import { formatMasterKey, generateKek, LockboxError, parseMasterKeys, type Kek } from "./crypto";

type GlobalWithKeyring = typeof globalThis & { __patchbayKeks?: Kek[] };
const g = globalThis as GlobalWithKeyring;

/**
 * The master keys (KEKs), primary first. From PATCHBAY_MASTER_KEYS; in embedded mode with the
 * variable unset, generated once into <data dir>/master.key (mode 0600). A real deployment must
 * pass them explicitly: a key stored beside the database protects nothing against a disk thief.
 */
export function masterKeys(): Kek[] {
  if (g.__patchbayKeks) return g.__patchbayKeks;
  const e = env();
  let value = e.PATCHBAY_MASTER_KEYS;
  if (!value) {
    if (!e.embedded) {
      throw new EnvError("Invalid environment variable PATCHBAY_MASTER_KEYS: required when DATABASE_URL is set (format id:base64-32-bytes, primary first).");
    }
    const file = readOrCreateDataFile("master.key", () => formatMasterKey(generateKek("k1")));
    value = file.value;
    logger.warn(
      { file: `${e.dataDir}/master.key`, created: file.created },
      "using a master key stored in the data dir (embedded mode). Set PATCHBAY_MASTER_KEYS to keep keys apart from the data.",
    );
  }
  try {
    g.__patchbayKeks = parseMasterKeys(value);
  } catch (error) {
    if (error instanceof LockboxError) throw new EnvError(`Invalid environment variable PATCHBAY_MASTER_KEYS: ${error.message}`);
    throw error;
  }
  return g.__patchbayKeks;
}

export function primaryKek(): Kek {
  return masterKeys()[0]!;
}

/** Tests install their own keys. */
export function setMasterKeysForTests(keks: Kek[] | undefined): void {
  g.__patchbayKeks = keks;
}
