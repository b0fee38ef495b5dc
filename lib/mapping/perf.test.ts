import { describe, expect, it } from "vitest";
import { compileMapping } from "./compile";
import { mappingSchema } from "./schema";
import { getBuiltinTarget } from "./targets";
import { getBuiltinTemplate } from "./templates";

// A floor, not a benchmark: a 14-field template must stay far above the 25k records/s the sync needs
// even on a loaded CI core (about 200k/s with two other engineers' builds on the same 2 cores).
describe("compiled mapping speed", () => {
  it("maps HubSpot contacts at well over 25k records/s", () => {
    const t = getBuiltinTemplate("builtin:hubspot-contacts")!;
    const apply = compileMapping(mappingSchema.parse(t.definition), getBuiltinTarget("contact"));
    const records = Array.from({ length: 1000 }, (_, i) => ({
      id: String(i),
      properties: { email: ` User${i}@Example.com `, firstname: `First${i}`, lastname: "Last", phone: "+1 555", company: "Acme", createdate: "2024-03-01T10:00:00.000Z", lastmodifieddate: "2024-03-02T11:00:00.000Z", hs_object_id: String(i), city: "Berlin", country: "DE", jobtitle: "Eng", lifecyclestage: "lead" },
      createdAt: "2024-03-01T10:00:00.000Z",
      updatedAt: "2024-03-02T11:00:00.000Z",
      archived: false,
    }));
    for (let i = 0; i < 5000; i++) apply(records[i % 1000]); // warm up
    const n = 30_000;
    let errors = 0;
    let perSecond = 0;
    for (let round = 0; round < 3; round++) {
      const start = performance.now();
      for (let i = 0; i < n; i++) errors += apply(records[i % 1000]).errors.length;
      perSecond = Math.max(perSecond, n / ((performance.now() - start) / 1000));
    }
    expect(errors).toBe(0);
    // The sync's whole budget is 25k records/s including the database; the mapping must be a small part of it.
    expect(perSecond).toBeGreaterThan(60_000);
    console.info(`mapping: ${Math.round(perSecond).toLocaleString("en")} records/s (14 fields)`);
  });
});
