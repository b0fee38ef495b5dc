import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { integrationData } from "@/db/schema";
import { testDbKinds, useTestDb } from "@/db/testing";
import { CALLBACK_PATH, completeAuthorization, startAuthorization } from "@/lib/connect/oauth";
import { createConnection } from "@/lib/connections/service";
import { resetEnvForTests } from "@/lib/env";
import { resetEgressForTests } from "@/lib/http/testing";
import { resetThrottleForTests } from "@/lib/http/throttle";
import { addAllowlistEntry } from "@/lib/network/allowlist";
import { completeSetup } from "@/lib/organizations/setup";
import { startFake, type FakeRequest } from "@/lib/providers/_shared/testing";
import { genericRestStreamSchema } from "@/lib/schemas/sync";
import { stopSettingsListener } from "@/lib/settings/invalidation";
import { runSync } from "./engine";
import { requestSyncRun, saveBuiltinStream, saveGenericStream, setRequestsPerSecond } from "./service";
import { nextLink } from "./streams/generic-rest";

const ORIGIN = "https://patchbay.example";

/** Salesforce: the token endpoint (answers with instance_url), SOQL query and nextRecordsUrl pages of 4. */
async function startFakeSalesforce() {
  const accounts = Array.from({ length: 10 }, (_, i) => ({
    attributes: { type: "Account", url: `/services/data/v60.0/sobjects/Account/001${i}` },
    Id: `001${String(i).padStart(15, "0")}`,
    Name: `Account ${i}`,
    SystemModstamp: new Date(Date.parse("2026-02-01T00:00:00Z") + i * 60_000).toISOString().replace("Z", "+0000"),
  }));
  const queries: string[] = [];
  const fake = await startFake((req: FakeRequest) => {
    if (req.path === "/services/oauth2/token") return { body: { access_token: "sf-token", refresh_token: "sf-refresh", token_type: "Bearer", instance_url: fake.url, issued_at: String(Date.now()) } };
    if (req.headers.authorization !== "Bearer sf-token") return { status: 401, body: [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }] };
    if (req.path === "/services/data/v60.0/query") {
      const q = req.url.searchParams.get("q")!;
      queries.push(q);
      const m = /SystemModstamp >= (\S+)/.exec(q);
      const list = m ? accounts.filter((a) => Date.parse(a.SystemModstamp.replace("+0000", "Z")) >= Date.parse(m[1]!)) : accounts;
      return { body: { totalSize: list.length, done: list.length <= 4, records: list.slice(0, 4), ...(list.length > 4 ? { nextRecordsUrl: `/services/data/v60.0/query/01gQ-${m ? "inc" : "full"}-4` } : {}) } };
    }
    const more = /^\/services\/data\/v60\.0\/query\/01gQ-(inc|full)-(\d+)$/.exec(req.path);
    if (more) {
      const from = Number(more[2]);
      const list = accounts;
      const next = from + 4 < list.length ? { nextRecordsUrl: `/services/data/v60.0/query/01gQ-${more[1]}-${from + 4}` } : {};
      return { body: { totalSize: list.length, done: !next.nextRecordsUrl, records: list.slice(from, from + 4), ...next } };
    }
    return { status: 404, body: [{ message: "not found", errorCode: "NOT_FOUND" }] };
  });
  return Object.assign(fake, { accounts, queries });
}

/** A generic REST API: GET /v1/tickets, link-header pagination (3 per page), ?updated_since=. */
async function startTicketsApi() {
  const tickets = Array.from({ length: 7 }, (_, i) => ({ ticket_id: 100 + i, subject: `Ticket ${i}`, meta: { modified: new Date(Date.parse("2026-03-01T00:00:00Z") + i * 1000).toISOString() } }));
  const fake = await startFake((req: FakeRequest) => {
    if (req.headers["x-api-key"] !== "tickets-key") return { status: 401, body: { error: "bad key" } };
    if (req.path !== "/v1/tickets") return { status: 404, body: { error: "no" } };
    const since = req.url.searchParams.get("updated_since");
    const list = since ? tickets.filter((t) => t.meta.modified >= since) : tickets;
    const page = Number(req.url.searchParams.get("page") ?? 1);
    const slice = list.slice((page - 1) * 3, page * 3);
    const hasNext = page * 3 < list.length;
    const nextUrl = new URL(req.url.pathname + req.url.search, fake.url);
    nextUrl.searchParams.set("page", String(page + 1));
    const headers: Record<string, string> = hasNext ? { link: `<${nextUrl.href}>; rel="next", <${fake.url}/v1/tickets?page=1>; rel="first"` } : {};
    return { body: { data: slice }, headers };
  });
  return Object.assign(fake, { tickets });
}

describe.each(testDbKinds())("Salesforce and generic REST streams on %s", (kind) => {
  let handle: DbHandle;
  let sf: Awaited<ReturnType<typeof startFakeSalesforce>>;
  let api: Awaited<ReturnType<typeof startTicketsApi>>;
  let org: { id: string; name: string };
  let owner: { id: string; email: string; isPlatformAdmin: boolean };
  const saved = process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;

  beforeAll(async () => {
    delete process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;
    resetEnvForTests();
    handle = await useTestDb(kind);
    sf = await startFakeSalesforce();
    api = await startTicketsApi();
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    owner = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: setup.user.isPlatformAdmin };
    org = setup.org;
    await addAllowlistEntry({ orgId: org.id, platform: false, actor: owner, entry: "127.0.0.1", note: "fakes", ip: null });
  });

  afterAll(async () => {
    await sf?.close();
    await api?.close();
    await resetEgressForTests();
    resetThrottleForTests();
    await stopSettingsListener();
    delete (globalThis as { __patchbaySettingsCache?: unknown }).__patchbaySettingsCache;
    await handle?.close();
    if (saved === undefined) delete process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;
    else process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS = saved;
    resetEnvForTests();
  });

  const rowsOf = (connectionId: string, entity: string) =>
    handle.db
      .select()
      .from(integrationData)
      .where(and(eq(integrationData.integrationId, connectionId), eq(integrationData.entityType, entity)));

  it("Salesforce: SOQL query then nextRecordsUrl pages; incremental filters on SystemModstamp", async () => {
    const { id } = await createConnection({ org, actor: owner, providerKey: "salesforce", platformWide: false, name: "Salesforce", values: { clientId: "sf-client", clientSecret: "sf-secret", loginUrl: sf.url }, testBeforeSave: false, ip: null });
    const a = await startAuthorization({ orgId: org.id, actor: owner, connectionId: id, origin: ORIGIN, ip: null });
    const state = new URL(a.url).searchParams.get("state")!;
    await completeAuthorization({ url: new URL(`${ORIGIN}${CALLBACK_PATH}?code=x&state=${state}`), readCookie: (n) => (n === a.cookie.name ? a.cookie.value : undefined), userId: owner.id, ip: null });
    const stream = await saveBuiltinStream({ org, actor: owner, connectionId: id, entity: "Account", enabled: true, scheduleMinutes: 15, ip: null });
    expect(stream.nextRunAt).toBeInstanceOf(Date);
    const full = await requestSyncRun({ orgId: org.id, streamId: stream.id, mode: "full", trigger: "manual", requestedBy: null, enqueue: false });
    expect(await runSync(full.run.id)).toMatchObject({ status: "succeeded", pages: 3, processed: 10, created: 10 });
    expect(sf.queries[0]).toBe("SELECT Id, Name, Website, Industry, Phone, BillingCity, BillingCountry, NumberOfEmployees, AnnualRevenue, CreatedDate, SystemModstamp FROM Account ORDER BY SystemModstamp ASC");
    expect(sf.requests.filter((r) => r.path.startsWith("/services/data/v60.0/query/")).map((r) => r.path)).toEqual(["/services/data/v60.0/query/01gQ-full-4", "/services/data/v60.0/query/01gQ-full-8"]);
    const rows = await rowsOf(id, "Account");
    expect(rows.map((r) => r.externalId).sort()).toEqual(sf.accounts.map((x) => x.Id).sort());
    expect(rows[0]!.sourceUpdatedAt).toBeInstanceOf(Date);

    const inc = await requestSyncRun({ orgId: org.id, streamId: stream.id, mode: "incremental", trigger: "schedule", requestedBy: null, enqueue: false });
    expect(inc.run.cursorStart).toBe("2026-02-01T00:09:00.000Z");
    expect(await runSync(inc.run.id)).toMatchObject({ status: "succeeded", processed: 1, unchanged: 1 });
    expect(sf.queries.at(-1)).toContain("WHERE SystemModstamp >= 2026-02-01T00:09:00Z ORDER BY SystemModstamp ASC");
  });

  it("generic REST: link-header pagination, dot paths for records/id/updated-at, incremental by a query parameter, throttled", async () => {
    const { id } = await createConnection({
      org,
      actor: owner,
      providerKey: "custom-api-key",
      platformWide: false,
      name: "Tickets API",
      values: { serviceName: "Tickets", baseUrl: api.url, apiKey: "tickets-key" },
      testBeforeSave: false,
      ip: null,
    });
    const config = genericRestStreamSchema.parse({ entity: "tickets", path: "/v1/tickets", recordsPath: "data", idPath: "ticket_id", updatedAtPath: "meta.modified", updatedSinceParam: "updated_since", pagination: "link" });
    const stream = await saveGenericStream({ org, actor: owner, connectionId: id, scheduleMinutes: null, config, ip: null });
    // 5 requests per second: 3 pages take at least 2 × 200 ms.
    await setRequestsPerSecond({ org, actor: owner, connectionId: id, requestsPerSecond: 5, ip: null });
    const started = Date.now();
    const full = await requestSyncRun({ orgId: org.id, streamId: stream.id, mode: "full", trigger: "manual", requestedBy: null, enqueue: false });
    expect(await runSync(full.run.id)).toMatchObject({ status: "succeeded", pages: 3, processed: 7, created: 7 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(api.requests.map((r) => r.url.searchParams.get("page"))).toEqual([null, "2", "3"]);
    expect((await rowsOf(id, "tickets")).map((r) => r.externalId).sort()).toEqual(["100", "101", "102", "103", "104", "105", "106"]);

    api.tickets[2]!.subject = "Changed";
    api.tickets[2]!.meta.modified = "2026-03-02T00:00:00.000Z";
    const inc = await requestSyncRun({ orgId: org.id, streamId: stream.id, mode: "incremental", trigger: "manual", requestedBy: null, enqueue: false });
    expect(await runSync(inc.run.id)).toMatchObject({ status: "succeeded", processed: 2, updated: 1, unchanged: 1 });
    expect(api.requests.at(-1)!.url.searchParams.get("updated_since")).toBe("2026-03-01T00:00:06.000Z");
  });

  it("generic REST config is validated with messages per field", () => {
    const bad = genericRestStreamSchema.safeParse({ entity: "9x", path: "v1/x", pagination: "cursor", cursorPath: "", updatedSinceParam: "since" });
    expect(bad.success).toBe(false);
    const byField = Object.fromEntries(bad.error!.issues.map((i) => [i.path.join("."), i.message]));
    expect(byField.entity).toContain("starts with a letter");
    expect(byField.path).toContain("starts with /");
    expect(byField.cursorPath).toContain("next cursor");
    expect(byField.updatedAtPath).toContain("updated-at path");
    expect(nextLink('<https://a.example/x?page=2>; rel="next", <https://a.example/x?page=9>; rel="last"')).toBe("https://a.example/x?page=2");
    expect(nextLink('<https://a.example/x?page=1>; rel="prev"')).toBeUndefined();
  });
});
