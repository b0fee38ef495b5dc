import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { getSyncRun, listSyncRuns } from "@/db/queries/sync";
import { syncStreams } from "@/db/schema";
import { testDbKinds, useTestDb } from "@/db/testing";
import { createConnection } from "@/lib/connections/service";
import { resetEnvForTests } from "@/lib/env";
import { resetEgressForTests } from "@/lib/http/testing";
import { getBoss, stopBoss } from "@/lib/jobs/boss";
import { handlers } from "@/lib/jobs/handlers";
import { addAllowlistEntry } from "@/lib/network/allowlist";
import { completeSetup } from "@/lib/organizations/setup";
import { startFake } from "@/lib/providers/_shared/testing";
import { genericRestStreamSchema } from "@/lib/schemas/sync";
import { stopSettingsListener } from "@/lib/settings/invalidation";
import * as syncRoute from "@/app/api/v1/integrations/[id]/sync/route";
import * as runsRoute from "@/app/api/v1/integrations/[id]/sync-runs/route";
import * as recordsRoute from "@/app/api/v1/integrations/[id]/records/route";
import { createApiToken } from "@/lib/api/tokens";
import { createOrganizationFor } from "@/lib/organizations/members";
import { scheduleDueSyncs } from "./schedule";
import { entitiesNamedBy, requestSyncRun, saveGenericStream, triggerSyncFromWebhook } from "./service";

describe.each(testDbKinds())("sync jobs on %s", (kind) => {
  let handle: DbHandle;
  let api: Awaited<ReturnType<typeof startFake>>;
  let org: { id: string; name: string };
  let owner: { id: string; email: string; isPlatformAdmin: boolean };
  let streamId: string;
  let connection: { id: string; orgId: string | null; providerKey: string; enabled: boolean };
  const saved = process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;
  const items = Array.from({ length: 12 }, (_, i) => ({ id: `r${i}`, updated: `2026-04-01T00:00:${String(i).padStart(2, "0")}.000Z` }));

  beforeAll(async () => {
    delete process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;
    resetEnvForTests();
    handle = await useTestDb(kind);
    api = await startFake((req) => {
      const offset = Number(req.url.searchParams.get("offset") ?? 0);
      const since = req.url.searchParams.get("since");
      const list = since ? items.filter((x) => x.updated >= since) : items;
      return { body: { items: list.slice(offset, offset + 5) } };
    });
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    owner = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: setup.user.isPlatformAdmin };
    org = setup.org;
    await addAllowlistEntry({ orgId: org.id, platform: false, actor: owner, entry: "127.0.0.1", note: "fake", ip: null });
    const { id } = await createConnection({ org, actor: owner, providerKey: "custom-api-key", platformWide: false, name: "Items API", values: { serviceName: "Items", baseUrl: api.url, apiKey: "k" }, testBeforeSave: false, ip: null });
    connection = { id, orgId: org.id, providerKey: "custom-api-key", enabled: true };
    const config = genericRestStreamSchema.parse({ entity: "items", path: "/items", recordsPath: "items", updatedAtPath: "updated", updatedSinceParam: "since", pagination: "offset", pageParam: "offset", pageSizeParam: "limit", pageSize: 5 });
    streamId = (await saveGenericStream({ org, actor: owner, connectionId: id, scheduleMinutes: 15, config, ip: null })).id;
    const boss = await getBoss();
    await boss.work<{ runId: string; orgId: string | null }>("sync-run", { pollingIntervalSeconds: 0.5 }, async ([job]) => handlers["sync-run"](job!));
  }, 60_000);

  afterAll(async () => {
    await stopBoss(2_000);
    await api?.close();
    await resetEgressForTests();
    await stopSettingsListener();
    delete (globalThis as { __patchbaySettingsCache?: unknown }).__patchbaySettingsCache;
    await handle?.close();
    if (saved === undefined) delete process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;
    else process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS = saved;
    resetEnvForTests();
  });

  const finished = async (runId: string) => {
    await expect.poll(async () => (await getSyncRun(org.id, runId))?.status, { timeout: 20_000, interval: 200 }).toMatch(/succeeded|failed|cancelled/);
    return (await getSyncRun(org.id, runId))!;
  };

  it("Sync now queues a job that a worker runs to the end (offset pagination)", async () => {
    const { run } = await requestSyncRun({ orgId: org.id, streamId, mode: "full", trigger: "manual", requestedBy: null });
    const done = await finished(run.id);
    expect(done).toMatchObject({ status: "succeeded", pages: 3, processed: 12, created: 12, error: null });
    expect(done.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("a webhook for the connection queues an incremental run in the processing transaction; a HubSpot-style payload only its streams", async () => {
    expect(entitiesNamedBy([{ subscriptionType: "contact.propertyChange", objectId: 1 }, { subscriptionType: "deal.creation" }])).toEqual(new Set(["contacts", "deals"]));
    expect(entitiesNamedBy({ type: "something" })).toBeNull();
    expect(await handle.db.transaction((tx) => triggerSyncFromWebhook(tx, { connection, payload: [{ subscriptionType: "contact.creation" }] }))).toBe(0);
    const queued = await handle.db.transaction((tx) => triggerSyncFromWebhook(tx, { connection, payload: { event: "item.updated" } }));
    expect(queued).toBe(1);
    const { rows } = await listSyncRuns(org.id, connection.id, { page: 1, perPage: 1 });
    expect(rows[0]).toMatchObject({ trigger: "webhook", mode: "incremental", cursorStart: items.at(-1)!.updated });
    const done = await finished(rows[0]!.id);
    expect(done).toMatchObject({ status: "succeeded", processed: 1, unchanged: 1 });
  });

  it("the sync tick queues due streams once and moves their next run forward", async () => {
    await handle.db.update(syncStreams).set({ nextRunAt: new Date(Date.now() - 1000) }).where(eq(syncStreams.id, streamId));
    expect(await scheduleDueSyncs()).toEqual({ queued: 1, skipped: 0 });
    expect(await scheduleDueSyncs()).toEqual({ queued: 0, skipped: 0 });
    const [s] = await handle.db.select().from(syncStreams).where(eq(syncStreams.id, streamId));
    expect(s!.nextRunAt!.getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
    const { rows } = await listSyncRuns(org.id, connection.id, { page: 1, perPage: 1 });
    expect(rows[0]).toMatchObject({ trigger: "schedule", mode: "incremental" });
    expect((await finished(rows[0]!.id)).status).toBe("succeeded");
  });

  it("REST: POST /api/v1/integrations/{id}/sync queues a run (scope checked, org-scoped); GET …/sync-runs lists runs", async () => {
    const base = "https://patchbay.example/api/v1";
    const call = (h: (req: Request, ctx: { params: Promise<{ id: string }> }) => Promise<Response>, req: Request) => h(req, { params: Promise.resolve({ id: connection.id }) });
    const write = (await createApiToken({ orgId: org.id, actor: owner, name: "w", scopes: ["integrations:read", "integrations:write"], expiresInDays: null, ip: null })).token;
    const readOnly = (await createApiToken({ orgId: org.id, actor: owner, name: "r", scopes: ["integrations:read"], expiresInDays: null, ip: null })).token;
    const other = await createOrganizationFor({ id: owner.id, email: owner.email, isPlatformAdmin: owner.isPlatformAdmin } as never, "Globex", null);
    const foreign = (await createApiToken({ orgId: other.id, actor: owner, name: "f", scopes: ["integrations:read", "integrations:write"], expiresInDays: null, ip: null })).token;
    const post = (token: string, body: unknown) => new Request(`${base}/integrations/${connection.id}/sync`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });

    expect((await call(syncRoute.POST, post(readOnly, { entity: "items" }))).status).toBe(403);
    expect((await call(syncRoute.POST, post(foreign, { entity: "items" }))).status).toBe(404);
    const bad = await call(syncRoute.POST, post(write, { entity: "items", mode: "sideways" }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { fieldErrors: Record<string, string[]> } }).error.fieldErrors.mode).toBeDefined();
    const ok = await call(syncRoute.POST, post(write, { entity: "items", mode: "full" }));
    expect(ok.status).toBe(202);
    const { data } = (await ok.json()) as { data: { runId: string; existing: boolean } };
    expect(data.existing).toBe(false);
    expect((await finished(data.runId)).status).toBe("succeeded");

    const list = await call(runsRoute.GET, new Request(`${base}/integrations/${connection.id}/sync-runs?perPage=2`, { headers: { authorization: `Bearer ${readOnly}` } }));
    expect(list.status).toBe(200);
    const body = (await list.json()) as { data: { id: string; trigger: string; recordsProcessed: number; durationMs: number }[]; total: number };
    expect(body.data[0]).toMatchObject({ id: data.runId, trigger: "api", recordsProcessed: 12 });
    expect(body.data[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(body.total).toBeGreaterThanOrEqual(4);
    expect((await call(runsRoute.GET, new Request(`${base}/integrations/${connection.id}/sync-runs`, { headers: { authorization: `Bearer ${foreign}` } }))).status).toBe(404);
    expect((await call(runsRoute.GET, new Request(`${base}/integrations/${connection.id}/sync-runs?perPage=500`, { headers: { authorization: `Bearer ${readOnly}` } }))).status).toBe(400);
  });

  it("REST: GET /api/v1/integrations/{id}/records pages through the records as a change feed (cursor, org-scoped, 4xx on bad input)", async () => {
    const base = "https://patchbay.example/api/v1";
    const token = (await createApiToken({ orgId: org.id, actor: owner, name: "feed", scopes: ["integrations:read"], expiresInDays: null, ip: null })).token;
    const noRead = (await createApiToken({ orgId: org.id, actor: owner, name: "events only", scopes: ["events:write"], expiresInDays: null, ip: null })).token;
    const get = (query: string, t = token) => recordsRoute.GET(new Request(`${base}/integrations/${connection.id}/records${query}`, { headers: { authorization: `Bearer ${t}` } }), { params: Promise.resolve({ id: connection.id }) });
    type Page = { data: { entity: string; externalId: string; raw: { id: string }; syncedAt: string }[]; nextCursor: string | null; hasMore: boolean };

    const seen: string[] = [];
    let cursor = "";
    for (let i = 0; i < 10; i++) {
      const res = await get(`?entity=items&limit=5${cursor ? `&after=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as Page;
      seen.push(...page.data.map((r) => r.externalId));
      cursor = page.nextCursor ?? "";
      if (!page.hasMore) break;
    }
    // Every record once, none repeated across pages.
    expect(seen.length).toBe(12);
    expect(new Set(seen).size).toBe(12);
    // Nothing changed since the last cursor: an empty page and the same cursor back.
    const idle = (await (await get(`?entity=items&after=${cursor}`)).json()) as Page;
    expect(idle.data).toEqual([]);
    expect(idle.nextCursor).toBe(cursor);

    expect((await get("?limit=0")).status).toBe(400);
    expect((await get("?after=not-a-cursor")).status).toBe(400);
    expect((await get("?includeDeleted=maybe")).status).toBe(400);
    expect((await get("", noRead)).status).toBe(403);
    const other = await createOrganizationFor({ id: owner.id, email: owner.email, isPlatformAdmin: owner.isPlatformAdmin } as never, "Initech", null);
    const foreign = (await createApiToken({ orgId: other.id, actor: owner, name: "f", scopes: ["integrations:read"], expiresInDays: null, ip: null })).token;
    expect((await get("", foreign)).status).toBe(404);
  });
});
