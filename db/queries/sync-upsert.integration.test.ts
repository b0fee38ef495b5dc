import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { testDbKinds, useTestDb } from "@/db/testing";
import { integrationData, integrations, organizations } from "@/db/schema";
import { streamRecords, upsertRecords, type UpsertRecord } from "./sync";

/** The record writes the sync engine relies on: the first-load COPY with its fallback, skipped unchanged rows, revived deletes. */
describe.each(testDbKinds())("sync record upserts on %s", (kind) => {
  let handle: DbHandle;
  const ctx = { orgId: "org-a", integrationId: "c-a", entity: "tickets", mappingVersionId: null };

  const row = (id: string, version = 1): UpsertRecord => {
    const raw = JSON.stringify({ id, subject: `Ticket ${id}\twith a tab, a \\ and a newline\n`, version });
    return { externalId: id, raw, mapped: JSON.stringify({ title: `T${id}` }), errors: null, hasErrors: false, hash: `${id}-v${version}`, sourceUpdatedAt: "2026-05-01T00:00:00.000Z" };
  };
  const page = (rows: UpsertRecord[], opts: Parameters<typeof upsertRecords>[3]) => handle.db.transaction((tx) => upsertRecords(ctx, rows, tx, opts));
  const stored = () =>
    handle.db
      .select({ id: integrationData.externalId, raw: integrationData.raw, hash: integrationData.hash, deletedAt: integrationData.deletedAt, orgId: integrationData.orgId })
      .from(integrationData)
      .where(and(eq(integrationData.integrationId, ctx.integrationId), eq(integrationData.entityType, ctx.entity)))
      .orderBy(integrationData.externalId);

  beforeAll(async () => {
    handle = await useTestDb(kind);
    await handle.db.insert(organizations).values({ id: "org-a", name: "A", slug: "a" });
    await handle.db.insert(integrations).values({ id: "c-a", orgId: "org-a", name: "Desk", providerKey: "custom-api-key", status: "active" });
  });

  afterAll(async () => {
    await handle?.close();
  });

  it("a first load inserts its pages; a page repeating a stored record falls back to the upsert and counts it once", async () => {
    expect(await streamRecords(ctx, handle.db)).toEqual({ any: false, live: false });
    const first = await page([row("1"), row("2"), row("3")], { readHashes: false, insertOnly: true });
    expect(first).toEqual({ created: 3, updated: 0, revived: 0 });
    expect(await streamRecords(ctx, handle.db)).toEqual({ any: true, live: true });

    // The provider returns 3 again (same content) and 2 changed on the next page.
    let ranWhileWriting = 0;
    const second = await page([row("2", 2), row("3"), row("4")], { readHashes: false, insertOnly: true, whileWriting: () => ranWhileWriting++ });
    expect(second).toMatchObject({ created: 1, updated: 1, revived: 0 });
    // PostgreSQL took the COPY first and says so; PGlite has no COPY path and upserts directly.
    expect(second.conflicted).toBe(kind === "postgres" ? true : undefined);
    await new Promise((r) => setImmediate(r));
    expect(ranWhileWriting).toBe(1);

    const rows = await stored();
    expect(rows.map((r) => `${r.id}:${r.hash}`)).toEqual(["1:1-v1", "2:2-v2", "3:3-v1", "4:4-v1"]);
    // Tabs, backslashes and newlines survive the COPY text format.
    expect(rows[0]!.raw).toEqual({ id: "1", subject: "Ticket 1\twith a tab, a \\ and a newline\n", version: 1 });
    expect(rows.every((r) => r.orgId === "org-a")).toBe(true);
  });

  it("reading stored hashes skips unchanged records and counts a deleted record that comes back as revived", async () => {
    await handle.db
      .update(integrationData)
      .set({ deletedAt: new Date() })
      .where(and(eq(integrationData.integrationId, ctx.integrationId), eq(integrationData.externalId, "1")));
    expect(await streamRecords(ctx, handle.db)).toEqual({ any: true, live: true });

    const r = await page([row("1"), row("2", 2), row("3", 3), row("5")], { readHashes: true });
    // 1: revived (same content, but deleted); 2: unchanged, not written; 3: changed; 5: new.
    expect(r).toEqual({ created: 1, updated: 2, revived: 1 });
    const rows = await stored();
    expect(rows.find((x) => x.id === "1")!.deletedAt).toBeNull();
    expect(rows.map((x) => x.hash)).toEqual(["1-v1", "2-v2", "3-v3", "4-v1", "5-v1"]);
  });

  it("a rolled-back page leaves nothing behind, also after the first-load COPY", async () => {
    const other = { ...ctx, entity: "contacts" };
    await expect(
      handle.db.transaction(async (tx) => {
        await upsertRecords(other, [row("a"), row("b")], tx, { readHashes: false, insertOnly: true });
        throw new Error("the page's checkpoint failed");
      }),
    ).rejects.toThrow("checkpoint failed");
    expect(await streamRecords(other, handle.db)).toEqual({ any: false, live: false });
  });
});
