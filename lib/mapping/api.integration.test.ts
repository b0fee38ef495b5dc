import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { testDbKinds, useTestDb } from "@/db/testing";
import { integrationData, integrations, memberships, organizations, users } from "@/db/schema";
import { createApiToken } from "@/lib/api/tokens";
import { getBoss, stopBoss } from "@/lib/jobs/boss";
import { createMapping } from "@/lib/mapping/service";
import * as listRoute from "@/app/api/v1/mappings/route";
import * as versionsRoute from "@/app/api/v1/mappings/[id]/versions/route";

describe.each(testDbKinds())("mappings REST API on %s", (kind) => {
  let handle: DbHandle;
  let mappingId = "";
  let write = "";
  let readOnly = "";
  let foreign = "";
  const base = "https://patchbay.example/api/v1";
  const actor = { id: "u-admin", email: "admin@acme.test" };

  beforeAll(async () => {
    handle = await useTestDb(kind);
    await handle.db.insert(organizations).values([
      { id: "org-acme", name: "Acme", slug: "acme" },
      { id: "org-globex", name: "Globex", slug: "globex" },
    ]);
    await handle.db.insert(users).values({ id: actor.id, email: actor.email, name: "Admin" });
    await handle.db.insert(memberships).values([
      { userId: actor.id, orgId: "org-acme", role: "owner" },
      { userId: actor.id, orgId: "org-globex", role: "owner" },
    ]);
    await handle.db.insert(integrations).values({ id: "c-hub", orgId: "org-acme", name: "Acme HubSpot", providerKey: "hubspot", status: "active" });
    await handle.db.insert(integrationData).values(
      Array.from({ length: 3 }, (_, i) => ({ orgId: "org-acme", integrationId: "c-hub", entityType: "contacts", externalId: String(i), raw: { id: String(i), properties: { email: ` U${i}@X.COM ` } }, hash: `h${i}` })),
    );
    await getBoss();
    mappingId = (await createMapping({ orgId: "org-acme", actor, ip: null, connectionId: "c-hub", entity: "contacts", targetSchema: "contact" })).id;
    write = (await createApiToken({ orgId: "org-acme", actor, name: "w", scopes: ["integrations:read", "integrations:write"], expiresInDays: null, ip: null })).token;
    readOnly = (await createApiToken({ orgId: "org-acme", actor, name: "r", scopes: ["integrations:read"], expiresInDays: null, ip: null })).token;
    foreign = (await createApiToken({ orgId: "org-globex", actor, name: "f", scopes: ["integrations:read", "integrations:write"], expiresInDays: null, ip: null })).token;
  });
  afterAll(async () => {
    await stopBoss(1_000);
    await handle.close();
  });

  const post = (token: string, body: unknown, id = mappingId) =>
    versionsRoute.POST(new Request(`${base}/mappings/${id}/versions`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) }), { params: Promise.resolve({ id }) });
  const list = (token: string) => listRoute.GET(new Request(`${base}/mappings`, { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({}) as never });
  const definition = { targetSchema: "contact", rules: [{ id: "1", source: "id", target: "externalId", type: "string" }, { id: "2", source: "properties.email", target: "email", type: "email", transforms: [{ op: "trim" }, { op: "lower" }] }] };

  it("saves and activates a version, and lists it with its definition", async () => {
    const res = await post(write, { definition, note: "from CI", activate: true, remap: true });
    expect(res.status).toBe(201);
    const { data } = (await res.json()) as { data: { version: number; active: boolean; remapTotal: number } };
    expect(data).toMatchObject({ version: 1, active: true, remapTotal: 3 });

    const listed = (await (await list(readOnly)).json()) as { data: { id: string; entity: string; activeVersion: { version: number; definition: typeof definition } | null; records: number }[] };
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0]).toMatchObject({ id: mappingId, entity: "contacts", records: 3, activeVersion: { version: 1 } });
    expect(listed.data[0]!.activeVersion!.definition.rules[1]!.transforms).toEqual([{ op: "trim" }, { op: "lower" }]);
  });

  it("answers 400 with the issue on its field, 403 without the scope, 404 for another organization", async () => {
    const bad = await post(write, { definition: { targetSchema: "contact", rules: [{ id: "1", source: "id", target: "nope", type: "string" }] } });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { message: string; fieldErrors: Record<string, string[]> } };
    expect(body.error.fieldErrors["definition.rules.0.target"]).toEqual(['Contact has no field "nope".']);
    expect((await post(write, { definition, remap: true })).status).toBe(400);
    expect((await post(write, { note: "no definition" })).status).toBe(400);
    expect((await post(readOnly, { definition })).status).toBe(403);
    expect((await post(foreign, { definition })).status).toBe(404);
    const foreignList = (await (await list(foreign)).json()) as { data: unknown[] };
    expect(foreignList.data).toEqual([]);
    // Nothing half-written: still one version.
    const listed = (await (await list(readOnly)).json()) as { data: { activeVersion: { version: number } }[] };
    expect(listed.data[0]!.activeVersion.version).toBe(1);
  });
});
