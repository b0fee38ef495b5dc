import "server-only";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

export type LockboxErrorCode = "bad_master_keys" | "unknown_key" | "retired_key" | "bad_format" | "decrypt_failed";

export class LockboxError extends Error {
  override name = "LockboxError";
  readonly code: LockboxErrorCode;
  constructor(code: LockboxErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** A key-encryption key: wraps data keys, never encrypts secrets directly. */
export type Kek = { id: string; key: Buffer };

const KEY_BYTES = 32; // AES-256
// 96-bit IVs are GCM's native size (no GHASH-derived counter). Random IVs stay safe up to
// ~2^32 encryptions per key; a credential store is many orders of magnitude below that.
const IV_BYTES = 12;
// Full-length tags only: GCM's forgery bound degrades with every bit of tag removed.
const TAG_BYTES = 16;
const ALGORITHM = "aes-256-gcm";
const SECRET_PREFIX = "pb1";
const WRAP_PREFIX = "kw1";
const KEK_ID = /^[A-Za-z0-9_-]{1,32}$/;
const VERSION = /^[1-9][0-9]{0,15}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

const DECRYPT_FAILED = "secret could not be decrypted: wrong key, wrong row/field, or tampered data";
const UNWRAP_FAILED = "data key could not be decrypted: wrong master key, wrong scope/version, or tampered data";

// Master keys

export function parseMasterKeys(value: string): Kek[] {
  const fail = (message: string): never => {
    throw new LockboxError("bad_master_keys", `PATCHBAY_MASTER_KEYS ${message}`);
  };
  if (value.trim() === "") fail('is empty: expected "id:base64key[,id2:base64key...]"');

  const keks: Kek[] = [];
  const seen = new Set<string>();
  value.split(",").forEach((raw, index) => {
    const position = `entry ${index + 1}`;
    const entry = raw.trim();
    if (entry === "") fail(`${position} is empty`);
    const colon = entry.indexOf(":");
    // Without a colon the entry may be a bare key, so it is never echoed.
    if (colon < 0) fail(`${position}: expected "id:base64key"`);
    const id = entry.slice(0, colon).trim();
    // An invalid id may be key material pasted in the wrong order, so it is not echoed either.
    if (!KEK_ID.test(id)) fail(`${position}: id must be 1-32 characters of A-Z, a-z, 0-9, "_" or "-"`);
    const named = `${position} ("${id}")`;
    if (seen.has(id)) fail(`${named}: duplicate id`);
    const key = decodeKeyBase64(entry.slice(colon + 1).trim());
    if (key === null) fail(`${named}: key must be ${KEY_BYTES} bytes of base64 (not valid base64)`);
    else if (key.length !== KEY_BYTES) fail(`${named}: key must be ${KEY_BYTES} bytes of base64 (got ${key.length} bytes)`);
    else {
      seen.add(id);
      keks.push({ id, key });
    }
  });
  return keks;
}

export function formatMasterKey(kek: Kek): string {
  assertKekId(kek.id);
  assertKeyLength(kek.key, "master key");
  return `${kek.id}:${kek.key.toString("base64")}`;
}

export function generateKek(id: string): Kek {
  assertKekId(id);
  return { id, key: randomBytes(KEY_BYTES) };
}

// Secrets

export function sealString(dek: Buffer, version: number, plaintext: string, aad: string): string {
  assertKeyLength(dek, "data key");
  if (!Number.isSafeInteger(version) || version < 1) throw new RangeError("data key version must be a positive integer");
  const { iv, tag, ciphertext } = encrypt(dek, utf8(plaintext, "plaintext"), utf8(aad, "aad"));
  return [SECRET_PREFIX, String(version), b64url(iv), b64url(tag), b64url(ciphertext)].join(".");
}

export function envelopeVersion(envelope: string): number {
  return parseEnvelope(envelope).version;
}

export function openString(dek: Buffer, envelope: string, aad: string): string {
  assertKeyLength(dek, "data key");
  const { iv, tag, ciphertext } = parseEnvelope(envelope);
  const plaintext = decrypt(dek, iv, tag, ciphertext, utf8(aad, "aad"), DECRYPT_FAILED);
  try {
    // ignoreBOM keeps a leading U+FEFF that was part of the secret.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(plaintext);
  } catch {
    throw new LockboxError("bad_format", "decrypted secret is not valid UTF-8");
  }
}

// Colons inside a part would let two different (row, field) triples share one AAD.
export function secretAad(scope: string, integrationId: string, field: string): string {
  return `${aadPart(scope, "scope")}:${aadPart(integrationId, "integrationId")}:${aadPart(field, "field")}`;
}

export function dekAad(scope: string, version: number): string {
  if (!Number.isSafeInteger(version) || version < 1) throw new RangeError("data key version must be a positive integer");
  return `dek:${aadPart(scope, "scope")}:${version}`;
}

// Data keys

export function generateDek(): Buffer {
  return randomBytes(KEY_BYTES);
}

export function wrapDek(kek: Kek, dek: Buffer, aad: string): string {
  assertKekId(kek.id);
  assertKeyLength(kek.key, "master key");
  assertKeyLength(dek, "data key");
  const { iv, tag, ciphertext } = encrypt(kek.key, dek, utf8(aad, "aad"));
  return [WRAP_PREFIX, kek.id, b64url(iv), b64url(tag), b64url(ciphertext)].join(".");
}

export function wrappedKekId(wrapped: string): string {
  return parseWrapped(wrapped).kekId;
}

export function unwrapDek(keks: readonly Kek[], wrapped: string, aad: string): Buffer {
  const { kekId, iv, tag, ciphertext } = parseWrapped(wrapped);
  const kek = keks.find((k) => k.id === kekId);
  if (!kek) {
    throw new LockboxError("unknown_key", `data key is wrapped with master key "${kekId}", which is not in PATCHBAY_MASTER_KEYS`);
  }
  assertKeyLength(kek.key, "master key");
  const dek = decrypt(kek.key, iv, tag, ciphertext, utf8(aad, "aad"), UNWRAP_FAILED);
  if (dek.length !== KEY_BYTES) throw new LockboxError("bad_format", `unwrapped data key is not ${KEY_BYTES} bytes`);
  return dek;
}

// Internals

type Sealed = { iv: Buffer; tag: Buffer; ciphertext: Buffer };

function encrypt(key: Buffer, plaintext: Buffer, aad: Buffer): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

function decrypt(key: Buffer, iv: Buffer, tag: Buffer, ciphertext: Buffer, aad: Buffer, failure: string): Buffer {
  // Callers have already checked these; re-checked here because a short tag must never reach setAuthTag.
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new LockboxError("bad_format", "iv or tag has the wrong length");
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  decipher.setAAD(aad);
  const out = decipher.update(ciphertext);
  try {
    // final() is where GCM verifies the tag; nothing from update() is released before it passes.
    return Buffer.concat([out, decipher.final()]);
  } catch {
    out.fill(0);
    throw new LockboxError("decrypt_failed", failure);
  }
}

function parseEnvelope(envelope: string): Sealed & { version: number } {
  const parts = envelope.split(".");
  if (parts.length !== 5 || parts[0] !== SECRET_PREFIX) throw badFormat("secret", `expected "${SECRET_PREFIX}.<version>.<iv>.<tag>.<ciphertext>"`);
  const [, version, iv, tag, ciphertext] = parts as [string, string, string, string, string];
  if (!VERSION.test(version) || !Number.isSafeInteger(Number(version))) throw badFormat("secret", "version must be a positive integer");
  return { version: Number(version), ...parseSealed("secret", iv, tag, ciphertext) };
}

function parseWrapped(wrapped: string): Sealed & { kekId: string } {
  const parts = wrapped.split(".");
  if (parts.length !== 5 || parts[0] !== WRAP_PREFIX) throw badFormat("data key", `expected "${WRAP_PREFIX}.<kekId>.<iv>.<tag>.<ciphertext>"`);
  const [, kekId, iv, tag, ciphertext] = parts as [string, string, string, string, string];
  if (!KEK_ID.test(kekId)) throw badFormat("data key", "master key id is invalid");
  const sealed = parseSealed("data key", iv, tag, ciphertext);
  if (sealed.ciphertext.length !== KEY_BYTES) throw badFormat("data key", `ciphertext must be ${KEY_BYTES} bytes`);
  return { kekId, ...sealed };
}

function parseSealed(what: string, ivText: string, tagText: string, ciphertextText: string): Sealed {
  const iv = decodeBase64url(ivText);
  const tag = decodeBase64url(tagText);
  const ciphertext = decodeBase64url(ciphertextText);
  if (!iv || !tag || !ciphertext) throw badFormat(what, "iv, tag and ciphertext must be unpadded base64url");
  if (iv.length !== IV_BYTES) throw badFormat(what, `iv must be ${IV_BYTES} bytes`);
  if (tag.length !== TAG_BYTES) throw badFormat(what, `tag must be ${TAG_BYTES} bytes`);
  return { iv, tag, ciphertext };
}

function badFormat(what: string, detail: string): LockboxError {
  return new LockboxError("bad_format", `encrypted ${what} is malformed: ${detail}`);
}

/** Strict: Buffer.from(…, "base64url") skips junk characters, and non-canonical trailing bits would make envelopes malleable. */
function decodeBase64url(text: string): Buffer | null {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, "base64url");
  return bytes.toString("base64url") === text ? bytes : null;
}

/** Standard or url-safe alphabet (not mixed), padding optional. */
function decodeKeyBase64(text: string): Buffer | null {
  const match = /^([A-Za-z0-9+/]*|[A-Za-z0-9_-]*)(={0,2})$/.exec(text);
  if (!match || text === "") return null;
  const body = match[1] ?? "";
  const padding = match[2] ?? "";
  if (padding !== "" && text.length % 4 !== 0) return null;
  return decodeBase64url(body.replace(/\+/g, "-").replace(/\//g, "_"));
}

function b64url(bytes: Buffer): string {
  return bytes.toString("base64url");
}

/** Buffer.from would silently turn lone surrogates into U+FFFD, so distinct strings could encrypt alike. */
function utf8(text: string, what: string): Buffer {
  if (!text.isWellFormed()) throw new TypeError(`${what} is not well-formed Unicode (lone surrogate)`);
  return Buffer.from(text, "utf8");
}

function aadPart(part: string, what: string): string {
  if (part === "" || part.includes(":")) throw new RangeError(`${what} must be non-empty and must not contain ":"`);
  return part;
}

function assertKekId(id: string): void {
  if (!KEK_ID.test(id)) {
    throw new LockboxError("bad_master_keys", 'master key id must be 1-32 characters of A-Z, a-z, 0-9, "_" or "-"');
  }
}

function assertKeyLength(key: Buffer, what: string): void {
  if (key.length !== KEY_BYTES) throw new RangeError(`${what} must be ${KEY_BYTES} bytes`);
}
