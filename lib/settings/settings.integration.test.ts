import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { getDb } from "@/db/client";
import { integrationSecrets } from "@/db/schema";
import { testDbKinds, useTestDb } from "@/db/testing";
import { upsertSecret } from "@/db/queries/integrations";
import { createConnection, revealSecret, setConnectionEnabled, updateConnection } from "@/lib/connections/service";
import { LockboxError, openSecret, sealSecret, scopeOf } from "@/lib/lockbox";
import { completeSetup } from "@/lib/organizations/setup";
import { createOrganizationFor } from "@/lib/organizations/members";
import { getSettings, IntegrationDisabledError, IntegrationNotConfiguredError, IntegrationUnavailableError, loadConnectionSettings, resolveSettings } from "./index";
import { notifySettingsChanged, onSettingsChange, stopSettingsListener, type SettingsChange } from "./invalidation";

const PASSWORD = "correct horse battery";

/** Poll until fn stops throwing (or returns true), then one last attempt whose failure is the test's failure. */
async function eventually<T>(fn: () => Promise<T>, timeoutMs = 1000, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * The LISTEN connection starts asynchronously on first use; until it is listening, a change can go
 * unnoticed. Wait until a probe notification makes the round trip.
 */
async function listenerReady(): Promise<void> {
  let seen = false;
  const probe = `probe-${Math.random().toString(36).slice(2)}`;
  const off = onSettingsChange((c) => {
    if (c !== "reset" && c.providerKey === probe) seen = true;
  });
  try {
    const deadline = Date.now() + 10_000;
    while (!seen) {
      if (Date.now() > deadline) throw new Error("the settings listener never received a probe notification");
      await notifySettingsChanged(getDb(), { providerKey: probe, orgId: "probe" });
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    off();
  }
}

/** Write a new sealed password without announcing it: what a cache that never refreshes would miss. */
async function writeSilently(ref: { orgId: string | null; integrationId: string }, value: string): Promise<void> {
  await getDb().transaction(async (tx) => {
    const sealed = await sealSecret(tx, { ...ref, field: "password" }, value);
    await upsertSecret({ integrationId: ref.integrationId, field: "password", scope: sealed.scope, ciphertext: sealed.ciphertext, dekVersion: sealed.dekVersion, updatedBy: null }, tx);
  });
}

const acmeValues = { host: "smtp.acme.test", fromAddress: "no-reply@acme.test", username: "acme-mailer" };
const platformValues = { host: "smtp.platform.test", port: "2525", security: "tls", fromAddress: "platform@patchbay.test", fromName: "Patchbay", timeoutMs: "15000" };

describe.each(testDbKinds())("getSettings on %s", (kind) => {
  let handle: DbHandle;
  let actor: { id: string; email: string; isPlatformAdmin: boolean };
  let acme: { id: string; name: string };
  let beta: { id: string; name: string };
  let gamma: { id: string; name: string };
  let acmeConn: string;
  let platformConn: string;

  beforeAll(async () => {
    handle = await useTestDb(kind);
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: PASSWORD, orgName: "Acme", ip: null });
    actor = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: setup.user.isPlatformAdmin };
    expect(actor.isPlatformAdmin).toBe(true);
    acme = { id: setup.org.id, name: setup.org.name };
    const b = await createOrganizationFor(actor, "Beta Corp", null);
    const c = await createOrganizationFor(actor, "Gamma Ltd", null);
    beta = { id: b.id, name: b.name };
    gamma = { id: c.id, name: c.name };
  });

  afterAll(async () => {
    await stopSettingsListener();
    // stopSettingsListener drops every subscriber, including the settings cache's own; the cache
    // object would survive on globalThis without a subscription into the next database's suite.
    delete (globalThis as { __patchbaySettingsCache?: unknown }).__patchbaySettingsCache;
    await handle.close();
  });

  it("names the organization and the page to fix it when nothing is configured", async () => {
    const attempt = getSettings("smtp", { orgId: gamma.id });
    await expect(attempt).rejects.toBeInstanceOf(IntegrationNotConfiguredError);
    await expect(attempt).rejects.toThrow(/^SMTP is not configured for Gamma Ltd\. An admin can set it up at \/integrations\/smtp\.$/);
    await expect(getSettings("smtp", { orgId: gamma.id })).rejects.toMatchObject({
      message: "SMTP is not configured for Gamma Ltd. An admin can set it up at /integrations/smtp.",
      code: "not_found",
    });
  });

  it("falls back from the organization's connection to the platform-wide one", async () => {
    acmeConn = (await createConnection({ org: acme, actor, providerKey: "smtp", platformWide: false, name: "Acme mail", values: { ...acmeValues, password: "acme-secret-1" }, testBeforeSave: false, ip: null })).id;
    // Beta still has nothing: no platform-wide connection yet.
    await expect(getSettings("smtp", { orgId: beta.id })).rejects.toThrow("SMTP is not configured for Beta Corp. An admin can set it up at /integrations/smtp.");

    platformConn = (await createConnection({ org: acme, actor, providerKey: "smtp", platformWide: true, name: "Platform mail", values: { ...platformValues, password: "platform-secret-1" }, testBeforeSave: false, ip: null })).id;

    const a = await getSettings("smtp", { orgId: acme.id });
    expect(a.host).toBe("smtp.acme.test");
    expect(a.password).toBe("acme-secret-1");
    for (const org of [beta, gamma]) {
      const s = await eventually(async () => getSettings("smtp", { orgId: org.id }));
      expect(s.host).toBe("smtp.platform.test");
      expect(s.password).toBe("platform-secret-1");
    }
    const b = await resolveSettings("smtp", { orgId: beta.id });
    expect(b.connection).toMatchObject({ id: platformConn, scope: "platform", name: "Platform mail" });
    expect((await resolveSettings("smtp", { orgId: acme.id })).connection).toMatchObject({ id: acmeConn, scope: "organization" });
  });

  it("a connection id of another provider, or not an id at all, is no connection of this provider", async () => {
    expect((await resolveSettings("smtp", { orgId: acme.id, connectionId: acmeConn })).connection.id).toBe(acmeConn);
    await expect(resolveSettings("slack", { orgId: acme.id, connectionId: acmeConn })).rejects.toThrow(IntegrationNotConfiguredError);
    await expect(resolveSettings("smtp", { orgId: acme.id, connectionId: "x".repeat(5000) })).rejects.toThrow(IntegrationNotConfiguredError);
  });

  it("returns typed settings with defaults applied, the password decrypted, and each field's source", async () => {
    const a = await getSettings("smtp", { orgId: acme.id });
    expect(a).toEqual({
      host: "smtp.acme.test",
      port: 587,
      security: "starttls",
      username: "acme-mailer",
      fromAddress: "no-reply@acme.test",
      timeoutMs: 10000,
      password: "acme-secret-1",
    });
    expect(typeof a.port).toBe("number");

    const resolved = await resolveSettings("smtp", { orgId: acme.id });
    expect(resolved.sources).toEqual({
      host: "organization",
      port: "default",
      security: "default",
      username: "organization",
      fromAddress: "organization",
      fromName: "unset",
      timeoutMs: "default",
      password: "organization",
    });

    const platform = await resolveSettings("smtp", { orgId: beta.id });
    expect(platform.settings).toMatchObject({ port: 2525, security: "tls", timeoutMs: 15000, fromName: "Patchbay", password: "platform-secret-1" });
    expect(platform.sources).toEqual({
      host: "platform",
      port: "platform",
      security: "platform",
      username: "unset",
      fromAddress: "platform",
      fromName: "platform",
      timeoutMs: "platform",
      password: "platform",
    });

    // The connection page's view of one connection, whatever its state, agrees.
    const one = await loadConnectionSettings(acmeConn, acme.id);
    expect(one).toMatchObject({ enabled: true, providerKey: "smtp", settings: { password: "acme-secret-1", port: 587 } });
  });

  it("a disabled connection is an IntegrationDisabledError naming its page; enabling it again works", async () => {
    await getSettings("smtp", { orgId: acme.id }); // cached
    await setConnectionEnabled({ org: acme, actor, id: acmeConn, enabled: false, ip: null });
    const error = await eventually(async () => {
      const e = await getSettings("smtp", { orgId: acme.id }).then(
        () => null,
        (err: unknown) => err,
      );
      if (!(e instanceof IntegrationDisabledError)) throw new Error(`expected IntegrationDisabledError, got ${String(e)}`);
      return e;
    });
    expect(error.message).toBe(`The SMTP connection "Acme mail" is disabled. An admin can enable it at /connections/${acmeConn}.`);
    expect(error.code).toBe("conflict");
    // A disabled organization connection is not silently replaced by the platform-wide one.
    await expect(resolveSettings("smtp", { orgId: acme.id })).rejects.toBeInstanceOf(IntegrationDisabledError);

    await setConnectionEnabled({ org: acme, actor, id: acmeConn, enabled: true, ip: null });
    const back = await eventually(() => getSettings("smtp", { orgId: acme.id }));
    expect(back).toMatchObject({ host: "smtp.acme.test", password: "acme-secret-1" });
  });

  it("a committed change reaches a warm cache through NOTIFY; a rolled-back one does not", async () => {
    await getSettings("smtp", { orgId: acme.id });
    await listenerReady();

    // The cache really caches: a write that announces nothing stays invisible.
    expect((await getSettings("smtp", { orgId: acme.id })).password).toBe("acme-secret-1");
    await writeSilently({ orgId: acme.id, integrationId: acmeConn }, "written-without-notify");
    await new Promise((r) => setTimeout(r, 100));
    expect((await getSettings("smtp", { orgId: acme.id })).password).toBe("acme-secret-1");

    // A rolled-back transaction that announced a change: nothing is invalidated.
    const seen: SettingsChange[] = [];
    const off = onSettingsChange((c) => {
      if (c !== "reset") seen.push(c);
    });
    const rollback = getDb().transaction(async (tx) => {
      const sealed = await sealSecret(tx, { orgId: acme.id, integrationId: acmeConn, field: "password" }, "rolled-back-value");
      await upsertSecret({ integrationId: acmeConn, field: "password", scope: sealed.scope, ciphertext: sealed.ciphertext, dekVersion: sealed.dekVersion, updatedBy: null }, tx);
      await notifySettingsChanged(tx, { providerKey: "smtp", orgId: acme.id, connectionId: acmeConn });
      throw new Error("roll back");
    });
    await expect(rollback).rejects.toThrow("roll back");
    await new Promise((r) => setTimeout(r, 300));
    off();
    expect(seen).toEqual([]);
    // Had the cache been invalidated, this would now read "written-without-notify" from the database.
    expect((await getSettings("smtp", { orgId: acme.id })).password).toBe("acme-secret-1");

    // A committed transaction that announces its change with NOTIFY only (what a change made by
    // another process looks like here): the warm cache picks it up within a second.
    await getDb().transaction(async (tx) => {
      const sealed = await sealSecret(tx, { orgId: acme.id, integrationId: acmeConn, field: "password" }, "notified-value");
      await upsertSecret({ integrationId: acmeConn, field: "password", scope: sealed.scope, ciphertext: sealed.ciphertext, dekVersion: sealed.dekVersion, updatedBy: null }, tx);
      await notifySettingsChanged(tx, { providerKey: "smtp", orgId: acme.id, connectionId: acmeConn });
    });
    const started = Date.now();
    await eventually(async () => expect((await getSettings("smtp", { orgId: acme.id })).password).toBe("notified-value"));
    expect(Date.now() - started).toBeLessThan(1000);

    // A change through the service: the saving process reads its own write at once (local drop
    // after commit), without waiting for the notification.
    await updateConnection({ org: acme, actor, id: acmeConn, name: "Acme mail", values: { ...acmeValues, password: "acme-secret-2" }, testBeforeSave: false, ip: null });
    expect((await getSettings("smtp", { orgId: acme.id })).password).toBe("acme-secret-2");

    // A platform-wide change reaches every organization that falls back to it, through NOTIFY too.
    expect((await getSettings("smtp", { orgId: beta.id })).password).toBe("platform-secret-1");
    expect((await getSettings("smtp", { orgId: gamma.id })).password).toBe("platform-secret-1");
    await getDb().transaction(async (tx) => {
      const sealed = await sealSecret(tx, { orgId: null, integrationId: platformConn, field: "password" }, "platform-notified");
      await upsertSecret({ integrationId: platformConn, field: "password", scope: sealed.scope, ciphertext: sealed.ciphertext, dekVersion: sealed.dekVersion, updatedBy: null }, tx);
      await notifySettingsChanged(tx, { providerKey: "smtp", orgId: null, connectionId: platformConn });
    });
    await eventually(async () => {
      expect((await getSettings("smtp", { orgId: beta.id })).password).toBe("platform-notified");
      expect((await getSettings("smtp", { orgId: gamma.id })).password).toBe("platform-notified");
    });
    await updateConnection({ org: beta, actor, id: platformConn, name: "Platform mail", values: { ...platformValues, password: "platform-secret-2" }, testBeforeSave: false, ip: null });
    expect((await getSettings("smtp", { orgId: beta.id })).password).toBe("platform-secret-2");
    expect((await getSettings("smtp", { orgId: gamma.id })).password).toBe("platform-secret-2");
    expect((await getSettings("smtp", { orgId: acme.id })).password).toBe("acme-secret-2");
  });

  it("stores ciphertext only, bound to its row: a copied ciphertext does not open elsewhere", async () => {
    const [row] = await getDb()
      .select()
      .from(integrationSecrets)
      .where(and(eq(integrationSecrets.integrationId, acmeConn), eq(integrationSecrets.field, "password")));
    expect(row).toBeDefined();
    const ciphertext = row!.ciphertext;
    expect(ciphertext.startsWith("pb1.")).toBe(true);
    expect(ciphertext).not.toContain("acme-secret-2");
    for (const encoding of ["base64", "base64url", "hex"] as const) expect(ciphertext).not.toContain(Buffer.from("acme-secret-2").toString(encoding));
    expect(row!.scope).toBe(scopeOf(acme.id));
    // Control: it opens where it belongs.
    expect(await openSecret({ orgId: acme.id, integrationId: acmeConn, field: "password", ciphertext })).toBe("acme-secret-2");

    // A second connection in the same organization (same data key): only the AAD differs.
    const other = (await createConnection({ org: acme, actor, providerKey: "smtp", platformWide: false, name: "Acme backup", values: { ...acmeValues, host: "backup.acme.test", password: "backup-secret" }, testBeforeSave: false, ip: null })).id;
    await getDb()
      .update(integrationSecrets)
      .set({ ciphertext })
      .where(and(eq(integrationSecrets.integrationId, other), eq(integrationSecrets.field, "password")));

    const [copied] = await getDb()
      .select()
      .from(integrationSecrets)
      .where(and(eq(integrationSecrets.integrationId, other), eq(integrationSecrets.field, "password")));
    expect(copied!.ciphertext).toBe(ciphertext);
    const open = openSecret({ orgId: acme.id, integrationId: other, field: "password", ciphertext: copied!.ciphertext });
    await expect(open).rejects.toBeInstanceOf(LockboxError);
    await expect(open).rejects.toMatchObject({ code: "decrypt_failed" });
    // Same row, another field: an AAD mismatch too.
    await expect(openSecret({ orgId: acme.id, integrationId: acmeConn, field: "username", ciphertext })).rejects.toMatchObject({ code: "decrypt_failed" });
    await expect(revealSecret({ org: acme, actor, id: other, field: "password", ip: null })).rejects.toBeInstanceOf(LockboxError);
    // Settings reads turn it into an error that names the page, never a wrong plaintext.
    const load = loadConnectionSettings(other, acme.id);
    await expect(load).rejects.toBeInstanceOf(IntegrationUnavailableError);
    await expect(load).rejects.toThrow(`SMTP connection "Acme backup": the stored password cannot be decrypted (decrypt_failed). An admin can re-enter it at /connections/${other}.`);
    // The original is untouched.
    expect(await revealSecret({ org: acme, actor, id: acmeConn, field: "password", ip: null })).toBe("acme-secret-2");
  });
});
