import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { testDbKinds, useTestDb } from "@/db/testing";
import { startSmtpSink } from "@/e2e/peers/smtp-sink";
import { createConnection } from "@/lib/connections/service";
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
