import { describe, expect, it } from "vitest";
import { checkDefinition, compileMapping } from "./compile";
import { mappingSchema, targetSchemaDefSchema } from "./schema";
import { builtinTargets, getBuiltinTarget } from "./targets";
import { builtinTemplates, getBuiltinTemplate } from "./templates";

function apply(id: string, raw: unknown) {
  const t = getBuiltinTemplate(id)!;
  return compileMapping(mappingSchema.parse(t.definition), getBuiltinTarget(t.targetSchema)!)(raw);
}

describe("built-in targets and templates", () => {
  it("targets are valid target schemas", () => {
    for (const t of builtinTargets) expect(targetSchemaDefSchema.safeParse(t).error?.issues).toBeUndefined();
  });

  it.each(builtinTemplates.map((t) => [t.id, t] as const))("%s is a valid definition that fits its target", (_id, t) => {
    const parsed = mappingSchema.safeParse(t.definition);
    expect(parsed.error?.issues).toBeUndefined();
    expect(checkDefinition(parsed.data!, getBuiltinTarget(t.targetSchema)!)).toEqual([]);
  });

  it("maps a HubSpot v3 contact", () => {
    const r = apply("builtin:hubspot-contacts", {
      id: "501",
      properties: { email: " Ada@Example.COM", firstname: "Ada", lastname: "Lovelace", phone: "+44 20 7946 0000", company: "Analytical Engines", createdate: "2024-03-01T10:00:00.000Z", lastmodifieddate: "2024-03-02T11:00:00.000Z", hs_object_id: "501" },
      createdAt: "2024-03-01T10:00:00.000Z",
      updatedAt: "2024-03-02T11:00:00.000Z",
      archived: false,
    });
    expect(r.errors).toEqual([]);
    expect(r.mapped).toMatchObject({ externalId: "501", email: "ada@example.com", firstName: "Ada", lastName: "Lovelace", fullName: "Ada Lovelace", companyName: "Analytical Engines", createdAt: "2024-03-01T10:00:00.000Z", updatedAt: "2024-03-02T11:00:00.000Z", archived: false, jobTitle: null });
  });

  it("maps HubSpot companies and deals (numbers arrive as strings)", () => {
    const c = apply("builtin:hubspot-companies", { id: "9", properties: { name: "Acme", domain: "Acme.com", industry: "COMPUTER_SOFTWARE", numberofemployees: "250", annualrevenue: "1000000.5", city: "Berlin", country: "Germany", createdate: "2023-01-01T00:00:00Z" }, updatedAt: "2024-01-01T00:00:00Z" });
    expect(c.errors).toEqual([]);
    expect(c.mapped).toMatchObject({ name: "Acme", domain: "acme.com", website: "https://acme.com/", employees: 250, annualRevenue: 1000000.5, updatedAt: "2024-01-01T00:00:00.000Z" });
    const d = apply("builtin:hubspot-deals", { id: "7", properties: { dealname: "Big one", amount: "1500", dealstage: "closedwon", pipeline: "default", closedate: "2024-06-30T00:00:00Z" } });
    expect(d.errors).toEqual([]);
    expect(d.mapped).toMatchObject({ externalId: "7", name: "Big one", amount: 1500, stage: "closedwon", isClosed: true, closeDate: "2024-06-30T00:00:00.000Z" });
    expect(apply("builtin:hubspot-deals", { id: "8", properties: { dealname: "Open", dealstage: "appointmentscheduled" } }).mapped.isClosed).toBe(false);
  });

  it("maps Salesforce SOQL records", () => {
    const c = apply("builtin:salesforce-contacts", { attributes: { type: "Contact", url: "/services/data/v60.0/sobjects/Contact/003" }, Id: "003xx", FirstName: "Grace", LastName: "Hopper", Email: "grace@navy.mil", Phone: "555", Account: { Name: "US Navy" }, LastModifiedDate: "2024-01-02T03:04:05.000+0000" });
    expect(c.errors).toEqual([]);
    expect(c.mapped).toMatchObject({ externalId: "003xx", fullName: "Grace Hopper", companyName: "US Navy", updatedAt: "2024-01-02T03:04:05.000Z", archived: false });
    const a = apply("builtin:salesforce-accounts", { attributes: { type: "Account" }, Id: "001", Name: "Acme", Website: "www.acme.com/about", Industry: "Energy", NumberOfEmployees: 40, AnnualRevenue: 2e6, BillingCity: "Paris", BillingCountry: "France" });
    expect(a.errors).toEqual([]);
    expect(a.mapped).toMatchObject({ domain: "acme.com", website: "https://www.acme.com/about", employees: 40, city: "Paris" });
    const o = apply("builtin:salesforce-opportunities", { Id: "006", Name: "Renewal", Amount: 99.5, StageName: "Prospecting", CloseDate: "2024-12-31" });
    expect(o.errors).toEqual([]);
    expect(o.mapped).toMatchObject({ amount: 99.5, closeDate: "2024-12-31T00:00:00.000Z", isClosed: false });
    expect(apply("builtin:salesforce-opportunities", { Id: "006", StageName: "x" }).errors).toEqual([{ field: "name", path: "Name", message: "Required, but Name is empty or missing." }]);
  });
});
