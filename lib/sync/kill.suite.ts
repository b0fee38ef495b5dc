// Imported by sync.integration.test.ts: on PGlite only this file would hold no suite, which vitest refuses.
/* eslint-disable no-restricted-properties -- a test suite: it sets the child process environment */
// A sync run SIGKILLed mid-run (a real separate process, whole process group) resumes from its
// last committed page: counts exact, no page read after the checkpoint is skipped, no record twice.
// PostgreSQL only (a child process and this test share the database).
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb, type DbHandle } from "@/db/client";
import { getSyncRun } from "@/db/queries/sync";
import { integrationData } from "@/db/schema";
import { testDbKinds, useTestDb } from "@/db/testing";
import { CALLBACK_PATH, completeAuthorization, startAuthorization } from "@/lib/connect/oauth";
import { createConnection } from "@/lib/connections/service";
import { resetEnvForTests } from "@/lib/env";
import { formatMasterKey } from "@/lib/lockbox/crypto";
import { masterKeys } from "@/lib/lockbox/keyring";
import { completeSetup } from "@/lib/organizations/setup";
import { stopSettingsListener } from "@/lib/settings/invalidation";
import { Child, type Line } from "@/test/scale-out/processes";
import { runSync } from "./engine";
import { requestSyncRun, saveBuiltinStream } from "./service";
import { startFakeHubspot, type FakeHubspot } from "./testing/fake-hubspot";

const TOTAL = 200;

describe.each(testDbKinds().filter((k) => k === "postgres"))("sync process SIGKILLed mid-run on %s", (kind) => {
  let handle: DbHandle;
  let hs: FakeHubspot;
  let child: Child | undefined;
  const saved = process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;

  beforeAll(async () => {
    process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS = "true";
    resetEnvForTests();
    handle = await useTestDb(kind);
    hs = await startFakeHubspot({ pageSize: 10 });
    hs.seed("contacts", TOTAL);
  });

  afterAll(async () => {
    await child?.kill();
    await hs?.close();
    await stopSettingsListener();
    delete (globalThis as { __patchbaySettingsCache?: unknown }).__patchbaySettingsCache;
    await handle?.close();
    if (saved === undefined) delete process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS;
    else process.env.PATCHBAY_ALLOW_PRIVATE_EGRESS = saved;
    resetEnvForTests();
  });

  it("resumes from the checkpoint with exact counts and every record once", async () => {
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    const owner = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: setup.user.isPlatformAdmin };
    const { id } = await createConnection({ org: setup.org, actor: owner, providerKey: "hubspot", platformWide: false, name: "HubSpot", values: { clientId: "c", clientSecret: "s", apiBaseUrl: hs.url, authBaseUrl: hs.url }, testBeforeSave: false, ip: null });
    const a = await startAuthorization({ orgId: setup.org.id, actor: owner, connectionId: id, origin: "https://patchbay.example", ip: null });
    await completeAuthorization({ url: new URL(`https://patchbay.example${CALLBACK_PATH}?code=x&state=${new URL(a.url).searchParams.get("state")!}`), readCookie: () => a.cookie.value, userId: owner.id, ip: null });
    const stream = await saveBuiltinStream({ org: setup.org, actor: owner, connectionId: id, entity: "contacts", enabled: true, scheduleMinutes: null, ip: null });
    const { run } = await requestSyncRun({ orgId: setup.org.id, streamId: stream.id, mode: "full", trigger: "manual", requestedBy: null, enqueue: false });

    // Every page answers after 100 ms: the child is mid-run when it dies.
    hs.latencyMs = 100;
    const slow = hs.log;
    child = new Child("sync", "test/crash/sync-runner.ts", {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: (handle as DbHandle & { url: string }).url,
      PATCHBAY_MASTER_KEYS: masterKeys().map(formatMasterKey).join(","),
      AUTH_SECRET: "a".repeat(40),
      PATCHBAY_DISABLE_WORKERS: "true",
      PATCHBAY_ALLOW_PRIVATE_EGRESS: "true",
      LOG_LEVEL: "warn",
      SYNC_RUN_ID: run.id,
      NODE_ENV: "production",
    });
    await child.waitFor((l: Line) => l.crash === true && l.event === "started", 60_000, "started");
    await expect.poll(async () => (await getSyncRun(setup.org.id, run.id))!.pages, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(5);
    await child.kill();
    expect(child.lines.some((l) => l.event === "finished")).toBe(false);

    const dead = (await getSyncRun(setup.org.id, run.id))!;
    expect(dead.status).toBe("running");
    expect(dead.pages).toBeLessThan(TOTAL / 10);
    expect(dead.processed).toBe(dead.pages * 10);
    // A request the child sent just before it died is answered (and logged) after the latency: let it land.
    await new Promise((r) => setTimeout(r, 500));
    const requestsBefore = slow.length;

    hs.latencyMs = 0;
    const r = await runSync(run.id);
    expect(r).toMatchObject({ status: "succeeded", pages: TOTAL / 10, processed: TOTAL, created: TOTAL, updated: 0, unchanged: 0 });
    // The resume starts at the checkpoint: the first page it reads is the one after the last committed.
    expect(slow[requestsBefore]!.after).toBe(String(dead.pages * 10));
    const rows = await getDb().select({ n: sql<number>`count(*)::int` }).from(integrationData).where(and(eq(integrationData.integrationId, id), eq(integrationData.entityType, "contacts")));
    expect(rows[0]!.n).toBe(TOTAL);
  });
});
