import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { testDbKinds, useTestDb } from "@/db/testing";
import { webhookDeliveries } from "@/db/schema";
import * as eventsRoute from "@/app/api/v1/events/route";
import { createApiToken } from "@/lib/api/tokens";
import { createConnection } from "@/lib/connections/service";
import { getBoss, stopBoss } from "@/lib/jobs/boss";
import { createOrganizationFor } from "@/lib/organizations/members";
import { completeSetup } from "@/lib/organizations/setup";

const post = (token: string, body: unknown) =>
  eventsRoute.POST(new Request("http://localhost/api/v1/events", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) }), { params: Promise.resolve({} as never) });

describe.each(testDbKinds())("POST /api/v1/events on %s", (kind) => {
  let handle: DbHandle;
  let writer = "";
  let readOnly = "";
  let otherOrgWriter = "";
  let endpoint = "";

  beforeAll(async () => {
    handle = await useTestDb(kind);
    await getBoss();
    const { user, org } = await completeSetup({ name: "Ada", email: "ada@example.com", password: "correct horse battery", orgName: "Acme", ip: null });
    const other = await createOrganizationFor(user, "Globex", null);
    const actor = { id: user.id, email: user.email };
    writer = (await createApiToken({ orgId: org.id, actor, name: "events", scopes: ["events:write"], expiresInDays: null, ip: null })).token;
    readOnly = (await createApiToken({ orgId: org.id, actor, name: "ro", scopes: ["integrations:read"], expiresInDays: null, ip: null })).token;
    otherOrgWriter = (await createApiToken({ orgId: other.id, actor, name: "other", scopes: ["events:write"], expiresInDays: null, ip: null })).token;
    endpoint = (
      await createConnection({
        org,
        actor: { ...actor, isPlatformAdmin: true },
        providerKey: "outbound-webhook",
        platformWide: false,
        name: "Orders",
        values: { url: "https://hooks.example.com/orders", signingSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", eventTypes: "order.*" },
        testBeforeSave: false,
        ip: null,
      })
    ).id;
  }, 60_000);
  afterAll(async () => {
    await stopBoss(1_000);
    await handle.close();
  });

  it("emits to the organization's matching endpoints and answers 202 with the message id", async () => {
    const res = await post(writer, { type: "order.created", data: { id: "o_1", total: 42 } });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { data: { messageId: string; deliveries: number } };
    expect(body.data.deliveries).toBe(1);
    const [d] = await handle.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.messageId, body.data.messageId));
    expect(d).toMatchObject({ integrationId: endpoint, eventType: "order.created", status: "pending" });
    // An event no endpoint subscribes to is accepted and goes nowhere.
    expect(await (await post(writer, { type: "invoice.paid", data: {} })).json()).toMatchObject({ data: { deliveries: 0 } });
  });

  it("another organization's token reaches none of this organization's endpoints", async () => {
    expect(await (await post(otherOrgWriter, { type: "order.created", data: {} })).json()).toMatchObject({ data: { deliveries: 0 } });
  });

  it("needs the events:write scope, and a valid type and object data (JSON errors with 4xx)", async () => {
    expect((await post(readOnly, { type: "order.created", data: {} })).status).toBe(403);
    const bad = await post(writer, { type: "Order Created!", data: {} });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "bad_request", message: expect.stringContaining("not an event type") } });
    expect((await post(writer, { type: "order.created", data: [1, 2] })).status).toBe(400);
    expect((await post(writer, { type: "order.created", data: { blob: "x".repeat(300 * 1024) } })).status).toBe(400);
  });
});
