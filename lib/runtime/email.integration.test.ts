import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { testDbKinds, useTestDb } from "@/db/testing";
import { startSmtpSink } from "@/e2e/peers/smtp-sink";
import { createConnection, setConnectionPriority } from "@/lib/connections/service";
import { addAllowlistEntry } from "@/lib/network/allowlist";
import { createOrganizationFor } from "@/lib/organizations/members";
import { completeSetup } from "@/lib/organizations/setup";
import { sendEmail } from "./email";

describe.each(testDbKinds())("sendEmail on %s", (kind) => {
  let handle: DbHandle;
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  let org: { id: string; name: string };
  let other: { id: string; name: string };
  let actor: { id: string; email: string; isPlatformAdmin: boolean };

  beforeAll(async () => {
    handle = await useTestDb(kind);
    sink = await startSmtpSink({ username: "mailer", password: "sink-password-1" });
    const setup = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    org = setup.org;
    actor = { id: setup.user.id, email: setup.user.email, isPlatformAdmin: true };
    other = await createOrganizationFor(setup.user, "Globex", null);
  });
  afterAll(async () => {
    await sink.close();
    await handle.close();
  });

  it("names the provider category and the page to fix it when nothing is configured", async () => {
    await expect(sendEmail({ orgId: other.id, to: "x@example.com", subject: "s", text: "t" })).rejects.toThrow("Email is not configured for Globex. An admin can set it up at /integrations?category=email.");
  });

  it("refuses private SMTP hosts until an owner allows them", async () => {
    await createConnection({ org, actor, providerKey: "smtp", platformWide: false, name: "Broken relay", values: { host: "127.0.0.1", port: "1", security: "none", fromAddress: "a@acme.test" }, testBeforeSave: false, ip: null });
    await expect(sendEmail({ orgId: org.id, to: "x@example.com", subject: "s", text: "t" })).rejects.toThrow(/127\.0\.0\.1 is a private address/);
    await addAllowlistEntry({ orgId: org.id, platform: false, actor, entry: "127.0.0.1", note: "local relay", ip: null });
  });

  it("falls back to the next connection when the default one fails, and reports each attempt", async () => {
    const second = await createConnection({
      org,
      actor,
      providerKey: "smtp",
      platformWide: false,
      name: "Working relay",
      values: { host: "127.0.0.1", port: String(sink.port), security: "none", username: "mailer", password: "sink-password-1", fromAddress: "alerts@acme.test", fromName: "Acme" },
      testBeforeSave: true,
      ip: null,
    });
    const r = await sendEmail({ orgId: org.id, to: "ops@acme.test", subject: "Hello", text: "It works" });
    expect(r.connectionId).toBe(second.id);
    expect(r.attempts.map((a) => a.ok)).toEqual([false, true]);
    expect(r.attempts[0]!.error).toMatch(/ECONNREFUSED|connect/i);
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]!.to).toEqual(["ops@acme.test"]);
    expect(sink.received[0]!.raw).toContain("Subject: Hello");
  });
});

describe.each(testDbKinds())("sendEmail fallback order set by an admin, on %s", (kind) => {
  let handle: DbHandle;
  let sinkA: Awaited<ReturnType<typeof startSmtpSink>>;
  let sinkB: Awaited<ReturnType<typeof startSmtpSink>>;

  beforeAll(async () => {
    handle = await useTestDb(kind);
    sinkA = await startSmtpSink({ username: "a", password: "password-a-123" });
    sinkB = await startSmtpSink({ username: "b", password: "password-b-123" });
  });
  afterAll(async () => {
    await sinkA.close();
    await sinkB.close();
    await handle.close();
  });

  it("tries the lowest fallback position first, whatever the default is", async () => {
    const { user, org } = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    const actor = { id: user.id, email: user.email, isPlatformAdmin: true };
    await addAllowlistEntry({ orgId: org.id, platform: false, actor, entry: "127.0.0.1", note: null, ip: null });
    const smtp = (name: string, port: number, u: string, p: string) =>
      createConnection({ org, actor, providerKey: "smtp", platformWide: false, name, values: { host: "127.0.0.1", port: String(port), security: "none", username: u, password: p, fromAddress: "x@acme.test" }, testBeforeSave: false, ip: null });
    await smtp("A (default)", sinkA.port, "a", "password-a-123");
    const b = await smtp("B", sinkB.port, "b", "password-b-123");
    expect((await sendEmail({ orgId: org.id, to: "o@acme.test", subject: "1", text: "t" })).connectionId).not.toBe(b.id);
    await setConnectionPriority({ org, actor, id: b.id, priority: 1, ip: null });
    expect((await sendEmail({ orgId: org.id, to: "o@acme.test", subject: "2", text: "t" })).connectionId).toBe(b.id);
    expect(sinkA.received).toHaveLength(1);
    expect(sinkB.received).toHaveLength(1);
  });
});
