import { isEmail, normalizeUrl } from "./coerce";
import { MAX_REGEX_INPUT, safeRegExp } from "./regex";
import type { Validation } from "./schema";
import { scalarText } from "./transforms";

/** A check of a coerced, non-empty value: the error message, or null when it passes. */
export type Validator = (v: unknown) => string | null;

function size(v: unknown): number | undefined {
  if (typeof v === "string" || Array.isArray(v)) return v.length;
  return undefined;
}

export function compileValidation(rule: Validation): Validator {
  switch (rule.kind) {
    case "regex": {
      const re = safeRegExp(rule.pattern, rule.flags ?? "");
      const message = rule.message || `Does not match ${rule.pattern.slice(0, 60)}.`;
      return (v) => {
        const s = scalarText(v);
        if (s === undefined || s.length > MAX_REGEX_INPUT) return message;
        return re.test(s) ? null : message;
      };
    }
    case "min": {
      const min = rule.value;
      return (v) => (typeof v !== "number" ? `Expected a number to compare with ${min}.` : v < min ? `Must be at least ${min}.` : null);
    }
    case "max": {
      const max = rule.value;
      return (v) => (typeof v !== "number" ? `Expected a number to compare with ${max}.` : v > max ? `Must be at most ${max}.` : null);
    }
    case "length": {
      const { min, max } = rule;
      return (v) => {
        const n = size(v);
        if (n === undefined) return "Length applies to text and lists.";
        if (min !== undefined && n < min) return `Must be at least ${min} long (is ${n}).`;
        if (max !== undefined && n > max) return `Must be at most ${max} long (is ${n}).`;
        return null;
      };
    }
    case "enum": {
      const allowed = new Set(rule.values);
      const list = rule.values.slice(0, 8).join(", ");
      return (v) => {
        const s = scalarText(v);
        return s !== undefined && allowed.has(s) ? null : `Must be one of ${list}${rule.values.length > 8 ? ", …" : ""}.`;
      };
    }
    case "email":
      return (v) => (typeof v === "string" && isEmail(v.trim()) ? null : "Must be an email address.");
    case "url":
      return (v) => (typeof v === "string" && normalizeUrl(v) !== null ? null : "Must be an http(s) URL.");
  }
}
