import { at, idString, isoTime, type Page, type PageRequest, type StreamDef } from "./types";

/** Salesforce REST: SOQL through /services/data/vXX.X/query?q=, then nextRecordsUrl until done. */
export const SALESFORCE_API_VERSION = "v60.0";

const objects: Record<string, { label: string; fields: string[] }> = {
  Account: { label: "Accounts", fields: ["Id", "Name", "Website", "Industry", "Phone", "BillingCity", "BillingCountry", "NumberOfEmployees", "AnnualRevenue", "CreatedDate", "SystemModstamp"] },
  Contact: { label: "Contacts", fields: ["Id", "FirstName", "LastName", "Email", "Phone", "Title", "AccountId", "MailingCity", "MailingCountry", "CreatedDate", "SystemModstamp"] },
  Opportunity: { label: "Opportunities", fields: ["Id", "Name", "Amount", "StageName", "CloseDate", "AccountId", "OwnerId", "CreatedDate", "SystemModstamp"] },
};

type QueryResult = { records?: unknown[]; done?: boolean; nextRecordsUrl?: string };

/** SOQL datetime literals are unquoted ISO 8601 with a zone. */
const soqlDateTime = (iso: string) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, "Z");

export function soqlFor(object: string, since: string | null): string {
  const fields = objects[object]!.fields.join(", ");
  return `SELECT ${fields} FROM ${object}${since ? ` WHERE SystemModstamp >= ${soqlDateTime(since)}` : ""} ORDER BY SystemModstamp ASC`;
}

async function fetchSalesforcePage(object: string, req: PageRequest): Promise<Page> {
  const nextUrl = typeof req.token?.nextRecordsUrl === "string" ? req.token.nextRecordsUrl : undefined;
  // nextRecordsUrl is a path on the instance; the api client keeps it on the connection's origin.
  const res = nextUrl
    ? await req.client.request<QueryResult>(nextUrl, { retries: 4, timeoutMs: 60_000, signal: req.signal })
    : await req.client.request<QueryResult>(`/services/data/${SALESFORCE_API_VERSION}/query`, {
        query: { q: soqlFor(object, req.mode === "incremental" ? req.since : null) },
        retries: 4,
        timeoutMs: 60_000,
        signal: req.signal,
      });
  const data = res.data ?? {};
  const next = !data.done && typeof data.nextRecordsUrl === "string" && data.nextRecordsUrl.startsWith("/") ? { nextRecordsUrl: data.nextRecordsUrl } : null;
  return { records: Array.isArray(data.records) ? data.records : [], next };
}

export const salesforceStreams: StreamDef[] = Object.entries(objects).map(([object, o]) => ({
  entity: object,
  label: o.label,
  description: `Salesforce ${object} records by SOQL (incremental runs filter on SystemModstamp).`,
  pagination: "next_url" as const,
  incremental: true,
  idOf: (raw: unknown) => idString(at(raw, "Id")),
  updatedAtOf: (raw: unknown) => isoTime(at(raw, "SystemModstamp")),
  fetchPage: (req: PageRequest) => fetchSalesforcePage(object, req),
}));
