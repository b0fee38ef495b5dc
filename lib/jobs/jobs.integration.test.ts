import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDbKinds, useTestDb } from "@/db/testing";
import type { DbHandle } from "@/db/client";
import { enqueue, getBoss, stopBoss } from "./boss";
import { DEAD_LETTER_QUEUE } from "./queues";

describe.each(testDbKinds())("job queue on %s", (kind) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await useTestDb(kind);
    await getBoss();
  }, 60_000);
  afterAll(async () => {
    await stopBoss(1_000);
    await handle.close();
  });

  it("a job enqueued inside a transaction that rolls back does not exist; one that commits does", async () => {
    const boss = await getBoss();
    await expect(
      handle.db.transaction(async (tx) => {
        await enqueue("health-check", { connectionId: "rolled-back", orgId: null, trigger: "manual" }, { tx, singletonKey: "rolled-back" });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await boss.findJobs("health-check", { key: "rolled-back", queued: true })).toHaveLength(0);
    const id = await handle.db.transaction((tx) => enqueue("health-check", { connectionId: "committed", orgId: null, trigger: "manual" }, { tx, singletonKey: "committed" }));
    expect(id).toBeTruthy();
    expect(await boss.findJobs("health-check", { key: "committed", queued: true })).toHaveLength(1);
  });

  it("ten requests for one connection's check make one queued job (singleton key)", async () => {
    const ids = await Promise.all(Array.from({ length: 10 }, () => enqueue("health-check", { connectionId: "c-10", orgId: null, trigger: "manual" }, { singletonKey: "c-10" })));
    expect(ids.filter(Boolean)).toHaveLength(1);
    const boss = await getBoss();
    expect(await boss.findJobs("health-check", { key: "c-10", queued: true })).toHaveLength(1);
  });

  it("a job that keeps failing is retried, then lands in the dead-letter queue and can be redriven", async () => {
    const boss = await getBoss();
    await boss.createQueue("test-fails", { retryLimit: 1, retryDelay: 1, deadLetter: DEAD_LETTER_QUEUE });
    let attempts = 0;
    await boss.work("test-fails", { pollingIntervalSeconds: 0.5 }, async () => {
      attempts++;
      throw new Error("always fails");
    });
    const id = await boss.send("test-fails", { orgId: "o1" });
    await expect.poll(async () => (await boss.findJobs(DEAD_LETTER_QUEUE, { data: { orgId: "o1" } })).length, { timeout: 20_000, interval: 250 }).toBe(1);
    expect(attempts).toBe(2);
    const [job] = await boss.findJobs("test-fails", { id: id! });
    expect(job?.state).toBe("failed");
    await boss.offWork("test-fails");
    expect(await boss.redrive(DEAD_LETTER_QUEUE, { sourceName: "test-fails" })).toBe(1);
    expect(await boss.findJobs("test-fails", { queued: true })).toHaveLength(1);
  }, 30_000);

  it("pg-boss keeps its tables in their own schema", async () => {
    const r = await handle.db.execute(sql`select count(*)::int as n from information_schema.tables where table_schema = 'pgboss'`);
    expect(Number((r as unknown as { rows: { n: number }[] }).rows[0]!.n)).toBeGreaterThan(0);
  });
});
