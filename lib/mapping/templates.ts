import type { MappingDefinition, MappingRule } from "./schema";

export type BuiltinTemplate = {
  /** Stable id, prefixed "builtin:" so it never collides with a stored template's uuid. */
  id: string;
  name: string;
  description: string;
  providerKey: string;
  entity: string;
  targetSchema: string;
  definition: MappingDefinition;
};

type R = Omit<MappingRule, "id" | "required" | "transforms" | "validations"> & Partial<Pick<MappingRule, "required" | "transforms" | "validations">>;
function rules(list: R[]): MappingRule[] {
  return list.map((r, i) => ({ id: `r${i + 1}`, required: false, transforms: [], validations: [], ...r }));
}
const trim = { op: "trim" } as const;

// HubSpot CRM v3 objects: { id, properties: { … all strings … }, createdAt, updatedAt, archived }.
const hubspotContacts: MappingDefinition = {
  targetSchema: "contact",
  rules: rules([
    { source: "id", target: "externalId", type: "string", required: true, transforms: [{ op: "coalesce", paths: ["properties.hs_object_id"] }] },
    { source: "properties.email", target: "email", type: "email", transforms: [trim, { op: "lower" }] },
    { source: "properties.firstname", target: "firstName", type: "string", transforms: [trim] },
    { source: "properties.lastname", target: "lastName", type: "string", transforms: [trim] },
    { source: "properties.firstname", target: "fullName", type: "string", transforms: [{ op: "template", template: "{{properties.firstname}} {{properties.lastname}}" }] },
    { source: "properties.phone", target: "phone", type: "string", transforms: [trim] },
    { source: "properties.company", target: "companyName", type: "string", transforms: [trim] },
    { source: "properties.jobtitle", target: "jobTitle", type: "string", transforms: [trim] },
    { source: "properties.city", target: "city", type: "string", transforms: [trim] },
    { source: "properties.country", target: "country", type: "string", transforms: [trim] },
    { source: "properties.lifecyclestage", target: "lifecycleStage", type: "string" },
    { source: "properties.createdate", target: "createdAt", type: "date", transforms: [{ op: "coalesce", paths: ["createdAt"] }, { op: "parseDate", format: "auto" }] },
    { source: "properties.lastmodifieddate", target: "updatedAt", type: "date", transforms: [{ op: "coalesce", paths: ["updatedAt"] }, { op: "parseDate", format: "auto" }] },
    { source: "archived", target: "archived", type: "boolean", default: false },
  ]),
};

const hubspotCompanies: MappingDefinition = {
  targetSchema: "company",
  rules: rules([
    { source: "id", target: "externalId", type: "string", required: true, transforms: [{ op: "coalesce", paths: ["properties.hs_object_id"] }] },
    { source: "properties.name", target: "name", type: "string", required: true, transforms: [trim] },
    { source: "properties.domain", target: "domain", type: "string", transforms: [trim, { op: "lower" }] },
    { source: "properties.domain", target: "website", type: "url", transforms: [trim, { op: "lower" }] },
    { source: "properties.industry", target: "industry", type: "string" },
    { source: "properties.numberofemployees", target: "employees", type: "number", transforms: [{ op: "parseNumber", decimal: "." }], validations: [{ kind: "min", value: 0 }] },
    { source: "properties.annualrevenue", target: "annualRevenue", type: "number", transforms: [{ op: "parseNumber", decimal: "." }] },
    { source: "properties.city", target: "city", type: "string", transforms: [trim] },
    { source: "properties.country", target: "country", type: "string", transforms: [trim] },
    { source: "properties.createdate", target: "createdAt", type: "date", transforms: [{ op: "coalesce", paths: ["createdAt"] }, { op: "parseDate", format: "auto" }] },
    { source: "properties.hs_lastmodifieddate", target: "updatedAt", type: "date", transforms: [{ op: "coalesce", paths: ["updatedAt"] }, { op: "parseDate", format: "auto" }] },
  ]),
};

const hubspotDeals: MappingDefinition = {
  targetSchema: "deal",
  rules: rules([
    { source: "id", target: "externalId", type: "string", required: true, transforms: [{ op: "coalesce", paths: ["properties.hs_object_id"] }] },
    { source: "properties.dealname", target: "name", type: "string", required: true, transforms: [trim] },
    { source: "properties.amount", target: "amount", type: "number", transforms: [{ op: "parseNumber", decimal: "." }] },
    { source: "properties.deal_currency_code", target: "currency", type: "string", transforms: [{ op: "upper" }] },
    { source: "properties.dealstage", target: "stage", type: "string" },
    { source: "properties.pipeline", target: "pipeline", type: "string" },
    { source: "properties.closedate", target: "closeDate", type: "date", transforms: [{ op: "parseDate", format: "auto" }] },
    { source: "properties.dealstage", target: "isClosed", type: "boolean", transforms: [{ op: "lookup", table: { closedwon: true, closedlost: true }, caseInsensitive: true, onMissing: "null" }], default: false },
    { source: "properties.createdate", target: "createdAt", type: "date", transforms: [{ op: "coalesce", paths: ["createdAt"] }, { op: "parseDate", format: "auto" }] },
    { source: "properties.hs_lastmodifieddate", target: "updatedAt", type: "date", transforms: [{ op: "coalesce", paths: ["updatedAt"] }, { op: "parseDate", format: "auto" }] },
  ]),
};

// Salesforce SOQL records: { attributes: { type, url }, Id, …fields, Account: { Name } }.
const salesforceContacts: MappingDefinition = {
  targetSchema: "contact",
  rules: rules([
    { source: "Id", target: "externalId", type: "string", required: true },
    { source: "Email", target: "email", type: "email", transforms: [trim, { op: "lower" }] },
    { source: "FirstName", target: "firstName", type: "string", transforms: [trim] },
    { source: "LastName", target: "lastName", type: "string", transforms: [trim] },
    { source: "FirstName", target: "fullName", type: "string", transforms: [{ op: "template", template: "{{FirstName}} {{LastName}}" }] },
    { source: "Phone", target: "phone", type: "string", transforms: [trim] },
    { source: "Account.Name", target: "companyName", type: "string", transforms: [trim] },
    { source: "Title", target: "jobTitle", type: "string", transforms: [trim] },
    { source: "MailingCity", target: "city", type: "string", transforms: [trim] },
    { source: "MailingCountry", target: "country", type: "string", transforms: [trim] },
    { source: "CreatedDate", target: "createdAt", type: "date", transforms: [{ op: "parseDate", format: "iso" }] },
    { source: "LastModifiedDate", target: "updatedAt", type: "date", transforms: [{ op: "parseDate", format: "iso" }] },
    { source: "IsDeleted", target: "archived", type: "boolean", default: false },
  ]),
};

const salesforceAccounts: MappingDefinition = {
  targetSchema: "company",
  rules: rules([
    { source: "Id", target: "externalId", type: "string", required: true },
    { source: "Name", target: "name", type: "string", required: true, transforms: [trim] },
    { source: "Website", target: "domain", type: "string", transforms: [trim, { op: "lower" }, { op: "regexExtract", pattern: "^(?:https?://)?(?:www\\.)?([^/:?#]+)", flags: "i", group: 1 }] },
    { source: "Website", target: "website", type: "url", transforms: [trim] },
    { source: "Industry", target: "industry", type: "string" },
    { source: "NumberOfEmployees", target: "employees", type: "number", validations: [{ kind: "min", value: 0 }] },
    { source: "AnnualRevenue", target: "annualRevenue", type: "number" },
    { source: "BillingCity", target: "city", type: "string", transforms: [trim] },
    { source: "BillingCountry", target: "country", type: "string", transforms: [trim] },
    { source: "CreatedDate", target: "createdAt", type: "date", transforms: [{ op: "parseDate", format: "iso" }] },
    { source: "LastModifiedDate", target: "updatedAt", type: "date", transforms: [{ op: "parseDate", format: "iso" }] },
  ]),
};

const salesforceOpportunities: MappingDefinition = {
  targetSchema: "deal",
  rules: rules([
    { source: "Id", target: "externalId", type: "string", required: true },
    { source: "Name", target: "name", type: "string", required: true, transforms: [trim] },
    { source: "Amount", target: "amount", type: "number" },
    { source: "CurrencyIsoCode", target: "currency", type: "string", transforms: [{ op: "upper" }] },
    { source: "StageName", target: "stage", type: "string" },
    { source: "Pipeline__c", target: "pipeline", type: "string" },
    { source: "CloseDate", target: "closeDate", type: "date", transforms: [{ op: "parseDate", format: "yyyy-MM-dd" }] },
    { source: "IsClosed", target: "isClosed", type: "boolean", default: false },
    { source: "CreatedDate", target: "createdAt", type: "date", transforms: [{ op: "parseDate", format: "iso" }] },
    { source: "LastModifiedDate", target: "updatedAt", type: "date", transforms: [{ op: "parseDate", format: "iso" }] },
  ]),
};

export const builtinTemplates: BuiltinTemplate[] = [
  { id: "builtin:hubspot-contacts", name: "HubSpot contacts → Contact", description: "HubSpot CRM v3 contacts (properties.email, firstname, lastname, …).", providerKey: "hubspot", entity: "contacts", targetSchema: "contact", definition: hubspotContacts },
  { id: "builtin:hubspot-companies", name: "HubSpot companies → Company", description: "HubSpot CRM v3 companies (name, domain, industry, numberofemployees, …).", providerKey: "hubspot", entity: "companies", targetSchema: "company", definition: hubspotCompanies },
  { id: "builtin:hubspot-deals", name: "HubSpot deals → Deal", description: "HubSpot CRM v3 deals (dealname, amount, dealstage, pipeline, closedate).", providerKey: "hubspot", entity: "deals", targetSchema: "deal", definition: hubspotDeals },
  { id: "builtin:salesforce-contacts", name: "Salesforce Contact → Contact", description: "SOQL Contact records with Account.Name.", providerKey: "salesforce", entity: "Contact", targetSchema: "contact", definition: salesforceContacts },
  { id: "builtin:salesforce-accounts", name: "Salesforce Account → Company", description: "SOQL Account records (Website, Industry, NumberOfEmployees, Billing address).", providerKey: "salesforce", entity: "Account", targetSchema: "company", definition: salesforceAccounts },
  { id: "builtin:salesforce-opportunities", name: "Salesforce Opportunity → Deal", description: "SOQL Opportunity records (Amount, StageName, CloseDate).", providerKey: "salesforce", entity: "Opportunity", targetSchema: "deal", definition: salesforceOpportunities },
];

export function getBuiltinTemplate(id: string): BuiltinTemplate | undefined {
  return builtinTemplates.find((t) => t.id === id);
}
