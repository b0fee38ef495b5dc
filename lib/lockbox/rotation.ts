import "server-only";
import { and, eq, lt, or, isNull, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import {
  addRotationProgress,
  countSecretsNotOnVersion,
  getRotation,
  insertKey,
  insertRotation,
  listDistinctKekIds,
  listKeysNotWrappedBy,
  listRunningRotations,
  lockBatchNotOnVersion,
  lockKeysOfScope,
  reencryptBatch,
  setKeyStatus,
  updateRotation,
  updateWrappedKey,
} from "@/db/queries/encryption-keys";
import { keyRotations } from "@/db/schema";
import { recordAudit, type AuditActor } from "@/lib/audit";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { dekAad, generateDek, LockboxError, openString, sealString, secretAad, unwrapDek, wrapDek, envelopeVersion } from "./crypto";
import { masterKeys, primaryKek } from "./keyring";
import { activeDek, forgetDek, openSecret, scopeOf } from "./index";

/**
 * Start-up check: every master key id that wraps a data key must be configured and correct.
 * A missing or wrong key is fatal here, at start, rather than on the first read.
 */
export async function verifyMasterKeys(): Promise<void> {
  const keks = masterKeys();
  for (const row of await listDistinctKekIds()) {
    try {
      unwrapDek(keks, row.wrappedKey, dekAad(row.scope, row.version));
    } catch (e) {
      if (e instanceof LockboxError && e.code === "decrypt_failed") {
        throw new LockboxError("bad_master_keys", `PATCHBAY_MASTER_KEYS: the key "${row.kekId}" is not the one that wrapped the stored data keys (wrong key material).`);
      }
      throw e;
    }
  }
}

/** Master-key rotation: rewrap every data key with the primary KEK. No secret is re-encrypted. */
export async function rewrapDataKeys(): Promise<number> {
  const kek = primaryKek();
  const keks = masterKeys();
  const rows = await listKeysNotWrappedBy(kek.id);
  for (const row of rows) {
    const aad = dekAad(row.scope, row.version);
    const dek = unwrapDek(keks, row.wrappedKey, aad);
    await getDb().transaction((tx) => updateWrappedKey(row.scope, row.version, wrapDek(kek, dek, aad), kek.id, tx));
  }
  if (rows.length) logger.info({ count: rows.length, kek: kek.id }, "rewrapped data keys with the primary master key");
  return rows.length;
}

/**
 * Data-key rotation, step 1: a new active version; the old one becomes decrypt-only. Taking the
 * scope's key rows FOR UPDATE waits for in-flight writes that share-locked the old active key,
 * so after this commits no new value is sealed with an old version.
 */
export async function startDekRotation(input: { orgId: string | null; actor: AuditActor; ip: string | null }) {
  const scope = scopeOf(input.orgId);
  const rotation = await getDb().transaction(async (tx) => {
    await activeDek(scope, input.orgId, tx);
    const keys = await lockKeysOfScope(scope, tx);
    const [running] = await tx
      .select({ id: keyRotations.id })
      .from(keyRotations)
      .where(and(eq(keyRotations.scope, scope), eq(keyRotations.status, "running")))
      .limit(1);
    if (running) throw new AppError("conflict", "A data-key rotation is already running for this scope. Wait for it to finish.");
    const current = keys.find((k) => k.status === "active")!;
    const toVersion = keys[0]!.version + 1;
    const kek = primaryKek();
    await setKeyStatus(scope, current.version, "decrypt_only", tx);
    await insertKey({ scope, orgId: input.orgId, version: toVersion, wrappedKey: wrapDek(kek, generateDek(), dekAad(scope, toVersion)), kekId: kek.id, status: "active" }, tx);
    const total = await countSecretsNotOnVersion(scope, toVersion, tx);
    const r = await insertRotation({ scope, orgId: input.orgId, fromVersion: current.version, toVersion, total, startedBy: input.actor.id }, tx);
    await recordAudit(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "lockbox.dek_rotation_started",
      target: { type: "encryption_key", id: `${scope}:${toVersion}` },
      metadata: { fromVersion: current.version, toVersion, secrets: total },
      ip: input.ip,
    });
    return r;
  });
  return rotation;
}

const STALE_HEARTBEAT_MS = 30_000;

/** Claim a running rotation for this process; false when another live worker holds it. */
async function claimRotation(id: string, staleAfterMs = STALE_HEARTBEAT_MS): Promise<boolean> {
  const claimed = await getDb()
    .update(keyRotations)
    .set({ heartbeatAt: new Date() })
    .where(
      and(
        eq(keyRotations.id, id),
        eq(keyRotations.status, "running"),
        or(isNull(keyRotations.heartbeatAt), lt(keyRotations.heartbeatAt, new Date(Date.now() - staleAfterMs))),
      ),
    )
    .returning({ id: keyRotations.id });
  return claimed.length === 1;
}

/**
 * Step 2, resumable: re-encrypt rows still on older versions in batches, each batch in its own
 * transaction with its row locks and its progress. A crash loses at most the open batch, which
 * rolls back; a restart continues from the rows that are still on an old version.
 * `staleAfterMs` (tests): how old another worker's heartbeat must be before this run takes over.
 */
export async function runDekRotation(id: string, opts: { batchSize?: number; claim?: boolean; staleAfterMs?: number } = {}): Promise<"completed" | "skipped"> {
  const batchSize = opts.batchSize ?? 500;
  if (opts.claim !== false && !(await claimRotation(id, opts.staleAfterMs))) return "skipped";
  const rotation = await getRotation(id);
  if (!rotation || rotation.status !== "running") return "skipped";
  const { scope, toVersion } = rotation;
  try {
    for (;;) {
      const moved = await getDb().transaction(async (tx) => {
        const { dek } = await activeDek(scope, rotation.orgId, tx);
        const rows = await lockBatchNotOnVersion(scope, toVersion, batchSize, tx);
        const updates: { integrationId: string; field: string; ciphertext: string; fromVersion: number }[] = [];
        for (const [i, row] of rows.entries()) {
          // The crypto never waits on I/O: yield now and then so the web requests sharing this
          // process are not stalled for a whole batch.
          if (i % 100 === 99) await new Promise((r) => setImmediate(r));
          const plaintext = await openSecret({ orgId: rotation.orgId, integrationId: row.integrationId, field: row.field, ciphertext: row.ciphertext }, tx);
          const aad = secretAad(scope, row.integrationId, row.field);
          const ciphertext = sealString(dek, toVersion, plaintext, aad);
          // Belt and braces: prove the new envelope opens before replacing the old one.
          openString(dek, ciphertext, aad);
          updates.push({ integrationId: row.integrationId, field: row.field, ciphertext, fromVersion: envelopeVersion(row.ciphertext) });
        }
        const n = await reencryptBatch(updates, toVersion, tx);
        if (n) await addRotationProgress(id, n, tx);
        return rows.length;
      });
      if (moved > 0) continue;
      // Nothing unlocked left: done, unless rows are held by concurrent writers; then wait.
      if ((await countSecretsNotOnVersion(scope, toVersion)) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
      await updateRotation(id, { heartbeatAt: new Date() });
    }
    const finished = await getDb().transaction(async (tx) => {
      // Only one worker finalises: the status flip is the claim.
      const [claimed] = await tx
        .update(keyRotations)
        .set({ status: "completed", finishedAt: new Date(), heartbeatAt: new Date(), processed: sql`greatest(${keyRotations.processed}, ${keyRotations.total})` })
        .where(and(eq(keyRotations.id, id), eq(keyRotations.status, "running")))
        .returning({ id: keyRotations.id });
      if (!claimed) return null;
      const keys = await lockKeysOfScope(scope, tx);
      if ((await countSecretsNotOnVersion(scope, toVersion, tx)) !== 0) throw new Error("rows appeared on an old key version during finalisation");
      const retired: number[] = [];
      for (const k of keys) {
        if (k.version < toVersion && k.status !== "retired") {
          await setKeyStatus(scope, k.version, "retired", tx);
          retired.push(k.version);
        }
      }
      await recordAudit(tx, { orgId: rotation.orgId, actor: { id: null, email: null }, action: "lockbox.dek_rotation_completed", target: { type: "encryption_key", id: `${scope}:${toVersion}` }, metadata: { retiredBelow: toVersion } });
      return retired;
    });
    if (finished === null) return "skipped";
    for (const v of finished) forgetDek(scope, v);
    logger.info({ scope, toVersion }, "data-key rotation completed");
    return "completed";
  } catch (error) {
    logger.error({ err: error, rotationId: id }, "data-key rotation stopped; it resumes on the next start");
    await updateRotation(id, { heartbeatAt: null, error: (error as Error).message });
    throw error;
  }
}

/** Resume rotations left running by a process that stopped. */
export async function resumeRotations(): Promise<void> {
  for (const r of await listRunningRotations()) {
    runDekRotation(r.id).catch(() => {});
  }
}
