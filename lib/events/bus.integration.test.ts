import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb, type DbHandle } from "@/db/client";
import { testDbKinds, useTestDb } from "@/db/testing";
import { isAppError } from "@/lib/errors";
import { stopSettingsListener } from "@/lib/settings/invalidation";
import { stopEventBus, subscribe, subscriberCount, type BusMessage, type LiveSubscription } from "./bus";
import { listenChannel } from "./listen";
import { EVENTS_CHANNEL, publishEvent } from "./publish";
import { MAX_STREAMS_PER_USER, openEventStream, openStreams } from "./sse";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

async function publish(orgId: string | null, data: Record<string, unknown>, opts: { rollback?: boolean } = {}) {
  await getDb()
    .transaction(async (tx) => {
      await publishEvent(tx, { orgId, type: "connection.health_changed", data });
      if (opts.rollback) tx.rollback();
    })
    .catch((e: unknown) => {
      if (!opts.rollback) throw e;
    });
}

async function nextEvent(sub: LiveSubscription, timeoutMs = 5_000): Promise<BusMessage> {
  const m = await sub.next(timeoutMs);
  if (m === "timeout") throw new Error(`no live event within ${timeoutMs} ms`);
  if (m === null) throw new Error("the subscription closed");
  return m;
}

const dataOf = (m: BusMessage) => (m.kind === "event" ? m.event.data : { resync: m.reason });

/** Reads an SSE body frame by frame (frames end with a blank line). */
function frameReader(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  return {
    reader,
    async next(timeoutMs = 5_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const end = buffered.indexOf("\n\n");
        if (end >= 0) {
          const frame = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          return frame;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no SSE frame within ${timeoutMs} ms (buffered ${JSON.stringify(buffered)})`);
        const chunk = await Promise.race([reader.read(), new Promise<"timeout">((r) => setTimeout(() => r("timeout"), left))]);
        if (chunk === "timeout") continue;
        if (chunk.done) throw new Error(`the stream ended (buffered ${JSON.stringify(buffered)})`);
        buffered += decoder.decode(chunk.value, { stream: true });
      }
    },
  };
}

async function until(check: () => boolean, timeoutMs = 2_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe.each(testDbKinds())("live event bus on %s", (kind) => {
  let handle: DbHandle;
  const acme = randomUUID();
  const globex = randomUUID();

  beforeAll(async () => {
    handle = await useTestDb(kind);
  });
  afterAll(async () => {
    await stopEventBus();
    await stopSettingsListener();
    await handle.close();
  });

  it("delivers a committed event to its organization only, never a rolled-back one; platform events reach everyone", async () => {
    const a = await subscribe(acme);
    const b = await subscribe(globex);

    await publish(acme, { n: "rolled back" }, { rollback: true });
    await publish(acme, { n: 1 });
    // NOTIFYs arrive in commit order: if the rolled-back one were delivered, it would come first.
    const first = await nextEvent(a);
    expect(first).toMatchObject({ kind: "event", event: { orgId: acme, type: "connection.health_changed", data: { n: 1 } } });

    await publish(null, { n: "platform" });
    const platformA = await nextEvent(a);
    expect(dataOf(platformA)).toEqual({ n: "platform" });
    // Globex saw neither the rolled-back nor Acme's event: the platform event is its first.
    expect(dataOf(await nextEvent(b))).toEqual({ n: "platform" });

    await publish(globex, { n: "globex only" });
    expect(dataOf(await nextEvent(b))).toEqual({ n: "globex only" });
    await publish(acme, { n: 2 });
    expect(dataOf(await nextEvent(a))).toEqual({ n: 2 });
    // Ids are monotonic within the process.
    expect(platformA.kind === "event" && first.kind === "event" && platformA.event.id > first.event.id).toBe(true);

    a.close();
    b.close();
    expect(subscriberCount()).toBe(0);
  });

  it("a slow subscriber is cut back to one resync instead of buffering without bound", async () => {
    const slow = await subscribe(acme, { bufferSize: 3 });
    const fast = await subscribe(acme);
    for (let i = 0; i < 10; i++) await publish(acme, { i });
    // The fast one reads all ten while the slow one reads nothing.
    for (let i = 0; i < 10; i++) expect(dataOf(await nextEvent(fast))).toEqual({ i });
    await until(() => slow.dropped > 0);
    const m = await nextEvent(slow);
    expect(m).toEqual({ kind: "resync", reason: "overflow" });
    // Whatever is left in its buffer is bounded by its size; after that it waits for new events.
    let left = 0;
    while ((await slow.next(50)) !== "timeout") left++;
    expect(left).toBeLessThanOrEqual(3);
    expect(slow.dropped + left).toBe(10);
    await publish(acme, { after: true });
    expect(dataOf(await nextEvent(slow))).toEqual({ after: true });
    slow.close();
    fast.close();
  });

  it("streams text/event-stream with id, event, data, retry and heartbeats; abort and cancel unsubscribe", async () => {
    const abort = new AbortController();
    const res = await openEventStream({ orgId: acme, userId: "user-1", signal: abort.signal, heartbeatMs: 100 });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("cache-control")).toContain("no-transform");
    expect(subscriberCount()).toBe(1);
    expect(openStreams("user-1")).toBe(1);
    const frames = frameReader(res);
    expect(await frames.next()).toBe("retry: 3000\n: connected");

    await publish(acme, { connectionId: "c1", to: "failing" });
    let frame = await frames.next();
    while (frame.startsWith(": heartbeat")) frame = await frames.next();
    const [idLine, eventLine, dataLine] = frame.split("\n");
    expect(idLine).toMatch(/^id: \d+$/);
    expect(eventLine).toBe("event: connection.health_changed");
    expect(JSON.parse(dataLine!.slice("data: ".length))).toMatchObject({ type: "connection.health_changed", orgId: acme, data: { connectionId: "c1", to: "failing" } });
    // Nothing else happens: a heartbeat comment keeps the connection open.
    expect(await frames.next(1_000)).toBe(": heartbeat");

    abort.abort();
    expect(subscriberCount()).toBe(0);
    expect(openStreams("user-1")).toBe(0);
    // The stream ends rather than hanging.
    await expect(frames.reader.read()).resolves.toMatchObject({ done: true });

    // A client that goes away without aborting the request: the body is cancelled.
    const res2 = await openEventStream({ orgId: acme, userId: "user-1", signal: new AbortController().signal, lastEventId: "41" });
    const frames2 = frameReader(res2);
    expect(await frames2.next()).toBe("retry: 3000\n: connected");
    // Reconnecting with Last-Event-ID: there is no replay, so the client is told to refetch.
    expect(await frames2.next()).toBe('event: resync\ndata: {"reason":"reconnect"}');
    await frames2.reader.cancel();
    expect(subscriberCount()).toBe(0);
    expect(openStreams("user-1")).toBe(0);
  });

  it(`limits a user to ${MAX_STREAMS_PER_USER} open streams with a 429`, async () => {
    const aborts = Array.from({ length: MAX_STREAMS_PER_USER }, () => new AbortController());
    for (const a of aborts) await openEventStream({ orgId: acme, userId: "user-2", signal: a.signal });
    const over = await openEventStream({ orgId: acme, userId: "user-2", signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(isAppError(over)).toBe(true);
    const res = (over as { toResponse(): Response }).toResponse();
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("30");
    expect(await res.json()).toMatchObject({ error: { code: "rate_limited", message: expect.stringContaining("Close some tabs") } });
    // Another user is not affected, and closing one stream makes room again.
    const other = new AbortController();
    await openEventStream({ orgId: globex, userId: "user-3", signal: other.signal });
    aborts[0]!.abort();
    const again = new AbortController();
    await openEventStream({ orgId: acme, userId: "user-2", signal: again.signal });
    for (const a of [...aborts, other, again]) a.abort();
    expect(subscriberCount()).toBe(0);
    expect(openStreams("user-2")).toBe(0);
  });

  it("subscribers of one channel share one LISTEN; each gets every notification and a reset when it joins; the last one out closes it", async () => {
    const channel = `test_shared_${kind}`;
    const got: string[] = [];
    const resets: string[] = [];
    const listener = (name: string) => listenChannel(channel, { name, onNotification: (p) => got.push(`${name}:${p}`), onReset: () => resets.push(name) });
    const first = listener("a");
    await first.ready;
    const second = listener("b");
    await second.ready;
    expect(resets).toEqual(["a", "b"]);
    const listening = async () => {
      if (kind !== "postgres") return null;
      const r = await getDb().execute(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike ${`LISTEN ${channel}%`}`);
      return (r as unknown as { rows: { n: number }[] }).rows[0]!.n;
    };
    if (kind === "postgres") expect(await listening()).toBe(1);
    await getDb().execute(sql`select pg_notify(${channel}, 'one')`);
    await until(() => got.length === 2);
    expect(got.sort()).toEqual(["a:one", "b:one"]);
    await first.stop();
    await getDb().execute(sql`select pg_notify(${channel}, 'two')`);
    await until(() => got.length === 3);
    expect(got[2]).toBe("b:two");
    await second.stop();
    if (kind === "postgres") {
      const deadline = Date.now() + 5_000;
      while ((await listening()) !== 0) {
        if (Date.now() > deadline) throw new Error("the shared LISTEN connection stayed open after its last subscriber left");
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });

  if (kind === "postgres") {
    it("receives events committed by another connection and by another process", async () => {
      const sub = await subscribe(acme);
      const url = (handle as Extract<DbHandle, { kind: "postgres" }>).url;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const payload = (n: string) => JSON.stringify({ orgId: acme, type: "webhook.received", data: { n }, at: new Date().toISOString() });
      try {
        await client.query("begin");
        await client.query("select pg_notify($1, $2)", [EVENTS_CHANNEL, payload("other connection")]);
        // Not before commit.
        expect(await sub.next(200)).toBe("timeout");
        await client.query("commit");
        expect(await nextEvent(sub)).toMatchObject({ kind: "event", event: { type: "webhook.received", data: { n: "other connection" } } });
      } finally {
        await client.end();
      }

      const script = `import pg from "pg"; const c = new pg.Client({ connectionString: process.argv[1] }); await c.connect(); await c.query("begin"); await c.query("select pg_notify($1, $2)", [process.argv[2], process.argv[3]]); await c.query("commit"); await c.end();`;
      const child = spawn(process.execPath, ["--input-type=module", "-e", script, url, EVENTS_CHANNEL, payload("other process")], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(await nextEvent(sub)).toMatchObject({ kind: "event", event: { orgId: acme, data: { n: "other process" } } });
      sub.close();
    });

    it("tells subscribers to resync when the LISTEN connection drops, and listens again", async () => {
      const sub = await subscribe(acme);
      const url = (handle as Extract<DbHandle, { kind: "postgres" }>).url;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const killed = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'LISTEN ${EVENTS_CHANNEL}%'`);
        expect(killed.rowCount).toBe(1);
      } finally {
        await admin.end();
      }
      expect(await nextEvent(sub)).toEqual({ kind: "resync", reason: "reconnect" });
      // After reconnecting (backoff starts at 250 ms) a new commit is delivered again.
      const deadline = Date.now() + 10_000;
      for (;;) {
        await publish(acme, { probe: true });
        const m = await sub.next(300);
        if (m !== "timeout" && m !== null && m.kind === "event") break;
        if (Date.now() > deadline) throw new Error("no event after the listener reconnected");
      }
      sub.close();
    });
  }
});
