/**
 * mapping: records/s of a compiled built-in mapping (HubSpot contacts → Contact, 14 rules with trims,
 * lower-casing, a template, coalesces and date parsing) against two baselines in the same run:
 * a hand-written closure producing the same fields with no transforms or checks, and
 * structuredClone of the record (a floor for "touch every field once"). Rounds alternate between
 * the variants; the median round is reported. In-process, no database.
 */
import { compileMapping, getBuiltinTarget, getBuiltinTemplate, mappingSchema } from "@/lib/mapping";
import { fmt, median, newResult, ratio, type BenchResult } from "./lib/report";

const ROUNDS = 7;
const ROUND_MS = 300;
const BATCH = 2_000;
/** The sync goal is 25k records/s including the database; mapping may take at most a quarter of that time. */
const GOAL = 100_000;

let sink: unknown;

function records(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: String(100_000 + i),
    properties: {
      email: ` User${i}@Example.com `,
      firstname: `First${i}`,
      lastname: "Last",
      phone: "+1 555 0100",
      company: "Acme",
      jobtitle: "Engineer",
      city: "Berlin",
      country: "DE",
      lifecyclestage: "lead",
      createdate: "2024-03-01T10:00:00.000Z",
      lastmodifieddate: `2024-03-02T11:00:${String(i % 60).padStart(2, "0")}.000Z`,
      hs_object_id: String(100_000 + i),
    },
    createdAt: "2024-03-01T10:00:00.000Z",
    updatedAt: "2024-03-02T11:00:00.000Z",
    archived: false,
  }));
}
type Rec = ReturnType<typeof records>[number];

function measure(fn: (r: Rec) => unknown, data: Rec[], durationMs: number): number {
  let ops = 0;
  let k = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < BATCH; i++) sink = fn(data[k++ % data.length]!);
    ops += BATCH;
    elapsed = performance.now() - start;
  }
  return (ops / elapsed) * 1000;
}

export async function run(): Promise<BenchResult> {
  const result = newResult("mapping");
  const template = getBuiltinTemplate("builtin:hubspot-contacts");
  if (!template) throw new Error("built-in template builtin:hubspot-contacts is missing");
  const apply = compileMapping(mappingSchema.parse(template.definition), getBuiltinTarget("contact"));
  const data = records(1_000);
  const errors = data.reduce((n, r) => n + apply(r).errors.length, 0);
  if (errors) result.notes.push(`${errors} mapping errors on the sample records (expected 0)`);

  const variants: Record<string, (r: Rec) => unknown> = {
    "compileMapping (HubSpot contacts, 14 rules)": apply,
    "baseline: hand-written closure, same fields, no transforms": (r) => ({
      externalId: r.id,
      email: r.properties.email,
      firstName: r.properties.firstname,
      lastName: r.properties.lastname,
      fullName: `${r.properties.firstname} ${r.properties.lastname}`,
      phone: r.properties.phone,
      companyName: r.properties.company,
      jobTitle: r.properties.jobtitle,
      city: r.properties.city,
      country: r.properties.country,
      lifecycleStage: r.properties.lifecyclestage,
      createdAt: r.properties.createdate,
      updatedAt: r.properties.lastmodifieddate,
      archived: r.archived,
    }),
    "baseline: structuredClone(record)": (r) => structuredClone(r),
  };
  for (const fn of Object.values(variants)) measure(fn, data, 100);
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of Object.entries(variants)) samples[name]!.push(measure(fn, data, ROUND_MS));
  }
  const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<string, number>;
  const mapped = med["compileMapping (HubSpot contacts, 14 rules)"]!;
  const closure = med["baseline: hand-written closure, same fields, no transforms"]!;
  result.tables.push({
    title: `mapping, in process (median of ${ROUNDS} rounds x ${ROUND_MS} ms; min-max in brackets)`,
    columns: ["variant", "records/s", "range", "µs/record", "vs hand-written closure"],
    rows: Object.entries(samples).map(([name, v]) => [name, fmt(med[name]!), `${fmt(Math.min(...v))} - ${fmt(Math.max(...v))}`, fmt(1e6 / med[name]!, 2), `${(med[name]! / closure).toFixed(2)}x`]),
  });
  result.checks.push({ goal: `compiled mapping >= ${fmt(GOAL)} records/s`, measured: `${fmt(mapped)} records/s (the closure is ${ratio(closure, mapped)} faster)`, pass: mapped >= GOAL });
  if (sink === undefined) result.notes.push("sink empty (never happens)");
  return result;
}
