import { describe, expect, it } from "vitest";
import { compileMapping } from "./compile";
import { diffMappings } from "./diff";
import { discoverSourceFields } from "./discover";
import { mappingSchema } from "./schema";

describe("discoverSourceFields", () => {
  it("finds leaf paths with types, examples and coverage", () => {
    const fields = discoverSourceFields([
      { id: "1", properties: { email: "a@b.co", age: "31", created: "2024-01-01T00:00:00Z" }, tags: ["x", "y"], addresses: [{ city: "Berlin" }] },
      { id: "2", properties: { email: "c@d.co", age: "", site: "https://acme.com" }, tags: [], addresses: [{ city: "Paris" }] },
      { id: "3", properties: { email: null }, odd: { "Display Name": "Z" } },
      { id: "4", __proto__: { x: 1 } },
    ]);
    const by = Object.fromEntries(fields.map((f) => [f.path, f]));
    // numeric strings (HubSpot sends every number as text) are offered as numbers
    expect(by.id).toMatchObject({ type: "number", coverage: 1, examples: ["1", "2", "3"] });
    expect(by["properties.email"]).toMatchObject({ type: "email", coverage: 0.5 });
    expect(by["properties.age"]).toMatchObject({ type: "number", present: 1 });
    expect(by["properties.created"]!.type).toBe("date");
    expect(by["properties.site"]!.type).toBe("url");
    expect(by.tags).toMatchObject({ type: "array", present: 2 });
    expect(by["addresses[0].city"]).toMatchObject({ type: "string", coverage: 0.5, examples: ["Berlin", "Paris"] });
    expect(by['odd["Display Name"]']!.present).toBe(1);
    expect(fields.some((f) => f.path.includes("__proto__"))).toBe(false);
    expect(fields[0]!.path).toBe("id");
  });

  it("handles no records and non-object records", () => {
    expect(discoverSourceFields([])).toEqual([]);
    expect(discoverSourceFields([1, "x", null])).toEqual([]);
  });
});

describe("diffMappings", () => {
  const def = (rules: unknown[]) => compileMapping(mappingSchema.parse({ targetSchema: "contact", rules }), null);
  const oldApply = def([
    { id: "1", source: "id", target: "externalId", type: "string", required: true },
    { id: "2", source: "email", target: "email", type: "string" },
  ]);
  const newApply = def([
    { id: "1", source: "id", target: "externalId", type: "string", required: true },
    { id: "2", source: "email", target: "email", type: "email", transforms: [{ op: "lower" }] },
    { id: "3", source: "name", target: "firstName", type: "string" },
  ]);
  const records = [
    { id: "r1", raw: { id: "1", email: "A@B.CO", name: "Ann" } },
    { id: "r2", raw: { id: "2", email: "x@y.co" } },
    { id: "r3", raw: { id: "3", email: "not mail" } },
    { id: "r4", raw: { email: "q@r.co" } },
  ];

  it("counts changed fields and newly failing records", () => {
    const d = diffMappings(records, oldApply, newApply);
    expect(d.total).toBe(4);
    expect(d.fields).toEqual([
      { field: "email", changed: 2 },
      { field: "firstName", changed: 1 },
    ]);
    expect(d.changedRecords).toBe(2);
    expect(d.newlyFailing).toBe(1);
    expect(d.failingExamples).toEqual([{ id: "r3", errors: [expect.objectContaining({ field: "email" })] }]);
    expect(d.failingBefore).toBe(1);
    expect(d.failingAfter).toBe(2);
    expect(d.examples[0]).toEqual({ id: "r1", field: "email", before: "A@B.CO", after: "a@b.co" });
  });

  it("with no previous version every mapped value is a change", () => {
    const d = diffMappings(records.slice(0, 1), null, newApply);
    expect(d.changedRecords).toBe(1);
    expect(d.fields.map((f) => f.field).sort()).toEqual(["email", "externalId", "firstName"]);
  });
});
