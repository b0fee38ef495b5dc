import { parseDateValue } from "./dates";
import { isEmail, normalizeUrl } from "./coerce";
import { formatPath, isForbiddenKey, type PathSegment } from "./paths";
import type { FieldType } from "./schema";

export type SourceField = {
  path: string;
  /** The most common inferred type of its non-empty values. */
  type: FieldType | "null";
  /** Up to 3 distinct example values, shortened. */
  examples: string[];
  /** Share (0..1) of the records where the path has a non-empty value. */
  coverage: number;
  /** Records where it has a non-empty value. */
  present: number;
};

const MAX_DEPTH = 6;
const MAX_FIELDS = 400;
const MAX_ARRAY_ITEMS = 1; // arrays of objects are discovered through their first item: list[0].name

type Acc = { segments: PathSegment[]; present: number; types: Map<string, number>; examples: string[]; order: number };

function inferScalar(v: unknown): FieldType {
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "string") {
    const s = v.trim();
    if (s.length >= 8 && s.length <= 35 && /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(parseDateValue(s, "iso"))) return "date";
    if (s.includes("@") && isEmail(s)) return "email";
    if (/^https?:\/\//i.test(s) && normalizeUrl(s)) return "url";
    if (s !== "" && s.length <= 30 && /^-?\d+(\.\d+)?$/.test(s)) return "number";
    return "string";
  }
  if (Array.isArray(v)) return "array";
  return "object";
}

function example(v: unknown): string {
  const s = typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/**
 * Source fields found in sample records: every leaf path (objects are walked, arrays of objects
 * through their first item, arrays of scalars are one field), with inferred type, examples and
 * coverage. Sorted by coverage, then by first appearance.
 */
export function discoverSourceFields(records: readonly unknown[]): SourceField[] {
  const acc = new Map<string, Acc>();
  let order = 0;
  const total = records.length;

  const visit = (v: unknown, segments: PathSegment[], depth: number, seen: Set<string>) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v) && depth < MAX_DEPTH) {
      for (const key of Object.keys(v)) {
        if (isForbiddenKey(key) || key.includes('"') || key.includes("'") || key.length > 100) continue;
        visit((v as Record<string, unknown>)[key], [...segments, key], depth + 1, seen);
      }
      return;
    }
    if (Array.isArray(v) && depth < MAX_DEPTH && v.length > 0 && v.slice(0, MAX_ARRAY_ITEMS).every((x) => x !== null && typeof x === "object" && !Array.isArray(x))) {
      for (let i = 0; i < MAX_ARRAY_ITEMS && i < v.length; i++) visit(v[i], [...segments, i], depth + 1, seen);
      return;
    }
    if (segments.length === 0) return;
    const path = formatPath(segments);
    let a = acc.get(path);
    if (!a) {
      if (acc.size >= MAX_FIELDS) return;
      a = { segments, present: 0, types: new Map(), examples: [], order: order++ };
      acc.set(path, a);
    }
    if (v === undefined || v === null || v === "" || seen.has(path)) return;
    seen.add(path);
    a.present++;
    const t = inferScalar(v);
    a.types.set(t, (a.types.get(t) ?? 0) + 1);
    const ex = example(v);
    if (a.examples.length < 3 && !a.examples.includes(ex)) a.examples.push(ex);
  };

  for (const r of records) visit(r, [], 0, new Set());

  return [...acc.entries()]
    .map(([path, a]) => {
      let type: FieldType | "null" = "null";
      let best = 0;
      for (const [t, c] of a.types) if (c > best) [type, best] = [t as FieldType, c];
      return { path, type, examples: a.examples, coverage: total === 0 ? 0 : a.present / total, present: a.present, order: a.order };
    })
    .sort((x, y) => y.coverage - x.coverage || x.order - y.order)
    .map(({ order: _o, ...f }) => f);
}
