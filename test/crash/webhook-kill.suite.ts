// Crash safety of inbound webhooks: the webhook server is SIGKILLed (whole process group) while
// ~20 concurrent senders deliver GitHub-signed events; every delivery that got a 2xx must be in
// webhook_events. Then the server is started again and the unacknowledged deliveries are sent
// again, as GitHub would redeliver them: each is stored exactly once, and those that were already
// committed when the server died are acknowledged as duplicates.
//
// The server is test/crash/server.ts: the real start-up (lib/boot.ts) and the real route handler
// (app/api/webhooks/[connectionId]/route.ts) behind a plain node:http server, NOT `next start`
// (see that file): Next's own HTTP layer is not part of what is tested here.
//
// Runs only where TEST_DATABASE_URL names a PostgreSQL server (a server process and this test
// process share the database; PGlite is one process by design).
import { generateKeyPairSync } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb, type DbHandle } from "@/db/client";
import { testDbKinds, useTestDb } from "@/db/testing";
import { createConnection } from "@/lib/connections/service";
import { formatMasterKey } from "@/lib/lockbox/crypto";
import { masterKeys } from "@/lib/lockbox/keyring";
import { completeSetup } from "@/lib/organizations/setup";
import { githubDelivery, type Signed } from "@/lib/webhooks/testing/signers";
import { Child, type Line } from "../scale-out/processes";

const START_MS = 60_000;
const CLIENTS = 20;
/** The server is killed once this many deliveries were acknowledged (or after KILL_AFTER_MS). */
const KILL_AT_ACKS = 200;
const KILL_AFTER_MS = 10_000;
const MIN_ACKS = 50;
const SECRET = "crash-test-webhook-secret";

const ready = (l: Line) => l.crash === true && l.event === "ready";

type Outcome = { delivery: Signed; id: string; status?: number; duplicate?: boolean; error?: string };

describe.each(testDbKinds().filter((k) => k === "postgres"))("webhook server SIGKILLed under load on %s", (kind) => {
  let handle: DbHandle;
  let connectionId: string;
  let childEnv: NodeJS.ProcessEnv;
  const children: Child[] = [];

  async function startServer(name: string): Promise<{ child: Child; url: string }> {
    const child = new Child(name, "test/crash/server.ts", childEnv);
    children.push(child);
    const line = await child.waitFor(ready, START_MS, "ready");
    return { child, url: `http://127.0.0.1:${String(line.port)}/api/webhooks/${connectionId}` };
  }

  async function deliver(url: string, delivery: Signed): Promise<{ status: number; duplicate?: boolean }> {
    const res = await fetch(url, { method: "POST", headers: delivery.headers, body: delivery.body });
    const json = (await res.json().catch(() => ({}))) as { duplicate?: boolean };
    return { status: res.status, duplicate: json.duplicate };
  }

  async function storedCounts(): Promise<Map<string, number>> {
    const res = (await getDb().execute(sql`select delivery_id, count(*)::int as n from webhook_events where integration_id = ${connectionId} group by delivery_id`)) as unknown as { rows: { delivery_id: string; n: number }[] };
    return new Map(res.rows.map((r) => [r.delivery_id, r.n]));
  }

  beforeAll(async () => {
    handle = await useTestDb(kind);
    if (handle.kind !== "postgres") throw new Error("expected a PostgreSQL handle");
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    const org = { id: setup.org.id, name: setup.org.name };
    const actor = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: setup.user.isPlatformAdmin };
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const values = { appId: 1, appSlug: "acme-crash", privateKey, webhookSecret: SECRET };
    connectionId = (await createConnection({ org, actor, providerKey: "github-app", platformWide: false, name: "GH crash", values, testBeforeSave: false, ip: null })).id;
    childEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: (handle as DbHandle & { url: string }).url,
      PATCHBAY_MASTER_KEYS: masterKeys().map(formatMasterKey).join(","),
      AUTH_SECRET: "a".repeat(40),
      PATCHBAY_DISABLE_WORKERS: "true",
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
    };
  }, START_MS);

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
    for (const c of children) {
      const bad = c.lines.filter((l) => (typeof l.level === "number" && l.level >= 50) || l.event === "handler-error");
      if (bad.length) console.log(`[crash] ${c.name} logged ${bad.length} error line(s): ${JSON.stringify(bad.slice(0, 5))}`);
    }
    await handle?.close();
  }, 30_000);

  it("every acknowledged delivery survives a SIGKILL; redelivered ones are stored exactly once", async () => {
    const first = await startServer("webhook server 1");
    const outcomes: Outcome[] = [];
    const inFlight = new Set<Outcome>();
    let acks = 0;
    let killed = false;
    let seq = 0;
    let killedAt: { acks: number; inFlight: number; sent: number } | null = null;

    const kill = () => {
      if (killed) return;
      killed = true;
      killedAt = { acks, inFlight: inFlight.size, sent: outcomes.length };
      first.child.signal("SIGKILL");
    };

    const client = async (n: number) => {
      while (!killed) {
        const id = crypto.randomUUID();
        const delivery = await githubDelivery(SECRET, { action: "opened", number: ++seq, client: n, pull_request: { id: seq, title: `change ${seq}` } }, { event: "pull_request", delivery: id });
        const o: Outcome = { delivery, id };
        outcomes.push(o);
        inFlight.add(o);
        try {
          const r = await deliver(first.url, delivery);
          o.status = r.status;
          o.duplicate = r.duplicate;
        } catch (err) {
          o.error = (err as Error).message;
        } finally {
          inFlight.delete(o);
        }
        // Counted after this request left `inFlight`: the kill's in-flight figure is the other clients'.
        if (o.status !== undefined && o.status >= 200 && o.status < 300 && ++acks >= KILL_AT_ACKS) kill();
      }
    };

    const t0 = Date.now();
    const timer = setTimeout(kill, KILL_AFTER_MS);
    await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
    clearTimeout(timer);
    const loadMs = Date.now() - t0;
    expect(await first.child.exit()).toContain("SIGKILL");

    const acked = outcomes.filter((o) => o.status !== undefined && o.status >= 200 && o.status < 300);
    const rejected = outcomes.filter((o) => o.status !== undefined && (o.status < 200 || o.status >= 300));
    const failed = outcomes.filter((o) => o.status === undefined);
    const stored = await storedCounts();
    const unackedStored = failed.filter((o) => stored.has(o.id)).length;
    console.log(
      `[crash] ${outcomes.length} deliveries sent in ${loadMs} ms by ${CLIENTS} clients; killed at ${JSON.stringify(killedAt)}; ` +
        `acknowledged ${acked.length}, non-2xx ${rejected.length}, no answer (in flight at the kill) ${failed.length}, of which already stored ${unackedStored}; rows ${stored.size}`,
    );

    // The test proves something only if the kill came under load, after many acknowledgements.
    expect(acked.length).toBeGreaterThan(MIN_ACKS);
    expect(failed.length).toBeGreaterThan(0);
    // No answer was an error: before the kill, every delivery was accepted as new.
    expect(rejected.map((o) => o.status)).toEqual([]);
    expect(acked.filter((o) => o.status !== 202 || o.duplicate !== false)).toEqual([]);
    // The point: a 2xx means stored.
    expect(acked.filter((o) => stored.get(o.id) !== 1).map((o) => o.id)).toEqual([]);
    // And nothing was stored that was never sent.
    const sentIds = new Set(outcomes.map((o) => o.id));
    expect([...stored.keys()].filter((id) => !sentIds.has(id))).toEqual([]);

    // Restart; redeliver everything that got no answer, plus a few acknowledged ones.
    const second = await startServer("webhook server 2");
    const before = await storedCounts();
    const again = [...failed, ...acked.slice(0, 5)];
    const results = await Promise.all(again.map(async (o) => ({ o, r: await deliver(second.url, o.delivery), wasStored: before.has(o.id) })));
    expect(results.filter(({ r }) => r.status !== 202)).toEqual([]);
    // Already committed before the kill → a duplicate; otherwise → stored now.
    expect(results.filter(({ r, wasStored }) => r.duplicate !== wasStored).map(({ o, wasStored }) => ({ id: o.id, wasStored }))).toEqual([]);
    const after = await storedCounts();
    expect(outcomes.filter((o) => after.get(o.id) !== 1).map((o) => ({ id: o.id, n: after.get(o.id) ?? 0 }))).toEqual([]);
    expect(after.size).toBe(outcomes.length);
  }, 120_000);
});
