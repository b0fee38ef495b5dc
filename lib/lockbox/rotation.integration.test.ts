import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { getDb, type DbHandle, type Executor } from "@/db/client";
import { auditLog, encryptionKeys, integrations, integrationSecrets } from "@/db/schema";
import { testDbKinds, useTestDb } from "@/db/testing";
import { countSecretsByVersion, getRotation, listKeys } from "@/db/queries/encryption-keys";
import { upsertSecret } from "@/db/queries/integrations";
import { createConnection } from "@/lib/connections/service";
import { AppError } from "@/lib/errors";
import { createOrganizationFor } from "@/lib/organizations/members";
import { completeSetup } from "@/lib/organizations/setup";
import { getSettings } from "@/lib/settings";
import { stopSettingsListener } from "@/lib/settings/invalidation";
import { formatMasterKey, generateKek, sealString, secretAad } from "./crypto";
import { activeDek, clearDekCache, LockboxError, openSecret, scopeOf, sealSecret } from "./index";
import { masterKeys, setMasterKeysForTests } from "./keyring";
import { resumeRotations, rewrapDataKeys, runDekRotation, startDekRotation, verifyMasterKeys } from "./rotation";

// A hook into the rotation's per-batch progress write (the last statement of each batch's
// transaction): counts what the batches of this process add, and can throw right after the write,
// before the commit, as a crash at the worst moment would. Pass-through unless a test arms it.
const hooks = vi.hoisted(() => ({ failAfterCalls: Number.POSITIVE_INFINITY, calls: 0, progress: 0 }));
vi.mock("@/db/queries/encryption-keys", async (importOriginal) => {
  const mod = await importOriginal<typeof import("@/db/queries/encryption-keys")>();
  return {
    ...mod,
    addRotationProgress: async (id: string, n: number, tx: Executor) => {
      hooks.calls++;
      await mod.addRotationProgress(id, n, tx);
      if (hooks.calls > hooks.failAfterCalls) throw new Error("simulated crash before a batch commits");
      hooks.progress += n;
    },
  };
});

function armHooks(failAfterCalls = Number.POSITIVE_INFINITY) {
  hooks.failAfterCalls = failAfterCalls;
  hooks.calls = 0;
  hooks.progress = 0;
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PASSWORD = "correct horse battery";
const smtpValues = { host: "smtp.example.test", fromAddress: "no-reply@example.test", username: "mailer" };
type Actor = { id: string; email: string; isPlatformAdmin: boolean };
const keyOf = (integrationId: string, field: string) => `${integrationId}\u0000${field}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Expected = Map<string, string>;

/** Every stored secret opens to the value we last wrote; the DEK cache is dropped first so keys are unwrapped again. */
async function expectAllOpen(expected: Expected): Promise<void> {
  clearDekCache();
  const owners = new Map((await getDb().select({ id: integrations.id, orgId: integrations.orgId }).from(integrations)).map((r) => [r.id, r.orgId]));
  const rows = await getDb().select().from(integrationSecrets);
  expect(rows.length).toBe(expected.size);
  const wrong: string[] = [];
  for (const row of rows) {
    const want = expected.get(keyOf(row.integrationId, row.field));
    const got = await openSecret({ orgId: owners.get(row.integrationId)!, integrationId: row.integrationId, field: row.field, ciphertext: row.ciphertext });
    if (got !== want) wrong.push(`${row.field}: ${got} != ${want}`);
  }
  expect(wrong.slice(0, 5)).toEqual([]);
}

/**
 * Seed `fields` extra sealed values on one connection with one bulk insert. Sealed exactly as
 * sealSecret does (the scope's active key, the row's AAD), but the share-locked key lookup is
 * done once per transaction instead of once per value.
 */
async function seedFields(ref: { orgId: string | null; integrationId: string }, fields: number, expected: Expected, prefix = "x"): Promise<void> {
  await getDb().transaction(async (tx) => {
    const scope = scopeOf(ref.orgId);
    const { version, dek } = await activeDek(scope, ref.orgId, tx);
    const rows: (typeof integrationSecrets.$inferInsert)[] = [];
    for (let i = 0; i < fields; i++) {
      const field = `${prefix}${String(i).padStart(4, "0")}`;
      const value = `v0-${ref.integrationId.slice(0, 8)}-${field}`;
      const ciphertext = sealString(dek, version, value, secretAad(scope, ref.integrationId, field));
      rows.push({ integrationId: ref.integrationId, field, scope, ciphertext, dekVersion: version });
      expected.set(keyOf(ref.integrationId, field), value);
    }
    for (let i = 0; i < rows.length; i += 1000) await tx.insert(integrationSecrets).values(rows.slice(i, i + 1000));
  });
}

async function seedTenants() {
  const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: PASSWORD, orgName: "Acme", ip: null });
  const actor: Actor = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: setup.user.isPlatformAdmin };
  return { actor, acme: { id: setup.org.id, name: setup.org.name } };
}

async function connect(org: { id: string; name: string }, actor: Actor, name: string, password: string, expected: Expected, platformWide = false): Promise<string> {
  const { id } = await createConnection({ org, actor, providerKey: "smtp", platformWide, name, values: { ...smtpValues, password }, testBeforeSave: false, ip: null });
  expected.set(keyOf(id, "password"), password);
  return id;
}

describe.each(testDbKinds())("master keys and data-key rotation on %s", (kind) => {
  let handle: DbHandle;
  let actor: Actor;
  let acme: { id: string; name: string };
  let beta: { id: string; name: string };
  let acmeConn: string;
  const expected: Expected = new Map();

  beforeAll(async () => {
    handle = await useTestDb(kind);
    ({ actor, acme } = await seedTenants());
    const b = await createOrganizationFor(actor, "Beta Corp", null);
    beta = { id: b.id, name: b.name };
    acmeConn = await connect(acme, actor, "Acme mail", "acme-1", expected);
    await connect(acme, actor, "Acme backup", "acme-2", expected);
    await connect(beta, actor, "Beta mail", "beta-1", expected);
    await connect(acme, actor, "Platform mail", "platform-1", expected, true);
  });
  afterAll(async () => {
    await stopSettingsListener();
    delete (globalThis as { __patchbaySettingsCache?: unknown }).__patchbaySettingsCache;
    await handle.close();
  });

  it("verifyMasterKeys refuses a different key under the same id, and a missing one, with clear messages", async () => {
    await expect(verifyMasterKeys()).resolves.toBeUndefined();
    const original = masterKeys();
    try {
      setMasterKeysForTests([generateKek("test1")]);
      clearDekCache();
      const swapped = verifyMasterKeys();
      await expect(swapped).rejects.toBeInstanceOf(LockboxError);
      await expect(swapped).rejects.toMatchObject({
        code: "bad_master_keys",
        message: 'PATCHBAY_MASTER_KEYS: the key "test1" is not the one that wrapped the stored data keys (wrong key material).',
      });
      // The same wrong key never yields a plaintext either.
      const [row] = await getDb().select().from(integrationSecrets).where(eq(integrationSecrets.integrationId, acmeConn));
      await expect(openSecret({ orgId: acme.id, integrationId: acmeConn, field: row!.field, ciphertext: row!.ciphertext })).rejects.toMatchObject({ code: "decrypt_failed" });

      setMasterKeysForTests([generateKek("other")]);
      clearDekCache();
      await expect(verifyMasterKeys()).rejects.toMatchObject({ code: "unknown_key", message: expect.stringContaining('master key "test1", which is not in PATCHBAY_MASTER_KEYS') });
    } finally {
      setMasterKeysForTests(original);
      clearDekCache();
    }
    await expect(verifyMasterKeys()).resolves.toBeUndefined();
  });

  it("rewrapDataKeys moves every data key (active and decrypt-only) to a new primary master key; the old one can then go", async () => {
    // A decrypt-only version too: Beta's rotation is started but not run yet.
    const betaRotation = await startDekRotation({ orgId: beta.id, actor, ip: null });
    const before = await getDb().select().from(encryptionKeys);
    expect(before.length).toBeGreaterThanOrEqual(4); // acme v1, beta v1+v2, platform v1
    expect(new Set(before.map((k) => k.status))).toEqual(new Set(["active", "decrypt_only"]));
    expect(before.every((k) => k.kekId === "test1")).toBe(true);

    const [old] = masterKeys();
    const next = generateKek("k2");
    setMasterKeysForTests([next, old!]);
    clearDekCache();
    expect(await rewrapDataKeys()).toBe(before.length);
    const after = await getDb().select().from(encryptionKeys);
    expect(after).toHaveLength(before.length);
    for (const k of after) {
      const was = before.find((b) => b.scope === k.scope && b.version === k.version)!;
      expect(k.kekId).toBe("k2");
      expect(k.wrappedKey.startsWith("kw1.k2.")).toBe(true);
      expect(k.wrappedKey).not.toBe(was.wrappedKey);
      expect(k.status).toBe(was.status);
    }
    expect(await rewrapDataKeys()).toBe(0);
    await expectAllOpen(expected);

    // Only the new key from now on.
    setMasterKeysForTests([next]);
    clearDekCache();
    await expect(verifyMasterKeys()).resolves.toBeUndefined();
    await expectAllOpen(expected);
    expect((await getSettings("smtp", { orgId: beta.id })).password).toBe("beta-1");
    // …and the old key alone no longer opens anything.
    setMasterKeysForTests([old!]);
    clearDekCache();
    const [row] = await getDb().select().from(integrationSecrets).where(eq(integrationSecrets.integrationId, acmeConn));
    await expect(openSecret({ orgId: acme.id, integrationId: acmeConn, field: row!.field, ciphertext: row!.ciphertext })).rejects.toMatchObject({ code: "unknown_key" });
    setMasterKeysForTests([next]);
    clearDekCache();

    // The pending rotation finishes under the new master key.
    armHooks();
    expect(await runDekRotation(betaRotation.id)).toBe("completed");
    expect(await getRotation(betaRotation.id)).toMatchObject({ status: "completed", processed: 1, total: 1 });
    await expectAllOpen(expected);
  });

  it("a rotation that crashes before a batch commits resumes exactly where it stopped, without double counting", async () => {
    await seedFields({ orgId: acme.id, integrationId: acmeConn }, 300, expected);
    const scope = scopeOf(acme.id);
    const [oldRow] = await getDb()
      .select()
      .from(integrationSecrets)
      .where(and(eq(integrationSecrets.integrationId, acmeConn), eq(integrationSecrets.field, "x0000")));

    const rotation = await startDekRotation({ orgId: acme.id, actor, ip: null });
    expect(rotation).toMatchObject({ scope, fromVersion: 1, toVersion: 2, total: 302, processed: 0, status: "running" });
    await expect(startDekRotation({ orgId: acme.id, actor, ip: null })).rejects.toSatisfy((e) => e instanceof AppError && e.code === "conflict");

    // Crash in the third batch of 50, after its progress was written: its re-encryptions and its progress roll back together.
    armHooks(2);
    await expect(runDekRotation(rotation.id, { batchSize: 50 })).rejects.toThrow("simulated crash before a batch commits");
    const stopped = await getRotation(rotation.id);
    expect(stopped).toMatchObject({ status: "running", processed: 100, heartbeatAt: null, error: "simulated crash before a batch commits" });
    expect(Object.fromEntries(await countSecretsByVersion(scope))).toEqual({ 1: 202, 2: 100 });
    await expectAllOpen(expected); // mixed versions: both keys open

    // What start-up does: resume every running rotation (in the background).
    armHooks();
    await resumeRotations();
    const resumedBy = Date.now() + 30_000;
    while ((await getRotation(rotation.id))!.status === "running") {
      if (Date.now() > resumedBy) throw new Error("the resumed rotation did not finish in 30 s");
      await sleep(20);
    }
    expect(hooks.progress).toBe(202); // each remaining row exactly once
    const done = await getRotation(rotation.id);
    expect(done).toMatchObject({ status: "completed", processed: 302, total: 302 });
    expect(done!.finishedAt).toBeInstanceOf(Date);
    expect(Object.fromEntries(await countSecretsByVersion(scope))).toEqual({ 2: 302 });
    expect((await listKeys(scope)).map((k) => [k.version, k.status])).toEqual([
      [2, "active"],
      [1, "retired"],
    ]);
    await expectAllOpen(expected);
    expect((await getSettings("smtp", { orgId: acme.id })).password).toBe("acme-1");

    // Running it again is a no-op.
    armHooks();
    expect(await runDekRotation(rotation.id, { batchSize: 50 })).toBe("skipped");
    expect(hooks.calls).toBe(0);
    expect(await getRotation(rotation.id)).toMatchObject({ status: "completed", processed: 302 });
    const completions = await getDb()
      .select({ n: sql<number>`count(*)::int` })
      .from(auditLog)
      .where(and(eq(auditLog.action, "lockbox.dek_rotation_completed"), eq(auditLog.targetId, `${scope}:2`)));
    expect(completions[0]!.n).toBe(1);

    // A value still sealed with the retired version no longer opens (once the key is not cached).
    clearDekCache();
    await expect(openSecret({ orgId: acme.id, integrationId: acmeConn, field: "x0000", ciphertext: oldRow!.ciphertext })).rejects.toMatchObject({ code: "retired_key" });
  });
});

// ---------------------------------------------------------------------------------------------
// 10,000 secrets, the rotation killed part-way in another process while values keep changing.

const BIG_CONNECTIONS = 20;
const FIELDS_PER_CONNECTION = 500; // the password plus 499 seeded fields
const UPDATED_SECRETS = 200;
const KILL_AT = 0.3;
const CHILD_BATCH = 200;
const CHILD_APP = "pb-rotate-child";

describe.each(testDbKinds().filter((k) => k === "postgres"))("data-key rotation of 10,000 secrets, killed and resumed, on %s", (kind) => {
  let handle: DbHandle;
  let child: ReturnType<typeof spawn> | undefined;

  beforeAll(async () => {
    handle = await useTestDb(kind);
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child!.once("exit", r));
      child.kill("SIGKILL");
      await gone;
    }
    await handle.close();
  });

  it("every secret ends on the new version with its latest value; processed == total exactly", async () => {
    if (handle.kind !== "postgres") throw new Error("expected a PostgreSQL handle");
    const t = { start: performance.now() } as Record<string, number>;
    const expected: Expected = new Map();
    const { actor, acme } = await seedTenants();
    for (let c = 0; c < BIG_CONNECTIONS; c++) {
      const id = await connect(acme, actor, `Mail ${c}`, `pw-${c}`, expected);
      await seedFields({ orgId: acme.id, integrationId: id }, FIELDS_PER_CONNECTION - 1, expected, "f");
    }
    const scope = scopeOf(acme.id);
    const total = BIG_CONNECTIONS * FIELDS_PER_CONNECTION;
    expect(expected.size).toBe(total);
    t.seeded = performance.now();

    const rotation = await startDekRotation({ orgId: acme.id, actor, ip: null });
    expect(rotation.total).toBe(total);
    const { toVersion } = rotation;

    // The rotation runs in another process, which we kill.
    const url = new URL(handle.url);
    url.searchParams.set("application_name", CHILD_APP);
    const proc = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "lib/lockbox/testing/rotate.ts", rotation.id, String(CHILD_BATCH)], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url.toString(), PATCHBAY_MASTER_KEYS: masterKeys().map(formatMasterKey).join(","), AUTH_SECRET: "a".repeat(40), LOG_LEVEL: "warn", NODE_ENV: "test" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    let stderr = "";
    proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const childLines: { type: string }[] = [];
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      try {
        const parsed = JSON.parse(line) as { rotate?: boolean; type: string };
        if (parsed.rotate) childLines.push(parsed);
      } catch {
        // a log line
      }
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));

    // Once it is under way, values keep changing: 200 secrets, again and again, through sealSecret
    // + upsert, racing the worker's batches (and waiting on their row locks).
    for (let i = 0; ((await getRotation(rotation.id))?.processed ?? 0) === 0; i++) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`the rotation process ended early: ${JSON.stringify(childLines)} ${stderr.slice(-2000)}`);
      if (i > 6000) throw new Error(`the rotation process made no progress in 30 s: ${stderr.slice(-2000)}`);
      await sleep(5);
    }
    t.childFirstBatch = performance.now();
    const keys = [...expected.keys()].sort();
    const chosen = keys.filter((_, i) => i % (total / UPDATED_SECRETS) === 0);
    expect(chosen).toHaveLength(UPDATED_SECRETS);
    const writer = { stop: false, updates: 0, movedByWriter: 0, touched: new Set<string>(), error: undefined as unknown };
    const writerDone = (async () => {
      for (let i = 0; !writer.stop; i++) {
        const key = chosen[i % chosen.length]!;
        const [integrationId, field] = key.split("\u0000") as [string, string];
        const value = `v${i + 1}-${field}`;
        await getDb().transaction(async (tx) => {
          const [current] = await tx
            .select({ dekVersion: integrationSecrets.dekVersion })
            .from(integrationSecrets)
            .where(and(eq(integrationSecrets.integrationId, integrationId), eq(integrationSecrets.field, field)))
            .for("update");
          const sealed = await sealSecret(tx, { orgId: acme.id, integrationId, field }, value);
          expect(sealed.dekVersion).toBe(toVersion);
          await upsertSecret({ integrationId, field, scope: sealed.scope, ciphertext: sealed.ciphertext, dekVersion: sealed.dekVersion, updatedBy: actor.id }, tx);
          // This row leaves the old version through the writer, not the rotation.
          if (current!.dekVersion !== toVersion) writer.movedByWriter++;
        });
        expected.set(key, value);
        writer.touched.add(key);
        writer.updates++;
        await sleep(2);
      }
    })().catch((e: unknown) => {
      writer.error = e;
    });

    // Kill the worker once it has committed ~30%.
    let processedSeen = 0;
    for (;;) {
      const r = await getRotation(rotation.id);
      processedSeen = r!.processed;
      if (processedSeen >= KILL_AT * total) break;
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`the rotation process ended before it was killed: ${JSON.stringify(childLines)} ${stderr.slice(-2000)}`);
      await sleep(5);
    }
    t.killedAt = performance.now();
    proc.kill("SIGKILL");
    expect(await exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(childLines.map((l) => l.type)).toEqual(["started"]);
    // Wait until the server has ended its session (its open batch rolls back).
    for (let i = 0; ; i++) {
      const gone = await handle.pool.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = $1", [CHILD_APP]);
      if (gone.rows[0]!.n === 0) break;
      if (i > 500) throw new Error("the killed worker's session never ended");
      await sleep(10);
    }
    const atKill = (await getRotation(rotation.id))!;
    expect(atKill.status).toBe("running");
    expect(atKill.processed).toBeGreaterThanOrEqual(KILL_AT * total);
    expect(atKill.processed).toBeLessThan(total);
    expect(atKill.processed % CHILD_BATCH).toBe(0); // whole committed batches only: the open one rolled back
    const onNewAtKill = (await countSecretsByVersion(scope)).get(toVersion) ?? 0;
    expect(onNewAtKill).toBeGreaterThanOrEqual(atKill.processed);

    // Its heartbeat is fresh: a normal resume leaves it alone (it might still be alive)…
    expect(await runDekRotation(rotation.id)).toBe("skipped");
    // …and a resume that treats it as stale takes over and finishes, while the writer goes on.
    armHooks();
    t.resumeStart = performance.now();
    expect(await runDekRotation(rotation.id, { staleAfterMs: 0 })).toBe("completed");
    t.resumed = performance.now();
    // The batched rotation can outrun the writer: let it finish one pass over its secrets first.
    while (writer.touched.size < UPDATED_SECRETS && !writer.error) await new Promise((r) => setTimeout(r, 20));
    writer.stop = true;
    await writerDone;
    expect(writer.error).toBeUndefined();
    expect(writer.touched.size).toBe(UPDATED_SECRETS);
    expect(writer.updates).toBeGreaterThanOrEqual(UPDATED_SECRETS);

    // Exact accounting: every row left the old version exactly once, through the killed worker's
    // committed batches, the resumed run, or a writer.
    expect(atKill.processed + hooks.progress + writer.movedByWriter).toBe(total);
    const done = (await getRotation(rotation.id))!;
    expect(done).toMatchObject({ status: "completed", total, processed: total });
    expect(Object.fromEntries(await countSecretsByVersion(scope))).toEqual({ [toVersion]: total });
    expect((await listKeys(scope)).map((k) => [k.version, k.status])).toEqual([
      [toVersion, "active"],
      [rotation.fromVersion, "retired"],
    ]);
    await expectAllOpen(expected);
    t.verified = performance.now();

    const ms = (a: number, b: number) => Math.round(b - a);
    console.log(
      `[rotation] ${total} secrets: seed ${ms(t.start!, t.seeded!)} ms; child start-up to first batch ${ms(t.seeded!, t.childFirstBatch!)} ms; ` +
        `child killed at processed=${atKill.processed} ${ms(t.childFirstBatch!, t.killedAt!)} ms after its first batch; ` +
        `resume ${ms(t.resumeStart!, t.resumed!)} ms for ${hooks.progress} rows (${Math.round(hooks.progress / ((t.resumed! - t.resumeStart!) / 1000))} rows/s); ` +
        `writer ${writer.updates} updates of ${writer.touched.size} secrets, ${writer.movedByWriter} moved to the new version by the writer; verify ${ms(t.resumed!, t.verified!)} ms`,
    );
  });
});
