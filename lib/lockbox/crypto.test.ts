import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  dekAad,
  envelopeVersion,
  formatMasterKey,
  generateDek,
  generateKek,
  LockboxError,
  type LockboxErrorCode,
  openString,
  parseMasterKeys,
  sealString,
  secretAad,
  unwrapDek,
  wrapDek,
  wrappedKekId,
} from "./crypto";

const ORG = "org_1";
const AAD = secretAad(ORG, "int_A", "password");

function lockboxCode(fn: () => unknown): LockboxErrorCode {
  try {
    fn();
  } catch (e) {
    if (e instanceof LockboxError) return e.code;
    throw e;
  }
  throw new Error("expected a LockboxError, but the call succeeded");
}

function lockboxMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof LockboxError) return e.message;
    throw e;
  }
  throw new Error("expected a LockboxError, but the call succeeded");
}

const b64u = (bytes: Buffer) => bytes.toString("base64url");
const fromB64u = (text: string) => Buffer.from(text, "base64url");

/** Replaces part `index` (0-based, of the 5 dot-separated parts) of an envelope. */
function withPart(envelope: string, index: number, value: string): string {
  const parts = envelope.split(".");
  parts[index] = value;
  return parts.join(".");
}

function flipBit(text: string, bit: number): string {
  const bytes = fromB64u(text);
  const i = bit % (bytes.length * 8);
  bytes[i >> 3]! ^= 1 << (i & 7);
  return b64u(bytes);
}

describe("sealString / openString", () => {
  const dek = generateDek();

  it("round-trips arbitrary unicode strings", () => {
    const strings = fc.oneof(
      fc.string(),
      fc.string({ unit: "grapheme" }),
      fc.string({ unit: "grapheme-composite" }),
      fc.string({ unit: "binary" }),
    );
    fc.assert(
      fc.property(strings, fc.integer({ min: 1, max: 2 ** 31 }), (plaintext, version) => {
        const envelope = sealString(dek, version, plaintext, AAD);
        expect(envelopeVersion(envelope)).toBe(version);
        expect(openString(dek, envelope, AAD)).toBe(plaintext);
      }),
      { numRuns: 500 },
    );
  });

  it("round-trips the empty string, a leading BOM, and 64 KiB+ of unicode", () => {
    for (const plaintext of ["", "\uFEFFbom", "\u0000nul\u0000", "🔑".repeat(16_384 + 7), "ÄÖÜ€😀漢字 ".repeat(5_000)]) {
      const envelope = sealString(dek, 1, plaintext, AAD);
      expect(openString(dek, envelope, AAD)).toBe(plaintext);
    }
    expect(Buffer.byteLength("🔑".repeat(16_384 + 7))).toBeGreaterThan(64 * 1024);
  });

  it("has the documented shape: pb1.<version>.<12-byte iv>.<16-byte tag>.<ciphertext>", () => {
    const envelope = sealString(dek, 42, "hunter2", AAD);
    const [prefix, version, iv, tag, ciphertext] = envelope.split(".") as [string, string, string, string, string];
    expect(envelope.split(".")).toHaveLength(5);
    expect(prefix).toBe("pb1");
    expect(version).toBe("42");
    expect(fromB64u(iv)).toHaveLength(12);
    expect(fromB64u(tag)).toHaveLength(16);
    expect(fromB64u(ciphertext)).toHaveLength(7);
    expect(envelope).not.toContain("=");
    expect(envelope).not.toContain("hunter2");
  });

  it("uses a fresh IV for each of 100,000 seals of the same plaintext", () => {
    const ivs = new Set<string>();
    const n = 100_000;
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const envelope = sealString(dek, 1, "same secret", AAD);
      ivs.add(envelope.split(".")[2]!);
    }
    const ms = performance.now() - started;
    console.info(`100k seals: ${ms.toFixed(0)} ms`);
    expect(ivs.size).toBe(n);
  }, 60_000);

  it("rejects any flipped bit in iv, tag or ciphertext", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.constantFrom(2, 3, 4),
        fc.nat(),
        (plaintext, part, bit) => {
          const envelope = sealString(dek, 1, plaintext, AAD);
          const tampered = withPart(envelope, part, flipBit(envelope.split(".")[part]!, bit));
          expect(tampered).not.toBe(envelope);
          expect(lockboxCode(() => openString(dek, tampered, AAD))).toBe("decrypt_failed");
        },
      ),
      { numRuns: 600 },
    );
  });

  it("binds the ciphertext to its scope, row and field", () => {
    const envelope = sealString(dek, 1, "hunter2", secretAad(ORG, "int_A", "password"));
    expect(openString(dek, envelope, secretAad(ORG, "int_A", "password"))).toBe("hunter2");
    for (const aad of [
      secretAad(ORG, "int_B", "password"),
      secretAad(ORG, "int_A", "apiKey"),
      secretAad("org_2", "int_A", "password"),
      secretAad("platform", "int_A", "password"),
      "",
    ]) {
      expect(lockboxCode(() => openString(dek, envelope, aad))).toBe("decrypt_failed");
    }
  });

  it("explains a decrypt failure without leaking anything", () => {
    const envelope = sealString(dek, 1, "hunter2", AAD);
    const message = lockboxMessage(() => openString(generateDek(), envelope, AAD));
    expect(message).toMatch(/could not be decrypted: wrong key, wrong row\/field, or tampered data/);
    expect(message).not.toContain("hunter2");
    expect(message).not.toContain(envelope.split(".")[4]!);
  });

  it("fails with decrypt_failed under a wrong data key", () => {
    fc.assert(
      fc.property(fc.string(), (plaintext) => {
        const envelope = sealString(dek, 1, plaintext, AAD);
        expect(lockboxCode(() => openString(generateDek(), envelope, AAD))).toBe("decrypt_failed");
      }),
      { numRuns: 100 },
    );
  });

  it("rejects malformed envelopes with bad_format before decrypting", () => {
    const good = sealString(dek, 3, "hunter2", AAD);
    const [, , iv, tag, ciphertext] = good.split(".") as [string, string, string, string, string];
    const ivBytes = fromB64u(iv);
    const tagBytes = fromB64u(tag);
    const malformed = [
      "",
      "hunter2",
      withPart(good, 0, "pb2"),
      withPart(good, 0, "PB1"),
      `pb1.3.${iv}.${tag}`,
      `pb1.3.${iv}`,
      `${good}.extra`,
      `pb1..${iv}.${tag}.${ciphertext}`,
      withPart(good, 1, "0"),
      withPart(good, 1, "-1"),
      withPart(good, 1, "x"),
      withPart(good, 1, "1.5"),
      withPart(good, 1, "03"),
      withPart(good, 1, " 3"),
      withPart(good, 1, "1e3"),
      withPart(good, 1, "99999999999999999999"),
      withPart(good, 2, b64u(ivBytes.subarray(0, 11))),
      withPart(good, 2, b64u(Buffer.concat([ivBytes, Buffer.from([0])]))),
      withPart(good, 2, ""),
      withPart(good, 3, b64u(tagBytes.subarray(0, 15))),
      withPart(good, 3, b64u(tagBytes.subarray(0, 12))),
      withPart(good, 3, b64u(tagBytes.subarray(0, 4))),
      withPart(good, 3, b64u(Buffer.concat([tagBytes, Buffer.from([0])]))),
      withPart(good, 3, ""),
      withPart(good, 2, "!!!!!!!!!!!!!!!!"),
      withPart(good, 3, `${tag}==`),
      withPart(good, 3, tagBytes.toString("base64")),
      withPart(good, 4, `${ciphertext}*`),
      withPart(good, 4, `${ciphertext.slice(0, -1)} `),
      withPart(good, 4, "A"),
    ];
    for (const envelope of malformed) {
      expect(lockboxCode(() => openString(dek, envelope, AAD)), envelope).toBe("bad_format");
      expect(lockboxCode(() => envelopeVersion(envelope)), envelope).toBe("bad_format");
    }
  });

  it("rejects non-canonical base64url (unused trailing bits set) instead of accepting a second spelling", () => {
    const envelope = sealString(dek, 1, "hunter2", AAD);
    const tag = envelope.split(".")[3]!;
    // 16 bytes = 22 chars; the last char carries 2 data bits and 4 unused bits.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(tag.at(-1)!);
    const sameBytes = `${tag.slice(0, -1)}${alphabet[last | 1]}`;
    expect(fromB64u(sameBytes).equals(fromB64u(tag))).toBe(true);
    expect(sameBytes).not.toBe(tag);
    expect(lockboxCode(() => openString(dek, withPart(envelope, 3, sameBytes), AAD))).toBe("bad_format");
  });

  it("reads the version", () => {
    expect(envelopeVersion(sealString(dek, 1, "x", AAD))).toBe(1);
    expect(envelopeVersion(sealString(dek, 123_456, "x", AAD))).toBe(123_456);
  });

  it("refuses to seal what it could not round-trip", () => {
    expect(() => sealString(dek, 1, "lone \uD800 surrogate", AAD)).toThrow(TypeError);
    expect(() => sealString(dek, 0, "x", AAD)).toThrow(RangeError);
    expect(() => sealString(dek, 1.5, "x", AAD)).toThrow(RangeError);
    expect(() => sealString(randomBytes(16), 1, "x", AAD)).toThrow(RangeError);
  });
});

describe("AAD helpers", () => {
  it("have the documented formats", () => {
    expect(secretAad("org_1", "int_1", "password")).toBe("org_1:int_1:password");
    expect(secretAad("platform", "int_1", "apiKey")).toBe("platform:int_1:apiKey");
    expect(dekAad("org_1", 2)).toBe("dek:org_1:2");
  });

  it("reject parts that would make two different bindings collide", () => {
    expect(() => secretAad("a:b", "c", "d")).toThrow(RangeError);
    expect(() => secretAad("a", "b:c", "d")).toThrow(RangeError);
    expect(() => secretAad("a", "b", "")).toThrow(RangeError);
    expect(() => dekAad("a:b", 1)).toThrow(RangeError);
    expect(() => dekAad("a", 0)).toThrow(RangeError);
  });
});

describe("parseMasterKeys", () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  const k3 = randomBytes(32);

  it("parses several keys in order, first is primary, standard and url-safe base64", () => {
    const value = `primary:${k1.toString("base64")}, old_1:${k2.toString("base64url")},older-2:${k3.toString("base64").replace(/=+$/, "")}`;
    const keks = parseMasterKeys(value);
    expect(keks.map((k) => k.id)).toEqual(["primary", "old_1", "older-2"]);
    expect(keks[0]!.key.equals(k1)).toBe(true);
    expect(keks[1]!.key.equals(k2)).toBe(true);
    expect(keks[2]!.key.equals(k3)).toBe(true);
  });

  it("accepts keys whose base64 uses the alphabet-specific characters", () => {
    // 0xfb 0xff ... encodes to "+/" in standard and "-_" in url-safe base64.
    const key = Buffer.alloc(32, 0xfb);
    key[1] = 0xff;
    expect(key.toString("base64")).toMatch(/[+/]/);
    expect(parseMasterKeys(`a:${key.toString("base64")}`)[0]!.key.equals(key)).toBe(true);
    expect(parseMasterKeys(`a:${key.toString("base64url")}`)[0]!.key.equals(key)).toBe(true);
  });

  it("round-trips formatMasterKey and generateKek", () => {
    const a = generateKek("a");
    const b = generateKek("b-2_x");
    expect(a.key).toHaveLength(32);
    expect(a.key.equals(b.key)).toBe(false);
    const keks = parseMasterKeys([a, b].map(formatMasterKey).join(","));
    expect(keks.map((k) => k.id)).toEqual(["a", "b-2_x"]);
    expect(keks[0]!.key.equals(a.key)).toBe(true);
    expect(keks[1]!.key.equals(b.key)).toBe(true);
    expect(lockboxCode(() => generateKek("bad id"))).toBe("bad_master_keys");
    expect(lockboxCode(() => generateKek("x".repeat(33)))).toBe("bad_master_keys");
  });

  const std = (b: Buffer) => b.toString("base64");
  const key31 = randomBytes(31);
  const key33 = randomBytes(33);
  const cases: { name: string; value: string; message: RegExp; secrets: string[] }[] = [
    { name: "empty", value: "", message: /PATCHBAY_MASTER_KEYS is empty/, secrets: [] },
    { name: "blank", value: "  ", message: /PATCHBAY_MASTER_KEYS is empty/, secrets: [] },
    {
      name: "duplicate id",
      value: `k1:${std(k1)},k1:${std(k2)}`,
      message: /entry 2 \("k1"\): duplicate id/,
      secrets: [std(k1), std(k2)],
    },
    {
      name: "bad id",
      value: `k1:${std(k1)},bad id!:${std(k2)}`,
      message: /entry 2: id must be/,
      secrets: [std(k1), std(k2), "bad id!"],
    },
    {
      name: "id too long",
      value: `${"x".repeat(33)}:${std(k1)}`,
      message: /entry 1: id must be/,
      secrets: [std(k1)],
    },
    {
      name: "key and id swapped",
      value: `${k1.toString("base64url")}:k1`,
      message: /entry 1: id must be/,
      secrets: [k1.toString("base64url")],
    },
    {
      name: "31-byte key",
      value: `k1:${std(k1)},k2:${std(key31)}`,
      message: /entry 2 \("k2"\): key must be 32 bytes of base64 \(got 31 bytes\)/,
      secrets: [std(k1), std(key31)],
    },
    {
      name: "33-byte key",
      value: `k1:${std(key33)}`,
      message: /entry 1 \("k1"\): key must be 32 bytes of base64 \(got 33 bytes\)/,
      secrets: [std(key33)],
    },
    {
      name: "missing colon (a bare key)",
      value: `k1:${std(k1)},${std(k2)}`,
      message: /entry 2: expected "id:base64key"/,
      secrets: [std(k1), std(k2)],
    },
    {
      name: "not base64",
      value: `k1:${std(k1).slice(0, 20)}*${std(k1).slice(21)}`,
      message: /entry 1 \("k1"\): key must be 32 bytes of base64 \(not valid base64\)/,
      secrets: [std(k1).slice(0, 20), std(k1).slice(21)],
    },
    {
      name: "mixed alphabets",
      value: `k1:+${k1.toString("base64url").slice(1, -1)}_`,
      message: /entry 1 \("k1"\): key must be 32 bytes of base64/,
      secrets: [k1.toString("base64url").slice(1, -1)],
    },
    { name: "empty key", value: "k1:", message: /entry 1 \("k1"\): key must be 32 bytes of base64/, secrets: [] },
    { name: "trailing comma", value: `k1:${std(k1)},`, message: /entry 2 is empty/, secrets: [std(k1)] },
  ];

  for (const { name, value, message, secrets } of cases) {
    it(`rejects ${name} with bad_master_keys and never echoes key material`, () => {
      const text = lockboxMessage(() => parseMasterKeys(value));
      expect(lockboxCode(() => parseMasterKeys(value))).toBe("bad_master_keys");
      expect(text).toMatch(message);
      for (const secret of secrets) expect(text).not.toContain(secret);
      // No 8+ character run of the value (other than the id) may appear in the message.
      for (let i = 0; i + 8 <= value.length; i++) {
        const chunk = value.slice(i, i + 8);
        if (/^[A-Za-z0-9+/_-]{8}$/.test(chunk) && !["PATCHBAY"].includes(chunk)) expect(text).not.toContain(chunk);
      }
    });
  }
});

describe("wrapDek / unwrapDek", () => {
  const kekA = generateKek("a");
  const kekB = generateKek("b");

  it("round-trips a data key and names the wrapping key", () => {
    const dek = generateDek();
    const wrapped = wrapDek(kekA, dek, dekAad(ORG, 1));
    expect(wrapped).toMatch(/^kw1\.a\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(wrappedKekId(wrapped)).toBe("a");
    const unwrapped = unwrapDek([kekA], wrapped, dekAad(ORG, 1));
    expect(unwrapped).toHaveLength(32);
    expect(unwrapped.equals(dek)).toBe(true);
  });

  it("generates distinct 32-byte data keys", () => {
    const a = generateDek();
    const b = generateDek();
    expect(a).toHaveLength(32);
    expect(a.equals(b)).toBe(false);
  });

  it("fails with unknown_key when the wrapping master key is not configured", () => {
    const wrapped = wrapDek(kekA, generateDek(), dekAad(ORG, 1));
    expect(lockboxCode(() => unwrapDek([kekB], wrapped, dekAad(ORG, 1)))).toBe("unknown_key");
    expect(lockboxCode(() => unwrapDek([], wrapped, dekAad(ORG, 1)))).toBe("unknown_key");
    expect(lockboxMessage(() => unwrapDek([kekB], wrapped, dekAad(ORG, 1)))).toBe(
      'data key is wrapped with master key "a", which is not in PATCHBAY_MASTER_KEYS',
    );
  });

  it("fails with decrypt_failed when a key with the right id has the wrong bytes", () => {
    const wrapped = wrapDek(kekA, generateDek(), dekAad(ORG, 1));
    const impostor = { id: "a", key: randomBytes(32) };
    expect(lockboxCode(() => unwrapDek([impostor], wrapped, dekAad(ORG, 1)))).toBe("decrypt_failed");
  });

  it("fails with decrypt_failed on any flipped bit", () => {
    const dek = generateDek();
    const wrapped = wrapDek(kekA, dek, dekAad(ORG, 1));
    fc.assert(
      fc.property(fc.constantFrom(2, 3, 4), fc.nat(), (part, bit) => {
        const tampered = withPart(wrapped, part, flipBit(wrapped.split(".")[part]!, bit));
        expect(lockboxCode(() => unwrapDek([kekA], tampered, dekAad(ORG, 1)))).toBe("decrypt_failed");
      }),
      { numRuns: 300 },
    );
  });

  it("binds the wrapped key to its scope and version", () => {
    const wrapped = wrapDek(kekA, generateDek(), dekAad(ORG, 1));
    for (const aad of [dekAad("org_2", 1), dekAad("platform", 1), dekAad(ORG, 2)]) {
      expect(lockboxCode(() => unwrapDek([kekA], wrapped, aad))).toBe("decrypt_failed");
    }
  });

  it("rejects malformed wrapped keys with bad_format", () => {
    const wrapped = wrapDek(kekA, generateDek(), dekAad(ORG, 1));
    const [, , iv, tag, ciphertext] = wrapped.split(".") as [string, string, string, string, string];
    for (const bad of [
      "",
      withPart(wrapped, 0, "kw2"),
      withPart(wrapped, 0, "pb1"),
      withPart(wrapped, 1, ""),
      withPart(wrapped, 1, "bad id"),
      `kw1.a.${iv}.${tag}`,
      withPart(wrapped, 2, b64u(fromB64u(iv).subarray(0, 11))),
      withPart(wrapped, 3, b64u(fromB64u(tag).subarray(0, 15))),
      withPart(wrapped, 4, b64u(fromB64u(ciphertext).subarray(0, 31))),
      withPart(wrapped, 4, "%%%"),
    ]) {
      expect(lockboxCode(() => unwrapDek([kekA], bad, dekAad(ORG, 1))), bad).toBe("bad_format");
      expect(lockboxCode(() => wrappedKekId(bad)), bad).toBe("bad_format");
    }
  });

  it("still unwraps keys wrapped by an older master key after rotation", () => {
    const before = parseMasterKeys(formatMasterKey(kekA));
    const dek = generateDek();
    const wrapped = wrapDek(before[0]!, dek, dekAad(ORG, 1));

    const kekNew = generateKek("new");
    const after = parseMasterKeys([kekNew, kekA].map(formatMasterKey).join(","));
    expect(after[0]!.id).toBe("new");
    expect(unwrapDek(after, wrapped, dekAad(ORG, 1)).equals(dek)).toBe(true);

    // Rewrapping under the new primary leaves the data key itself unchanged.
    const rewrapped = wrapDek(after[0]!, unwrapDek(after, wrapped, dekAad(ORG, 1)), dekAad(ORG, 1));
    expect(wrappedKekId(rewrapped)).toBe("new");
    expect(unwrapDek([kekNew], rewrapped, dekAad(ORG, 1)).equals(dek)).toBe(true);
    expect(lockboxCode(() => unwrapDek([kekNew], wrapped, dekAad(ORG, 1)))).toBe("unknown_key");
  });

  it("decrypts secrets end to end through a wrapped data key", () => {
    const dek = generateDek();
    const wrapped = wrapDek(kekA, dek, dekAad(ORG, 7));
    const envelope = sealString(dek, 7, "s3cr3t", AAD);
    const version = envelopeVersion(envelope);
    const opened = openString(unwrapDek([kekB, kekA], wrapped, dekAad(ORG, version)), envelope, AAD);
    expect(opened).toBe("s3cr3t");
  });
});
