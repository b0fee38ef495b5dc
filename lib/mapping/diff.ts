import type { FieldError, MapResult } from "./types";

export type DiffRecord = { id: string; raw: unknown };
type Apply = ((raw: unknown) => MapResult) | null;

export type MappingDiff = {
  total: number;
  /** Records whose mapped output differs in at least one field. */
  changedRecords: number;
  /** Per target field: how many records got a different value (added and removed fields included). */
  fields: { field: string; changed: number }[];
  /** Records without errors under the old mapping that have errors under the new one. */
  newlyFailing: number;
  /** Records with errors under the old mapping and none under the new one. */
  newlyPassing: number;
  failingBefore: number;
  failingAfter: number;
  examples: { id: string; field: string; before: unknown; after: unknown }[];
  failingExamples: { id: string; errors: FieldError[] }[];
};

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return a === b;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The dry run of activating a new version: both mappers over the same stored records.
 * `oldApply` null means there was no active version (every mapped field counts as changed).
 */
export function diffMappings(records: readonly DiffRecord[], oldApply: Apply, newApply: (raw: unknown) => MapResult, maxExamples = 10): MappingDiff {
  const counts = new Map<string, number>();
  let changedRecords = 0;
  let newlyFailing = 0;
  let newlyPassing = 0;
  let failingBefore = 0;
  let failingAfter = 0;
  const examples: MappingDiff["examples"] = [];
  const failingExamples: MappingDiff["failingExamples"] = [];
  for (const rec of records) {
    const before = oldApply ? oldApply(rec.raw) : null;
    const after = newApply(rec.raw);
    const bFail = before !== null && before.errors.length > 0;
    const aFail = after.errors.length > 0;
    if (bFail) failingBefore++;
    if (aFail) failingAfter++;
    if (aFail && !bFail) {
      newlyFailing++;
      if (failingExamples.length < maxExamples) failingExamples.push({ id: rec.id, errors: after.errors.slice(0, 5) });
    }
    if (bFail && !aFail) newlyPassing++;
    const b = before?.mapped ?? {};
    const a = after.mapped;
    let changed = false;
    const keys = new Set([...Object.keys(b), ...Object.keys(a)]);
    for (const k of keys) {
      if (before !== null && same(b[k] ?? null, a[k] ?? null)) continue;
      if (before === null && a[k] === undefined) continue;
      changed = true;
      counts.set(k, (counts.get(k) ?? 0) + 1);
      if (examples.length < maxExamples) examples.push({ id: rec.id, field: k, before: b[k] ?? null, after: a[k] ?? null });
    }
    if (changed) changedRecords++;
  }
  return {
    total: records.length,
    changedRecords,
    fields: [...counts.entries()].map(([field, changed]) => ({ field, changed })).sort((x, y) => y.changed - x.changed || x.field.localeCompare(y.field)),
    newlyFailing,
    newlyPassing,
    failingBefore,
    failingAfter,
    examples,
    failingExamples,
  };
}
