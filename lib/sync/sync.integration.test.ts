import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { getRecord, getSyncRun, getSyncStream, listRecords, listSyncRuns } from "@/db/queries/sync";
import { getVisibleConnection } from "@/db/queries/integrations";
import { integrationData, syncRunSeen, syncRuns, syncStreams } from "@/db/schema";
import { testDbKinds, useTestDb } from "@/db/testing";
import { CALLBACK_PATH, completeAuthorization, startAuthorization } from "@/lib/connect/oauth";
import { createConnection } from "@/lib/connections/service";
import { resetEnvForTests } from "@/lib/env";
import { resetEgressForTests } from "@/lib/http/testing";
import { resetThrottleForTests } from "@/lib/http/throttle";
import type { Mapper } from "@/lib/mapping/types";
import { addAllowlistEntry } from "@/lib/network/allowlist";
import { createOrganizationFor } from "@/lib/organizations/members";
import { completeSetup } from "@/lib/organizations/setup";
import { stopSettingsListener } from "@/lib/settings/invalidation";
import { activateMappingVersion, createMapping } from "@/lib/mapping/service";
import { dataMappingVersions } from "@/db/schema";
import { runSync } from "./engine";
import { cancelSyncRun, requestSyncRun, saveBuiltinStream, setRequestsPerSecond, streamsOverview } from "./service";
import { openSource } from "./source";
import { startFakeHubspot, type FakeHubspot } from "./testing/fake-hubspot";
// The SIGKILL test (PostgreSQL only) runs with this file.
import "./kill.suite";

const ORIGIN = "https://patchbay.example";
type Org = { id: string; name: string };
type Actor = { id: string; email: string; isPlatformAdmin: boolean };

/** A representative closure mapper: HubSpot contact → Contact, with a field error when the email is missing. */
const contactMapper: Mapper = {
  versionId: "test-mapping-v1",
  apply(raw) {
    const p = ((raw as { properties?: Record<string, string | null> }).properties ?? {}) as Record<string, string | null>;
    const errors = p.email ? [] : [{ field: "email", path: "properties.email", message: "email is required" }];
    return { mapped: { email: p.email ?? null, name: [p.firstname, p.lastname].filter(Boolean).join(" ") }, errors };
  },
};

describe.each(testDbKinds())("sync engine on %s", (kind) => {
  let handle: DbHandle;
  let hs: FakeHubspot;
  let owner: Actor;
  let acme: Org;
  let globex: Org;
  let connectionId: string;
  const saved = process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;

  const runOf = async (id: string) => (await getSyncRun(acme.id, id))!;
  const records = (entity: string) =>
    handle.db
      .select()
      .from(integrationData)
      .where(and(eq(integrationData.integrationId, connectionId), eq(integrationData.entityType, entity)))
      .orderBy(integrationData.externalId);
  const streamFor = (entity: string, scheduleMinutes: number | null = null) =>
    saveBuiltinStream({ org: acme, actor: owner, connectionId, entity, enabled: true, scheduleMinutes, ip: null });
  /** The connection's record count, kept by each run's deltas, against a recount. */
  async function expectDataCount() {
    const [live] = await handle.db
      .select({ n: sql<number>`count(*)::int` })
      .from(integrationData)
      .where(and(eq(integrationData.integrationId, connectionId), sql`${integrationData.deletedAt} is null`));
    expect((await getVisibleConnection(acme.id, connectionId))!.dataCount).toBe(live!.n);
  }
  async function sync(streamId: string, mode: "full" | "incremental", opts: Parameters<typeof runSync>[1] = {}) {
    const { run } = await requestSyncRun({ orgId: acme.id, streamId, mode, trigger: "manual", requestedBy: owner.id, enqueue: false });
    return runSync(run.id, opts);
  }

  beforeAll(async () => {
    delete process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;
    resetEnvForTests();
    handle = await useTestDb(kind);
    hs = await startFakeHubspot({ pageSize: 10 });
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    owner = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: setup.user.isPlatformAdmin };
    acme = setup.org;
    globex = await createOrganizationFor(setup.user, "Globex", null);
    await addAllowlistEntry({ orgId: acme.id, platform: false, actor: owner, entry: "127.0.0.1", note: "fake HubSpot", ip: null });
    const created = await createConnection({
      org: acme,
      actor: owner,
      providerKey: "hubspot",
      platformWide: false,
      name: "HubSpot",
      values: { clientId: "hs-client", clientSecret: "hs-secret", apiBaseUrl: hs.url, authBaseUrl: hs.url },
      testBeforeSave: false,
      ip: null,
    });
    connectionId = created.id;
    const a = await startAuthorization({ orgId: acme.id, actor: owner, connectionId, origin: ORIGIN, ip: null });
    const state = new URL(a.url).searchParams.get("state")!;
    await completeAuthorization({ url: new URL(`${ORIGIN}${CALLBACK_PATH}?code=c1&state=${state}`), readCookie: (n) => (n === a.cookie.name ? a.cookie.value : undefined), userId: owner.id, ip: null });
    hs.seed("contacts", 25);
  });

  beforeEach(() => {
    hs.script.length = 0;
    hs.log.length = 0;
  });

  afterAll(async () => {
    await hs?.close();
    await resetEgressForTests();
    resetThrottleForTests();
    await stopSettingsListener();
    delete (globalThis as { __patchbaySettingsCache?: unknown }).__patchbaySettingsCache;
    await handle?.close();
    if (saved === undefined) delete process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;
    else process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS = saved;
    resetEnvForTests();
  });

  it("offers the HubSpot streams and runs a full sync page by page, counting every record once", async () => {
    const overview = await streamsOverview(acme.id, connectionId);
    expect(overview.streams.map((s) => s.entity)).toEqual(["contacts", "companies", "deals"]);
    const stream = await streamFor("contacts");
    const r = await sync(stream.id, "full");
    expect(r).toMatchObject({ status: "succeeded", pages: 3, processed: 25, created: 25, updated: 0, unchanged: 0, deleted: 0, failed: 0, error: null });
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    expect(hs.log.map((l) => `${l.method} ${l.path} ${l.after ?? "-"}`)).toEqual(["GET /crm/v3/objects/contacts -", "GET /crm/v3/objects/contacts 10", "GET /crm/v3/objects/contacts 20"]);
    const rows = await records("contacts");
    expect(rows).toHaveLength(25);
    const one = rows.find((x) => x.externalId === "7")!;
    expect(one.raw).toMatchObject({ id: "7", properties: { email: "person7@example.com" } });
    expect(one.mapped).toBeNull();
    expect(one.errors).toEqual([]);
    expect(one.hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(one.sourceUpdatedAt).toBeInstanceOf(Date);
    const s = (await getSyncStream(acme.id, stream.id))!;
    expect(s.cursor).toBe(hs.objects.get("contacts")!.at(-1)!.updatedAt);
    expect(await handle.db.select().from(syncRunSeen)).toHaveLength(0);
    const conn = (await getVisibleConnection(acme.id, connectionId))!;
    expect(conn.dataCount).toBe(25);
    expect(conn.lastSyncAt).toBeInstanceOf(Date);
  });

  it("an unchanged record is not written again (same row version), and is counted unchanged", async () => {
    const stream = (await streamFor("contacts"))!;
    const before = await handle.db.execute(sql`select external_id, xmin::text as x, synced_at from integration_data where entity_type = 'contacts' order by external_id`);
    const r = await sync(stream.id, "full");
    expect(r).toMatchObject({ status: "succeeded", processed: 25, created: 0, updated: 0, unchanged: 25, deleted: 0 });
    const after = await handle.db.execute(sql`select external_id, xmin::text as x, synced_at from integration_data where entity_type = 'contacts' order by external_id`);
    expect((after as unknown as { rows: unknown[] }).rows).toEqual((before as unknown as { rows: unknown[] }).rows);
  });

  it("an incremental run searches from the cursor and counts created, updated and unchanged exactly", async () => {
    const stream = (await streamFor("contacts"))!;
    const cursor = (await getSyncStream(acme.id, stream.id))!.cursor!;
    hs.touch("contacts", "3", { email: "changed3@example.com" });
    hs.touch("contacts", "4", { firstname: "Renamed" });
    hs.seed("contacts", 3);
    const r = await sync(stream.id, "incremental");
    // GTE: the record at the cursor comes back once more, unchanged.
    expect(r).toMatchObject({ status: "succeeded", pages: 1, processed: 6, created: 3, updated: 2, unchanged: 1, deleted: 0 });
    expect(hs.log).toHaveLength(1);
    expect(hs.log[0]).toMatchObject({ method: "POST", path: "/crm/v3/objects/contacts/search", since: String(Date.parse(cursor)) });
    const changed = (await records("contacts")).find((x) => x.externalId === "3")!;
    expect((changed.raw as { properties: { email: string } }).properties.email).toBe("changed3@example.com");
    expect((await getSyncStream(acme.id, stream.id))!.cursor).toBe(hs.objects.get("contacts")!.at(-1)!.updatedAt);
    // Nothing changed since: one page, everything at the cursor unchanged.
    const again = await sync(stream.id, "incremental");
    expect(again).toMatchObject({ status: "succeeded", processed: 1, created: 0, updated: 0, unchanged: 1 });
  });

  it("applies the stream's mapper: mapped records, field errors kept and flagged, a new mapping version rewrites", async () => {
    const stream = (await streamFor("contacts"))!;
    hs.touch("contacts", "5", { email: "" });
    const r = await sync(stream.id, "full", { mapper: contactMapper });
    expect(r).toMatchObject({ status: "succeeded", processed: 28, created: 0, updated: 28, unchanged: 0, failed: 1 });
    const rows = await records("contacts");
    const ok = rows.find((x) => x.externalId === "4")!;
    expect(ok.mapped).toEqual({ email: "person4@example.com", name: "Renamed Last4" });
    expect(ok.mappingVersionId).toBe("test-mapping-v1");
    const bad = rows.find((x) => x.externalId === "5")!;
    expect(bad.hasErrors).toBe(true);
    expect(bad.errors).toEqual([{ field: "email", path: "properties.email", message: "email is required" }]);
    const same = await sync(stream.id, "full", { mapper: contactMapper });
    expect(same).toMatchObject({ updated: 0, unchanged: 28, failed: 1 });
  });

  it("with a real mapping (built-in HubSpot contacts template, activated), a run stores mapped records without any mapper injected", async () => {
    const stream = (await streamFor("contacts"))!;
    const { id: mappingId } = await createMapping({ orgId: acme.id, actor: owner, ip: null, streamId: stream.id, targetSchema: "contact", templateId: "builtin:hubspot-contacts" });
    const [version] = await handle.db.select().from(dataMappingVersions).where(eq(dataMappingVersions.mappingId, mappingId));
    await activateMappingVersion({ orgId: acme.id, actor: owner, ip: null, mappingId, versionId: version!.id, remap: false });
    const r = await sync(stream.id, "full");
    expect(r).toMatchObject({ status: "succeeded", processed: 28, updated: 28 });
    const row = (await records("contacts")).find((x) => x.externalId === "4")!;
    expect(row.mappingVersionId).toBe(version!.id);
    expect(row.mapped).toMatchObject({ email: "person4@example.com" });
    // Same version again: nothing rewritten.
    expect(await sync(stream.id, "full")).toMatchObject({ updated: 0, unchanged: 28 });
  });

  it("a run killed after a page resumes from its checkpoint: no duplicates, no gaps, exact counts", async () => {
    hs.seed("companies", 47, (i) => ({ name: `Company ${i}`, domain: `c${i}.example` }));
    const stream = await streamFor("companies");
    const { run } = await requestSyncRun({ orgId: acme.id, streamId: stream.id, mode: "full", trigger: "manual", requestedBy: null, enqueue: false });
    const kill = new AbortController();
    await expect(runSync(run.id, { signal: kill.signal, afterPage: (n) => (n === 2 ? kill.abort(new Error("worker killed")) : undefined) })).rejects.toThrow("worker killed");
    expect(await runOf(run.id)).toMatchObject({ status: "running", pages: 2, processed: 20, created: 20, checkpoint: { next: { after: "20" }, done: false } });
    // The page read ahead when the worker died may or may not have reached the server; let it land first.
    await new Promise((r) => setTimeout(r, 200));
    hs.log.length = 0;
    const r = await runSync(run.id);
    expect(r).toMatchObject({ status: "succeeded", pages: 5, processed: 47, created: 47, updated: 0, unchanged: 0 });
    // The resume reads from the checkpoint on: nothing before it, nothing skipped.
    expect(hs.log.map((l) => l.after)).toEqual(["20", "30", "40"]);
    expect(await records("companies")).toHaveLength(47);
  });

  it("a run killed while a page is in flight (fetched, not committed) re-reads that page once and counts it once", async () => {
    hs.seed("deals", 30, (i) => ({ dealname: `Deal ${i}`, amount: String(i * 100) }));
    const stream = await streamFor("deals");
    const { run } = await requestSyncRun({ orgId: acme.id, streamId: stream.id, mode: "full", trigger: "manual", requestedBy: null, enqueue: false });
    const real = await openSource(acme.id, connectionId);
    const kill = new AbortController();
    let calls = 0;
    const source = {
      ...real,
      client: {
        request: (async (path: string, init?: object) => {
          const res = await real.client.request(path, init);
          if (++calls === 2) kill.abort(new Error("killed mid-page"));
          return res;
        }) as typeof real.client.request,
      },
    };
    await expect(runSync(run.id, { signal: kill.signal, source })).rejects.toThrow("killed mid-page");
    expect(await runOf(run.id)).toMatchObject({ status: "running", pages: 1, processed: 10 });
    const r = await runSync(run.id);
    expect(r).toMatchObject({ status: "succeeded", pages: 3, processed: 30, created: 30, updated: 0, unchanged: 0 });
    expect(await records("deals")).toHaveLength(30);
  });

  it("delete detection: only a successful full run marks unseen records deleted; failed and cancelled runs never do", async () => {
    const stream = (await streamFor("deals"))!;
    hs.remove("deals", "2");
    hs.remove("deals", "3");
    // A failing full run (page 2 answers 404): nothing deleted, seen ids cleaned up.
    hs.script.push({ status: 200, body: { results: hs.objects.get("deals")!.slice(0, 10), paging: { next: { after: "10" } } } }, { status: 404, body: { message: "gone" } });
    const failed = await sync(stream.id, "full");
    expect(failed.status).toBe("failed");
    expect(failed.error).toContain("HubSpot answered 404");
    expect(failed.deleted).toBe(0);
    expect((await records("deals")).filter((x) => x.deletedAt)).toHaveLength(0);
    await expectDataCount();
    expect(await handle.db.select().from(syncRunSeen)).toHaveLength(0);
    // A cancelled run: nothing deleted either.
    const { run } = await requestSyncRun({ orgId: acme.id, streamId: stream.id, mode: "full", trigger: "manual", requestedBy: null, enqueue: false });
    const cancelled = await runSync(run.id, { afterPage: () => cancelSyncRun({ org: acme, actor: owner, runId: run.id, ip: null }).then(() => undefined) });
    expect(cancelled).toMatchObject({ status: "cancelled", pages: 1, deleted: 0 });
    expect((await records("deals")).filter((x) => x.deletedAt)).toHaveLength(0);
    // The successful full run deletes exactly the two.
    const ok = await sync(stream.id, "full");
    expect(ok).toMatchObject({ status: "succeeded", processed: 28, deleted: 2 });
    expect((await records("deals")).filter((x) => x.deletedAt).map((x) => x.externalId)).toEqual(["2", "3"]);
    await expectDataCount();
    // An incremental run never deletes.
    const inc = await sync(stream.id, "incremental");
    expect(inc.deleted).toBe(0);
    // A deleted record that comes back is live again (counted updated).
    hs.objects.get("deals")!.push({ id: "2", properties: { dealname: "Deal 2 again", hs_lastmodifieddate: "2027-01-01T00:00:00.000Z" }, createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2027-01-01T00:00:00.000Z", archived: false });
    const back = await sync(stream.id, "full");
    expect(back).toMatchObject({ status: "succeeded", updated: 1, deleted: 0 });
    expect((await records("deals")).find((x) => x.externalId === "2")!.deletedAt).toBeNull();
    expect((await runOf(back.id)).revived).toBe(1);
    await expectDataCount();
  });

  it("honours 429 Retry-After and retries 5xx bursts, then completes with exact counts", async () => {
    const stream = (await streamFor("contacts"))!;
    hs.script.push({ status: 429, headers: { "retry-after": "1" }, body: { status: "error", message: "You have reached your secondly limit.", errorType: "RATE_LIMIT" } });
    hs.script.push({ status: 500, body: { message: "boom" } }, { status: 503, body: { message: "busy" } }, { status: 502, body: "bad gateway" });
    const started = Date.now();
    // The stream's active mapping (previous test) applies: nothing changed, nothing written.
    const r = await sync(stream.id, "full");
    expect(r).toMatchObject({ status: "succeeded", processed: 28, unchanged: 28 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(hs.log.slice(0, 5).map((l) => l.status)).toEqual([429, 500, 503, 502, 200]);
  });

  it("a 401 refreshes the token once and carries on; a second 401 marks the connection needs_reauth", async () => {
    const stream = (await streamFor("contacts"))!;
    hs.expireTokens();
    const before = hs.refreshes;
    const r = await sync(stream.id, "full");
    expect(r.status).toBe("succeeded");
    expect(hs.refreshes).toBe(before + 1);
    expect(hs.log.map((l) => l.status).filter((s) => s === 401)).toHaveLength(1);

    hs.expireTokens();
    hs.rejectRefreshedTokens();
    const dead = await sync(stream.id, "full");
    expect(dead.status).toBe("failed");
    expect(dead.error).toContain("rejected the access token again after a refresh");
    expect((await getVisibleConnection(acme.id, connectionId))!.status).toBe("needs_reauth");
    // Later runs fail at once with where to fix it, without calling HubSpot.
    hs.log.length = 0;
    const blocked = await sync(stream.id, "full");
    expect(blocked.error).toContain(`/connections/${connectionId}`);
    expect(hs.log).toHaveLength(0);
  });

  it("one queued or running run per stream; cancel of a queued run; org isolation of queries and services", async () => {
    const stream = (await getSyncStream(acme.id, (await streamFor("companies")).id))!;
    const first = await requestSyncRun({ orgId: acme.id, streamId: stream.id, mode: "full", trigger: "manual", requestedBy: null, enqueue: false });
    const second = await requestSyncRun({ orgId: acme.id, streamId: stream.id, mode: "incremental", trigger: "api", requestedBy: null, enqueue: false });
    expect(second).toMatchObject({ existing: true, run: { id: first.run.id } });
    // Another organization sees none of it.
    await expect(requestSyncRun({ orgId: globex.id, streamId: stream.id, mode: "full", trigger: "manual", requestedBy: null, enqueue: false })).rejects.toThrow("does not exist");
    await expect(cancelSyncRun({ org: globex, actor: owner, runId: first.run.id, ip: null })).rejects.toThrow("not queued or running");
    await expect(streamsOverview(globex.id, connectionId)).rejects.toThrow("does not exist");
    await expect(saveBuiltinStream({ org: globex, actor: owner, connectionId, entity: "contacts", enabled: true, scheduleMinutes: null, ip: null })).rejects.toThrow("does not exist");
    await expect(setRequestsPerSecond({ org: globex, actor: owner, connectionId, requestsPerSecond: 1, ip: null })).rejects.toThrow("does not exist");
    expect(await getSyncStream(globex.id, stream.id)).toBeUndefined();
    expect(await getSyncRun(globex.id, first.run.id)).toBeUndefined();
    expect((await listSyncRuns(globex.id, connectionId, { page: 1, perPage: 50 })).total).toBe(0);
    expect((await listRecords(globex.id, { page: 1, perPage: 50 })).total).toBe(0);
    const mine = await listRecords(acme.id, { page: 1, perPage: 5, entity: "contacts", q: "person7@" });
    expect(mine.rows.map((r) => r.externalId)).toEqual(["7"]);
    expect(await getRecord(globex.id, mine.rows[0]!.id)).toBeUndefined();
    expect((await getRecord(acme.id, mine.rows[0]!.id))?.record.externalId).toBe("7");
    // Cancelling the queued run ends it at once; its job would find it finished.
    const c = await cancelSyncRun({ org: acme, actor: owner, runId: first.run.id, ip: null });
    expect(c.status).toBe("cancelled");
    expect(await runSync(first.run.id)).toMatchObject({ status: "cancelled", pages: 0 });
    const [row] = await handle.db.select().from(syncRuns).where(eq(syncRuns.id, first.run.id));
    expect(row!.error).toBe("Cancelled before it started.");
    expect(await handle.db.select().from(syncStreams).where(eq(syncStreams.orgId, globex.id))).toHaveLength(0);
  });
});
