import type { TargetSchemaDef } from "./schema";

/** The built-in target schemas. Custom ones live in target_schemas (per organization). */
export const builtinTargets: TargetSchemaDef[] = [
  {
    key: "contact",
    name: "Contact",
    fields: [
      { name: "externalId", type: "string", required: true, description: "The provider's id of the record." },
      { name: "email", type: "email", required: false },
      { name: "firstName", type: "string", required: false },
      { name: "lastName", type: "string", required: false },
      { name: "fullName", type: "string", required: false },
      { name: "phone", type: "string", required: false },
      { name: "companyName", type: "string", required: false },
      { name: "jobTitle", type: "string", required: false },
      { name: "city", type: "string", required: false },
      { name: "country", type: "string", required: false },
      { name: "lifecycleStage", type: "string", required: false },
      { name: "createdAt", type: "date", required: false },
      { name: "updatedAt", type: "date", required: false },
      { name: "archived", type: "boolean", required: false },
    ],
  },
  {
    key: "company",
    name: "Company",
    fields: [
      { name: "externalId", type: "string", required: true, description: "The provider's id of the record." },
      { name: "name", type: "string", required: true },
      { name: "domain", type: "string", required: false, description: "Primary domain, e.g. acme.com." },
      { name: "website", type: "url", required: false },
      { name: "industry", type: "string", required: false },
      { name: "employees", type: "number", required: false },
      { name: "annualRevenue", type: "number", required: false },
      { name: "city", type: "string", required: false },
      { name: "country", type: "string", required: false },
      { name: "createdAt", type: "date", required: false },
      { name: "updatedAt", type: "date", required: false },
    ],
  },
  {
    key: "deal",
    name: "Deal",
    fields: [
      { name: "externalId", type: "string", required: true, description: "The provider's id of the record." },
      { name: "name", type: "string", required: true },
      { name: "amount", type: "number", required: false },
      { name: "currency", type: "string", required: false },
      { name: "stage", type: "string", required: false },
      { name: "pipeline", type: "string", required: false },
      { name: "closeDate", type: "date", required: false },
      { name: "isClosed", type: "boolean", required: false },
      { name: "createdAt", type: "date", required: false },
      { name: "updatedAt", type: "date", required: false },
    ],
  },
];

const byKey = new Map(builtinTargets.map((t) => [t.key, t]));

export function getBuiltinTarget(key: string): TargetSchemaDef | undefined {
  return byKey.get(key);
}

export function isBuiltinTargetKey(key: string): boolean {
  return byKey.has(key);
}
