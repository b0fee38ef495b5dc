import { formatIso, parseDateValue } from "./dates";
import type { FieldType } from "./schema";
import { scalarText, StepFailure } from "./transforms";

const EMAIL = /^[^\s@"<>(),;:]+@[^\s@"<>(),;:]+\.[^\s@"<>(),;:]{2,}$/;
const DOMAIN_LIKE = /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?(\/.*)?$/i;

export function isEmail(s: string): boolean {
  return s.length <= 254 && EMAIL.test(s);
}

/** An http(s) URL, normalized; a bare domain ("www.acme.com") gets https://. Null when it is not one. */
export function normalizeUrl(s: string): string | null {
  let text = s.trim();
  if (text.length === 0 || text.length > 2048) return null;
  if (!/^[a-z][a-z0-9+.-]*:/i.test(text)) {
    if (!DOMAIN_LIKE.test(text)) return null;
    text = `https://${text}`;
  }
  try {
    const u = new URL(text);
    if (u.protocol !== "http:" && u.protocol !== "https:") return null;
    if (!u.hostname) return null;
    return u.href;
  } catch {
    return null;
  }
}

function kind(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  if (typeof v === "object") return "an object";
  return typeof v === "string" ? `"${v.slice(0, 40)}"` : String(v);
}

export type Coercer = (v: unknown) => unknown;

/** The value converted to the rule's type, or a StepFailure saying why it cannot be. */
export function coercerFor(type: FieldType, enumValues?: readonly string[]): Coercer {
  switch (type) {
    case "string":
      return (v) => scalarText(v) ?? new StepFailure(`Expected text, got ${kind(v)}.`);
    case "number":
      return (v) => {
        if (typeof v === "number") return Number.isFinite(v) ? v : new StepFailure("Expected a finite number.");
        if (typeof v === "string") {
          const s = v.trim();
          if (s !== "" && s.length <= 40) {
            const n = Number(s);
            if (Number.isFinite(n)) return n;
          }
        }
        return new StepFailure(`Expected a number, got ${kind(v)}.`);
      };
    case "boolean":
      return (v) => {
        if (typeof v === "boolean") return v;
        if (v === 1 || v === 0) return v === 1;
        if (typeof v === "string") {
          const s = v.trim().toLowerCase();
          if (s === "true" || s === "1" || s === "yes") return true;
          if (s === "false" || s === "0" || s === "no") return false;
        }
        return new StepFailure(`Expected true or false, got ${kind(v)}.`);
      };
    case "date":
      return (v) => {
        const ms = parseDateValue(v, "auto");
        if (Number.isNaN(ms)) return new StepFailure(`Expected a date (ISO 8601 or epoch ms), got ${kind(v)}. Add a "Parse a date" step with the source's format.`);
        return formatIso(ms);
      };
    case "email":
      return (v) => {
        if (typeof v !== "string") return new StepFailure(`Expected an email address, got ${kind(v)}.`);
        // Trimmed, not lower-cased: changing the case is the "Lower case" step's job, visible in the rule.
        const s = v.trim();
        return isEmail(s) ? s : new StepFailure(`"${v.slice(0, 60)}" is not an email address.`);
      };
    case "url":
      return (v) => {
        if (typeof v !== "string") return new StepFailure(`Expected a URL, got ${kind(v)}.`);
        return normalizeUrl(v) ?? new StepFailure(`"${v.slice(0, 60)}" is not an http(s) URL.`);
      };
    case "enum": {
      const allowed = enumValues && enumValues.length > 0 ? new Set(enumValues) : null;
      const list = enumValues?.slice(0, 8).join(", ") ?? "";
      return (v) => {
        const s = scalarText(v);
        if (s === undefined) return new StepFailure(`Expected one of ${list}, got ${kind(v)}.`);
        if (allowed && !allowed.has(s)) return new StepFailure(`"${s.slice(0, 40)}" is not one of ${list}${(enumValues?.length ?? 0) > 8 ? ", …" : ""}. Add a lookup table to translate it.`);
        return s;
      };
    }
    case "array":
      return (v) => (Array.isArray(v) ? v : [v]);
    case "object":
      return (v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? v : new StepFailure(`Expected an object, got ${kind(v)}.`));
  }
}
