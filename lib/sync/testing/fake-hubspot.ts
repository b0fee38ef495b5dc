/**
 * Test helper: a local HubSpot speaking the CRM v3 shapes the sync uses: GET
 * /crm/v3/objects/{type} (results, paging.next.after), POST /crm/v3/objects/{type}/search with an
 * hs_lastmodifieddate GTE filter sorted ascending, and the OAuth token endpoint (code and refresh
 * grants). Access tokens are tracked, so a test can expire them (401) and see the refresh.
 * `script` queues raw answers (429 + Retry-After, 5xx bursts) served before the real ones.
 */
import { startFake, type FakeReply, type FakeRequest } from "@/lib/providers/_shared/testing";

export type HubspotRecord = { id: string; properties: Record<string, string | null>; createdAt: string; updatedAt: string; archived: boolean };

export async function startFakeHubspot(opts: { pageSize?: number } = {}) {
  const objects = new Map<string, HubspotRecord[]>([
    ["contacts", []],
    ["companies", []],
    ["deals", []],
  ]);
  const validTokens = new Set<string>();
  const script: FakeReply[] = [];
  const log: { method: string; path: string; after?: string; since?: string; status: number; auth?: string }[] = [];
  let serial = 0;
  let refreshes = 0;
  let refreshStillRejected = false;

  const issue = () => {
    const access = `hs-access-${++serial}`;
    validTokens.add(access);
    return { access_token: access, refresh_token: `hs-refresh-${serial}`, token_type: "bearer", expires_in: 1800 };
  };

  function page(list: HubspotRecord[], after: string | undefined, limit: number) {
    const start = after ? Number(after) : 0;
    const size = Math.min(limit, opts.pageSize ?? limit);
    const results = list.slice(start, start + size);
    const next = start + size < list.length ? { next: { after: String(start + size), link: "" } } : undefined;
    return { results, ...(next ? { paging: next } : {}) };
  }

  const fake = await startFake(async (req: FakeRequest) => {
    if (api.latencyMs > 0 && req.path.startsWith("/crm/")) await new Promise((r) => setTimeout(r, api.latencyMs));
    const reply = handle(req);
    log.push({ method: req.method, path: req.path, after: req.url.searchParams.get("after") ?? bodyAfter(req), since: sinceOf(req), status: reply.status ?? 200, auth: req.headers.authorization });
    return reply;
  });

  function bodyAfter(req: FakeRequest): string | undefined {
    if (req.method !== "POST" || !req.path.endsWith("/search")) return undefined;
    try {
      return (JSON.parse(req.body) as { after?: string }).after;
    } catch {
      return undefined;
    }
  }
  function sinceOf(req: FakeRequest): string | undefined {
    if (!req.path.endsWith("/search")) return undefined;
    try {
      return (JSON.parse(req.body) as { filterGroups: { filters: { value: string }[] }[] }).filterGroups[0]?.filters[0]?.value;
    } catch {
      return undefined;
    }
  }

  function handle(req: FakeRequest): FakeReply {
    if (req.path === "/oauth/2026-03/token" && req.method === "POST") {
      const params = new URLSearchParams(req.body);
      if (params.get("grant_type") === "refresh_token") {
        refreshes++;
        const t = issue();
        if (refreshStillRejected) validTokens.delete(t.access_token);
        return { body: t };
      }
      return { body: issue() };
    }
    const scripted = script.shift();
    if (scripted) return scripted;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!token || !validTokens.has(token)) return { status: 401, body: { status: "error", message: "Authentication credentials not found.", category: "INVALID_AUTHENTICATION" } };
    const m = /^\/crm\/v3\/objects\/(contacts|companies|deals)(\/search)?$/.exec(req.path);
    if (!m) return { status: 404, body: { status: "error", message: `no route ${req.path}` } };
    const list = objects.get(m[1]!)!;
    if (m[2]) {
      const body = JSON.parse(req.body) as { filterGroups?: { filters: { propertyName: string; operator: string; value: string }[] }[]; limit?: number; after?: string };
      const f = body.filterGroups?.[0]?.filters[0];
      if (!f || f.propertyName !== "hs_lastmodifieddate" || f.operator !== "GTE") return { status: 400, body: { status: "error", message: "expected an hs_lastmodifieddate GTE filter" } };
      const since = Number(f.value);
      const matching = list.filter((r) => Date.parse(r.updatedAt) >= since).sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || a.id.localeCompare(b.id));
      return { body: { total: matching.length, ...page(matching, body.after, Math.min(body.limit ?? 10, 200)) } };
    }
    const limit = Number(req.url.searchParams.get("limit") ?? 10);
    return { body: page(list, req.url.searchParams.get("after") ?? undefined, Math.min(limit, 100)), headers: { "x-hubspot-ratelimit-remaining": "99", "x-hubspot-ratelimit-interval-milliseconds": "10000" } };
  }

  let clock = Date.parse("2026-01-01T00:00:00Z");
  const api = {
    /** Added before every CRM answer (a slow provider). */
    latencyMs: 0,
    url: fake.url,
    requests: fake.requests,
    log,
    script,
    objects,
    close: fake.close,
    get refreshes() {
      return refreshes;
    },
    /** Every later refresh issues a token this server rejects too (a revoked app). */
    rejectRefreshedTokens(on = true) {
      refreshStillRejected = on;
    },
    /** Forget every issued access token: the next call answers 401. */
    expireTokens() {
      validTokens.clear();
    },
    /** Add n records of a type, with increasing updatedAt. */
    seed(type: string, n: number, props: (i: number) => Record<string, string> = (i) => ({ email: `person${i}@example.com`, firstname: `First${i}`, lastname: `Last${i}` })) {
      const list = objects.get(type)!;
      for (let i = 0; i < n; i++) {
        clock += 1000;
        const id = String(list.length + 1);
        const at = new Date(clock).toISOString();
        list.push({ id, properties: { ...props(Number(id)), hs_lastmodifieddate: at, hs_object_id: id }, createdAt: at, updatedAt: at, archived: false });
      }
    },
    /** Change a record's property (a new updatedAt). */
    touch(type: string, id: string, props: Record<string, string>) {
      const r = objects.get(type)!.find((x) => x.id === id)!;
      clock += 1000;
      const at = new Date(clock).toISOString();
      r.properties = { ...r.properties, ...props, hs_lastmodifieddate: at };
      r.updatedAt = at;
    },
    remove(type: string, id: string) {
      const list = objects.get(type)!;
      list.splice(
        list.findIndex((x) => x.id === id),
        1,
      );
    },
  };
  return api;
}
export type FakeHubspot = Awaited<ReturnType<typeof startFakeHubspot>>;
