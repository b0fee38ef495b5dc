import "server-only";
import type { Executor } from "@/db/client";
import { getActiveKeyForShare, getKey, insertFirstKey, type EncryptionKeyRow } from "@/db/queries/encryption-keys";
import { dekAad, envelopeVersion, generateDek, LockboxError, openString, sealString, secretAad, unwrapDek, wrapDek } from "./crypto";
import { masterKeys, primaryKek } from "./keyring";

export { LockboxError } from "./crypto";

/** The key scope of a connection: its organization, or 'platform' for platform-wide ones. */
export function scopeOf(orgId: string | null): string {
  return orgId ?? "platform";
}

type GlobalWithDeks = typeof globalThis & { __patchbayDeks?: Map<string, Buffer> };
const g = globalThis as GlobalWithDeks;
// Unwrapped data keys by scope:version. A version's key material never changes (a master-key
// rewrap changes only its wrapping), so entries never go stale.
const dekCache = (g.__patchbayDeks ??= new Map<string, Buffer>());

function unwrap(row: EncryptionKeyRow): Buffer {
  const id = `${row.scope}:${row.version}`;
  let dek = dekCache.get(id);
  if (!dek) {
    dek = unwrapDek(masterKeys(), row.wrappedKey, dekAad(row.scope, row.version));
    dekCache.set(id, dek);
  }
  return dek;
}

async function dekForVersion(scope: string, version: number, db?: Executor): Promise<Buffer> {
  const cached = dekCache.get(`${scope}:${version}`);
  if (cached) return cached;
  const row = await getKey(scope, version, db);
  if (!row) throw new LockboxError("unknown_key", `No data key version ${version} exists for ${scope === "platform" ? "the platform" : "this organization"}.`);
  if (row.status === "retired") throw new LockboxError("retired_key", `Data key version ${version} is retired; no value should still use it.`);
  return unwrap(row);
}

/** The scope's active data key, created on first use. Share-locked for the caller's transaction. */
export async function activeDek(scope: string, orgId: string | null, tx: Executor): Promise<{ version: number; dek: Buffer }> {
  let row = await getActiveKeyForShare(scope, tx);
  if (!row) {
    const kek = primaryKek();
    await insertFirstKey({ scope, orgId, wrappedKey: wrapDek(kek, generateDek(), dekAad(scope, 1)), kekId: kek.id }, tx);
    row = await getActiveKeyForShare(scope, tx);
    if (!row) throw new LockboxError("unknown_key", `Could not create a data key for ${scope}.`);
  }
  return { version: row.version, dek: unwrap(row) };
}

export type SecretRef = { orgId: string | null; integrationId: string; field: string };

/** Seal one value inside the caller's transaction (which must also write the row). */
export async function sealSecret(tx: Executor, ref: SecretRef, plaintext: string): Promise<{ ciphertext: string; dekVersion: number; scope: string }> {
  const scope = scopeOf(ref.orgId);
  const { version, dek } = await activeDek(scope, ref.orgId, tx);
  return { ciphertext: sealString(dek, version, plaintext, secretAad(scope, ref.integrationId, ref.field)), dekVersion: version, scope };
}

/** Open one value. Wrong row, wrong field, unknown key or tampered data → LockboxError, never plaintext. */
export async function openSecret(ref: SecretRef & { ciphertext: string }, db?: Executor): Promise<string> {
  const scope = scopeOf(ref.orgId);
  const dek = await dekForVersion(scope, envelopeVersion(ref.ciphertext), db);
  return openString(dek, ref.ciphertext, secretAad(scope, ref.integrationId, ref.field));
}

/** A retired version must stop opening values in this process at once. */
export function forgetDek(scope: string, version: number): void {
  dekCache.delete(`${scope}:${version}`);
}

/** Tests: forget unwrapped keys (e.g. after swapping master keys). */
export function clearDekCache(): void {
  dekCache.clear();
}
