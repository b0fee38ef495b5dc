import { at, idString, isoTime, type Page, type PageRequest, type StreamDef } from "./types";

/** HubSpot CRM v3 objects: GET /crm/v3/objects/{type} (paging.next.after) and, for incremental runs, the search endpoint by hs_lastmodifieddate. */
const PAGE_SIZE = 100;

const defaults: Record<string, { label: string; properties: string[] }> = {
  contacts: { label: "Contacts", properties: ["email", "firstname", "lastname", "phone", "company", "jobtitle", "lifecyclestage", "city", "country", "createdate", "lastmodifieddate", "hs_lastmodifieddate"] },
  companies: { label: "Companies", properties: ["name", "domain", "industry", "phone", "city", "country", "numberofemployees", "annualrevenue", "createdate", "hs_lastmodifieddate"] },
  deals: { label: "Deals", properties: ["dealname", "amount", "dealstage", "pipeline", "closedate", "hubspot_owner_id", "createdate", "hs_lastmodifieddate"] },
};

type HubspotList = { results?: unknown[]; paging?: { next?: { after?: string | number } } };

function propertiesOf(req: PageRequest, entity: string): string[] {
  const extra = Array.isArray(req.config.properties) ? req.config.properties.filter((p): p is string => typeof p === "string" && /^[a-z0-9_]{1,100}$/i.test(p)) : [];
  return [...new Set([...defaults[entity]!.properties, ...extra])];
}

async function fetchHubspotPage(entity: string, req: PageRequest): Promise<Page> {
  const after = req.token?.after;
  const properties = propertiesOf(req, entity);
  let data: HubspotList;
  if (req.mode === "incremental" && req.since) {
    const res = await req.client.request<HubspotList>(`/crm/v3/objects/${entity}/search`, {
      method: "POST",
      body: {
        filterGroups: [{ filters: [{ propertyName: "hs_lastmodifieddate", operator: "GTE", value: String(Date.parse(req.since)) }] }],
        sorts: [{ propertyName: "hs_lastmodifieddate", direction: "ASCENDING" }],
        properties,
        limit: PAGE_SIZE,
        ...(after !== undefined ? { after: String(after) } : {}),
      },
      // Search is a read: retrying it (429, 502-504) is safe.
      retries: 4,
      timeoutMs: 60_000,
      signal: req.signal,
    });
    data = res.data ?? {};
  } else {
    const res = await req.client.request<HubspotList>(`/crm/v3/objects/${entity}`, {
      query: { limit: PAGE_SIZE, after: after !== undefined ? String(after) : undefined, properties: properties.join(","), archived: "false" },
      retries: 4,
      timeoutMs: 60_000,
      signal: req.signal,
    });
    data = res.data ?? {};
  }
  const next = data.paging?.next?.after;
  return { records: Array.isArray(data.results) ? data.results : [], next: next !== undefined && next !== "" ? { after: String(next) } : null };
}

function hubspotStream(entity: string): StreamDef {
  return {
    entity,
    label: defaults[entity]!.label,
    description: `HubSpot CRM ${entity} (v3 objects API; incremental runs search by hs_lastmodifieddate).`,
    pagination: "cursor",
    incremental: true,
    idOf: (raw) => idString(at(raw, "id")),
    updatedAtOf: (raw) => isoTime(at(raw, "updatedAt")) ?? isoTime(at(raw, "properties.hs_lastmodifieddate")),
    fetchPage: (req) => fetchHubspotPage(entity, req),
  };
}

export const hubspotStreams: StreamDef[] = ["contacts", "companies", "deals"].map(hubspotStream);
