import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { getConnectionForHealth, insertStatusChange } from "@/db/queries/health";
import { testDbKinds, useTestDb } from "@/db/testing";
import { createConnection } from "@/lib/connections/service";
import { createOrganizationFor } from "@/lib/organizations/members";
import { completeSetup } from "@/lib/organizations/setup";
import { stopSettingsListener } from "@/lib/settings/invalidation";
import { recordCheck } from "./check";
import { getHealthState, invalidateHealthState, resetHealthState } from "./state";

describe.each(testDbKinds())("home health state on %s", (kind) => {
  let handle: DbHandle;
  let org: { id: string; name: string };
  let other: { id: string; name: string };
  let actor: { id: string; email: string; isPlatformAdmin: boolean };

  beforeAll(async () => {
    handle = await useTestDb(kind);
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    org = setup.org;
    actor = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: true };
    other = await createOrganizationFor(setup.user, "Globex", null);
  });
  afterAll(async () => {
    resetHealthState();
    await stopSettingsListener();
    await handle.close();
  });

  it("counts connections by health and lifecycle with the latest changes, and follows connection changes from the bus", async () => {
    const empty = await getHealthState(org.id);
    expect(empty.total).toBe(0);
    expect(empty.recentChanges).toEqual([]);

    const { id } = await createConnection({ org, actor, providerKey: "custom-api-key", platformWide: false, name: "Billing API", values: { baseUrl: "http://127.0.0.1:9", apiKey: "key-0123456789" }, testBeforeSave: false, ip: null });
    // The creation is announced on the settings bus; the cached snapshot is dropped without waiting for the TTL.
    await expect.poll(async () => (await getHealthState(org.id)).total, { timeout: 5_000, interval: 50 }).toBe(1);

    // A failed check moves it to error (announced) and to degraded (a transition).
    await recordCheck({ row: (await getConnectionForHealth(id))!, result: { ok: false, message: "refused", ms: 5 }, trigger: "manual" });
    await expect.poll(async () => (await getHealthState(org.id)).byHealth.degraded, { timeout: 5_000, interval: 50 }).toBe(1);
    const s = await getHealthState(org.id);
    expect(s.byLifecycle).toEqual([{ status: "error", n: 1 }]);
    expect(s.recentChanges).toMatchObject([{ connectionId: id, connectionName: "Billing API", from: "unknown", to: "degraded" }]);

    // Nobody outside the organization sees it.
    const theirs = await getHealthState(other.id);
    expect(theirs.total).toBe(0);
    expect(theirs.recentChanges).toEqual([]);
  });

  it("serves the cached snapshot until invalidateHealthState drops it", async () => {
    // Let the previous test's NOTIFY round trips (which also invalidate) arrive first.
    await new Promise((r) => setTimeout(r, 500));
    const before = await getHealthState(org.id);
    const row = await getConnectionForHealth(before.recentChanges[0]!.connectionId);
    // A transition committed without any announcement (as another process would make it).
    await insertStatusChange({ integrationId: row!.id, orgId: org.id, fromStatus: "degraded", toStatus: "failing", reason: "The last 2 checks failed." }, handle.db);
    expect(await getHealthState(org.id)).toBe(before);
    invalidateHealthState(org.id);
    const after = await getHealthState(org.id);
    expect(after).not.toBe(before);
    expect(after.recentChanges.map((c) => c.to)).toEqual(["failing", "degraded"]);
    // Invalidating one organization leaves the other's snapshot alone.
    const theirs = await getHealthState(other.id);
    invalidateHealthState(org.id);
    expect(await getHealthState(other.id)).toBe(theirs);
  });
});
