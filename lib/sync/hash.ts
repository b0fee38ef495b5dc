import { hash } from "node:crypto";

/** JSON with object keys sorted, so the same record hashes the same whatever order the provider sent its fields in. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = "{";
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += `${first ? "" : ","}${JSON.stringify(k)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

/** The record's content hash (sha-256 of its JSON, base64url; one-shot, no Hash object per record). */
export function recordHash(json: string): string {
  return hash("sha256", json, "base64url");
}
