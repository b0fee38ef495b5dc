import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { integrationRegistry } from "@/db/schema";
import { testDbKinds, useTestDb } from "@/db/testing";
import { listProviders } from "./registry";
import { syncBuiltinRegistry } from "./sync-registry";

describe.each(testDbKinds())("integration_registry on %s", (kind) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await useTestDb(kind);
  });
  afterAll(async () => {
    await handle.close();
  });

  it("upserts every built-in at start, idempotently, and drops built-ins that no longer exist", async () => {
    await handle.db.insert(integrationRegistry).values({ providerKey: "retired-provider", name: "Old", category: "custom", description: "gone", authModes: [], capabilities: [], requiredFields: [], optionalFields: [] });
    expect(await syncBuiltinRegistry()).toBe(listProviders().length);
    expect(await syncBuiltinRegistry()).toBe(listProviders().length);
    const rows = await handle.db.select().from(integrationRegistry);
    expect(rows.map((r) => r.providerKey).sort()).toEqual(listProviders().map((p) => p.key).sort());
    const smtp = rows.find((r) => r.providerKey === "smtp")!;
    expect(smtp).toMatchObject({ category: "email", popular: true, builtin: true, requiredFields: ["host", "fromAddress"] });
    expect(smtp.optionalFields).toEqual(expect.arrayContaining(["port", "password"]));
    const [{ n }] = (await handle.db.execute(sql`select count(*)::int as n from integration_registry where definition::text ilike '%secret": true%'`)).rows as [{ n: number }];
    expect(n).toBeGreaterThan(0); // field metadata (which fields are secret) is there; values never are
  });
});
