import { formatIso, parseDateValue } from "./dates";
import { compileGetter, parsePath } from "./paths";
import { MAX_REGEX_INPUT, safeRegExp } from "./regex";
import type { Transform } from "./schema";

/** A failed step: the field gets this message as its error and no value. */
export class StepFailure {
  constructor(readonly message: string) {}
}
export type Step = (value: unknown, raw: unknown) => unknown;

export const MAX_STRING_OUTPUT = 100_000;

function getterFor(path: string): (raw: unknown) => unknown {
  const p = parsePath(path);
  if (!p.ok) throw new Error(`Path "${path}": ${p.message}`);
  return compileGetter(p.segments);
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === "";
}

/** Text of a scalar, or undefined for objects and arrays (they are never silently stringified). */
export function scalarText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === "boolean") return v ? "true" : "false";
  return undefined;
}

/** Apply a string function to a string, or to each string of an array; other values pass through. */
function stringwise(fn: (s: string) => string): Step {
  return (v) => {
    if (typeof v === "string") return fn(v);
    if (Array.isArray(v)) return v.map((x) => (typeof x === "string" ? fn(x) : x));
    return v;
  };
}

const defaultTrue = ["true", "yes", "y", "1", "on", "t"];
const defaultFalse = ["false", "no", "n", "0", "off", "f"];

/** Compile one transform into a step. Throws only at compile time, for a definition zod would refuse. */
export function compileTransform(t: Transform): Step {
  switch (t.op) {
    case "trim":
      return stringwise((s) => s.trim());
    case "lower":
      return stringwise((s) => s.toLowerCase());
    case "upper":
      return stringwise((s) => s.toUpperCase());
    case "split": {
      const sep = t.separator;
      return (v) => {
        if (isEmpty(v)) return v;
        const s = scalarText(v);
        if (s === undefined) return Array.isArray(v) ? v : new StepFailure("split needs text.");
        return s.split(sep).slice(0, 1000);
      };
    }
    case "join": {
      const sep = t.separator;
      return (v) => {
        if (!Array.isArray(v)) return v;
        const parts: string[] = [];
        for (const x of v) {
          const s = scalarText(x);
          if (s !== undefined && s !== "") parts.push(s);
        }
        return parts.join(sep);
      };
    }
    case "concat": {
      const getters = t.paths.map(getterFor);
      const sep = t.separator ?? " ";
      return (v, raw) => {
        const parts: string[] = [];
        const first = scalarText(v);
        if (first !== undefined && first !== "") parts.push(first);
        for (const g of getters) {
          const s = scalarText(g(raw));
          if (s !== undefined && s !== "") parts.push(s);
        }
        return parts.length === 0 ? null : parts.join(sep);
      };
    }
    case "coalesce": {
      const getters = t.paths.map(getterFor);
      return (v, raw) => {
        if (!isEmpty(v)) return v;
        for (const g of getters) {
          const x = g(raw);
          if (!isEmpty(x)) return x;
        }
        return null;
      };
    }
    case "replace": {
      const re = safeRegExp(t.pattern, t.flags ?? "", t.all === false ? "" : "g");
      const replacement = t.replacement;
      return stringwise((s) => {
        if (s.length > MAX_REGEX_INPUT) return s;
        re.lastIndex = 0;
        // A function replacement keeps "$&"-style sequences in the user's text literal.
        return s.replace(re, () => replacement);
      });
    }
    case "regexExtract": {
      const re = safeRegExp(t.pattern, t.flags ?? "");
      const group = t.group ?? 1;
      return (v) => {
        if (isEmpty(v)) return v;
        const s = scalarText(v);
        if (s === undefined) return new StepFailure("regex extract needs text.");
        if (s.length > MAX_REGEX_INPUT) return new StepFailure(`The text is longer than ${MAX_REGEX_INPUT} characters.`);
        const m = re.exec(s);
        if (!m) return null;
        return m[group] ?? null;
      };
    }
    case "parseNumber": {
      const comma = t.decimal === ",";
      return (v) => {
        if (typeof v === "number" || isEmpty(v)) return v;
        if (typeof v !== "string") return new StepFailure("Not a number.");
        let s = v.trim().replace(/[\s'_]/g, "");
        s = comma ? s.replace(/\./g, "").replace(",", ".") : s.replace(/,/g, "");
        s = s.replace(/^[^\d+\-.]+|[^\d.]+$/g, ""); // currency signs and units around the number
        if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return new StepFailure(`"${v.slice(0, 40)}" is not a number.`);
        const n = Number(s);
        return Number.isFinite(n) ? n : new StepFailure(`"${v.slice(0, 40)}" is not a number.`);
      };
    }
    case "parseBoolean": {
      const yes = new Set((t.trueValues ?? defaultTrue).map((x) => x.toLowerCase()));
      const no = new Set((t.falseValues ?? defaultFalse).map((x) => x.toLowerCase()));
      return (v) => {
        if (typeof v === "boolean" || isEmpty(v)) return v;
        const s = scalarText(v)?.trim().toLowerCase();
        if (s !== undefined && yes.has(s)) return true;
        if (s !== undefined && no.has(s)) return false;
        return new StepFailure(`"${String(s ?? typeof v).slice(0, 40)}" is not a yes/no value.`);
      };
    }
    case "parseDate": {
      const format = t.format ?? "auto";
      return (v) => {
        if (isEmpty(v)) return v;
        const ms = parseDateValue(v, format);
        if (Number.isNaN(ms)) return new StepFailure(`"${String(scalarText(v) ?? typeof v).slice(0, 40)}" is not a ${format === "auto" ? "date" : `${format} date`}.`);
        return formatIso(ms);
      };
    }
    case "lookup": {
      const ci = t.caseInsensitive ?? false;
      const table = new Map<string, unknown>();
      for (const [k, val] of Object.entries(t.table)) table.set(ci ? k.toLowerCase() : k, val);
      const onMissing = t.onMissing ?? "keep";
      return (v) => {
        if (isEmpty(v)) return v;
        const s = scalarText(v);
        if (s !== undefined) {
          const key = ci ? s.toLowerCase() : s;
          if (table.has(key)) return table.get(key);
        }
        if (onMissing === "null") return null;
        if (onMissing === "error") return new StepFailure(`"${String(s ?? typeof v).slice(0, 40)}" is not in the lookup table.`);
        return v;
      };
    }
    case "template": {
      // "{{path}}" placeholders; {{value}} is the value so far. Parsed once into literal/getter parts.
      const parts: (string | ((v: unknown, raw: unknown) => unknown))[] = [];
      const re = /\{\{\s*([^{}]+?)\s*\}\}/g;
      let last = 0;
      for (let m = re.exec(t.template); m; m = re.exec(t.template)) {
        if (m.index > last) parts.push(t.template.slice(last, m.index));
        const path = m[1]!;
        if (path === "value") parts.push((v) => v);
        else {
          const g = getterFor(path);
          parts.push((_v, raw) => g(raw));
        }
        last = m.index + m[0].length;
      }
      if (last < t.template.length) parts.push(t.template.slice(last));
      return (v, raw) => {
        let out = "";
        let any = false;
        for (const p of parts) {
          if (typeof p === "string") out += p;
          else {
            const s = scalarText(p(v, raw));
            if (s !== undefined && s !== "") {
              out += s;
              any = true;
            }
          }
        }
        out = out.trim();
        return any ? out.slice(0, MAX_STRING_OUTPUT) : null;
      };
    }
  }
}

export const transformLabels: Record<Transform["op"], string> = {
  trim: "Trim spaces",
  lower: "Lower case",
  upper: "Upper case",
  split: "Split into a list",
  join: "Join a list",
  concat: "Concatenate with other fields",
  replace: "Replace (regex)",
  regexExtract: "Extract (regex)",
  parseNumber: "Parse a number",
  parseBoolean: "Parse yes/no",
  parseDate: "Parse a date",
  lookup: "Lookup table",
  coalesce: "First non-empty of",
  template: "Template",
};
