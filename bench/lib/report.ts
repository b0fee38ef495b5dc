// Shapes and helpers shared by the benchmarks: results, percentiles, tables.

export type Table = { title: string; columns: string[]; rows: (string | number)[][] };

export type Check = { goal: string; measured: string; pass: boolean };

export type BenchResult = {
  name: string;
  tables: Table[];
  checks: Check[];
  notes: string[];
};

export function newResult(name: string): BenchResult {
  return { name, tables: [], checks: [], notes: [] };
}

/** Nearest-rank percentile of a sample (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(values: readonly number[]): { n: number; p50: number; p99: number; min: number; max: number; mean: number } {
  const n = values.length;
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : Number.NaN;
  return { n, p50: percentile(values, 50), p99: percentile(values, 99), min: n ? Math.min(...values) : Number.NaN, max: n ? Math.max(...values) : Number.NaN, mean };
}

/** 1234567 → "1,234,567"; small floats keep a few significant digits. */
export function fmt(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000 || Number.isInteger(value)) return Math.round(value).toLocaleString("en-US");
  return value.toFixed(digits);
}

export function ms(value: number): string {
  return `${fmt(value, value < 10 ? 3 : 1)} ms`;
}

export function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || a <= 0 || b <= 0) return "n/a";
  const r = a / b;
  return `${r >= 100 ? Math.round(r) : r.toFixed(r >= 10 ? 1 : 2)}x`;
}

export function renderTable(t: Table): string {
  const cells = [t.columns, ...t.rows.map((r) => r.map(String))];
  const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  const sep = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  return [`${t.title}`, line(t.columns), sep, ...cells.slice(1).map(line)].join("\n");
}

export function renderResult(r: BenchResult): string {
  const out = [`\n=== ${r.name} ===`];
  for (const t of r.tables) out.push(renderTable(t), "");
  if (r.checks.length) {
    out.push(renderTable({ title: "goals", columns: ["goal", "measured", "result"], rows: r.checks.map((c) => [c.goal, c.measured, c.pass ? "PASS" : "FAIL"]) }));
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join("\n");
}

export const sleep = (msec: number) => new Promise<void>((resolve) => setTimeout(resolve, msec));

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export const wallNow = () => performance.timeOrigin + performance.now();
