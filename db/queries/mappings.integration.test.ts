import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { testDbKinds, useTestDb } from "@/db/testing";
import { auditLog, dataMappings, integrationData, integrations, organizations, syncStreams, users } from "@/db/schema";
import { getBoss, stopBoss } from "@/lib/jobs/boss";
import { clearMapperCache, loadStreamMapper } from "@/lib/mapping/active";
import { runRemap } from "@/lib/mapping/remap";
import { activateMappingVersion, applyTemplate, createMapping, deleteTemplate, dryRunVersion, listTargets, listTemplates, removeTargetSchema, saveMappingVersion, saveTargetSchema, saveTemplate, startRemap } from "@/lib/mapping/service";
import { getMapping, getMappingOfStream, listMappableStreams, listMappings, listMappingVersions, listSampleRecords } from "./mappings";

describe.each(testDbKinds())("mappings on %s", (kind) => {
  let handle: DbHandle;
  const acme = "org-acme";
  const globex = "org-globex";
  const actor = { id: "u-admin", email: "admin@acme.test" };
  const who = { orgId: acme, actor, ip: "127.0.0.1" };
  const asGlobex = { orgId: globex, actor: { id: "u-g", email: "g@globex.test" }, ip: null };
  let mappingId = "";
  let streamId = "";

  const contact = (i: number, email: string | null) => ({ id: String(i), properties: { email, firstname: `F${i}`, lastname: "L", createdate: "2024-01-01T00:00:00Z" }, archived: false });

  beforeAll(async () => {
    handle = await useTestDb(kind);
    const db = handle.db;
    await db.insert(organizations).values([
      { id: acme, name: "Acme", slug: "acme" },
      { id: globex, name: "Globex", slug: "globex" },
    ]);
    await db.insert(users).values([
      { id: "u-admin", email: "admin@acme.test", name: "Admin" },
      { id: "u-g", email: "g@globex.test", name: "G" },
    ]);
    await db.insert(integrations).values([
      { id: "c-hub", orgId: acme, name: "Acme HubSpot", providerKey: "hubspot", status: "active" },
      { id: "c-glob", orgId: globex, name: "Globex HubSpot", providerKey: "hubspot", status: "active" },
    ]);
    // 1,203 stored contacts: 3 without email, 1 deleted (never counted or re-mapped).
    const rows = Array.from({ length: 1203 }, (_, i) => ({ orgId: acme, integrationId: "c-hub", entityType: "contacts", externalId: String(i), raw: contact(i, i % 400 === 7 ? null : `User${i}@Example.com`), hash: `h${i}` }));
    for (let k = 0; k < rows.length; k += 500) await db.insert(integrationData).values(rows.slice(k, k + 500));
    await db.insert(integrationData).values({ orgId: acme, integrationId: "c-hub", entityType: "contacts", externalId: "gone", raw: contact(9999, "gone@x.co"), hash: "g", deletedAt: new Date() });
    await db.insert(integrationData).values({ orgId: globex, integrationId: "c-glob", entityType: "contacts", externalId: "g1", raw: contact(1, "globex@x.co"), hash: "x" });
    await getBoss();
  });
  afterAll(async () => {
    await stopBoss(1_000);
    await handle.close();
  });

  it("creates a mapping for (connection, entity), preparing the stream switched off", async () => {
    const r = await createMapping({ ...who, connectionId: "c-hub", entity: "contacts", targetSchema: "contact" });
    mappingId = r.id;
    const [stream] = await handle.db.select().from(syncStreams).where(eq(syncStreams.integrationId, "c-hub"));
    expect(stream).toMatchObject({ entity: "contacts", enabled: false, orgId: acme });
    streamId = stream!.id;
    expect((await listMappableStreams(acme)).map((s) => [s.entity, s.mappingId])).toEqual([["contacts", mappingId]]);
    await expect(createMapping({ ...who, streamId, targetSchema: "contact" })).rejects.toThrow(/already has a mapping/);
    // another organization's connection is not found
    await expect(createMapping({ ...who, connectionId: "c-glob", entity: "contacts", targetSchema: "contact" })).rejects.toThrow(/does not exist/);
    await expect(createMapping({ ...who, connectionId: "c-hub", entity: "deals", targetSchema: "nope" })).rejects.toThrow(/no target schema "nope"/);
    expect(await loadStreamMapper(streamId)).toBeNull();
  });

  it("saves versions with increasing numbers and returns issues addressed to fields", async () => {
    const bad = await saveMappingVersion({ ...who, mappingId, definition: { targetSchema: "contact", rules: [{ id: "1", source: "a..b", target: "externalId", type: "string" }, { id: "2", source: "x", target: "nope", type: "string" }] } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => i.path.join("."))).toEqual(["rules.0.source"]);
    const bad2 = await saveMappingVersion({ ...who, mappingId, definition: { targetSchema: "contact", rules: [{ id: "2", source: "x", target: "nope", type: "string" }, { id: "3", source: "y", target: "email", type: "string" }] } });
    expect(!bad2.ok && bad2.issues).toEqual([
      { path: ["rules", 0, "target"], message: 'Contact has no field "nope".' },
      { path: ["rules", 1, "type"], message: "Contact.email is an email field; this rule produces string." },
    ]);

    const v1 = await saveMappingVersion({ ...who, mappingId, note: "email only", definition: { targetSchema: "contact", rules: [{ id: "1", source: "id", target: "externalId", type: "string" }, { id: "2", source: "properties.email", target: "email", type: "email" }] } });
    expect(v1).toMatchObject({ ok: true, version: { version: 1 } });
    const v2 = await saveMappingVersion({ ...who, mappingId, definition: { targetSchema: "contact", rules: [{ id: "1", source: "id", target: "externalId", type: "string" }, { id: "2", source: "properties.email", target: "email", type: "email", required: true, transforms: [{ op: "lower" }] }] } });
    expect(v2).toMatchObject({ ok: true, version: { version: 2 } });
    // Concurrent saves queue on the row lock: distinct numbers, no error.
    const both = await Promise.all([0, 1].map(() => saveMappingVersion({ ...who, mappingId, definition: { targetSchema: "contact", rules: [{ id: "1", source: "id", target: "externalId", type: "string" }] } })));
    expect(both.map((b) => (b.ok ? b.version.version : 0)).sort()).toEqual([3, 4]);
    expect((await listMappingVersions(acme, mappingId)).map((v) => v.version)).toEqual([4, 3, 2, 1]);
    const audits = await handle.db.select().from(auditLog).where(and(eq(auditLog.orgId, acme), eq(auditLog.action, "mapping.version_saved")));
    expect(audits).toHaveLength(4);
  });

  it("dry-runs, activates, re-maps in batches with progress, and rolls back", async () => {
    const versions = await listMappingVersions(acme, mappingId);
    const v1 = versions.find((v) => v.version === 1)!;
    const v2 = versions.find((v) => v.version === 2)!;

    const d1 = await dryRunVersion({ orgId: acme, mappingId, versionId: v1.id, limit: 100 });
    expect(d1).toMatchObject({ total: 100, activeVersion: null, candidateVersion: 1, changedRecords: 100 });

    await activateMappingVersion({ ...who, mappingId, versionId: v1.id, remap: false });
    expect((await loadStreamMapper(streamId))?.versionId).toBe(v1.id);

    const d2 = await dryRunVersion({ orgId: acme, mappingId, versionId: v2.id, limit: 1000 });
    expect(d2.fields).toEqual([{ field: "email", changed: 998 }]); // lower-cased; two without email stay null
    expect(d2.newlyFailing).toBe(2);
    expect(d2.failingExamples.map((f) => f.errors[0]!.field)).toEqual(["email", "email"]);

    const act = await activateMappingVersion({ ...who, mappingId, versionId: v2.id, remap: true });
    expect(act).toEqual({ version: 2, rollback: false, remapTotal: 1203 });
    expect(await (await getBoss()).findJobs("mapping-remap", { data: { mappingId } })).toHaveLength(1);
    // The active version is read fresh by every loadStreamMapper call.
    expect((await loadStreamMapper(streamId))?.versionId).toBe(v2.id);

    const r = await runRemap(mappingId, acme, { batchSize: 500 });
    expect(r).toEqual({ remapped: 1203, status: "idle" });
    const m = (await getMapping(acme, mappingId))!;
    expect(m).toMatchObject({ remapStatus: "idle", remapDone: 1203, remapTotal: 1203 });
    const failing = await handle.db.select().from(integrationData).where(and(eq(integrationData.integrationId, "c-hub"), eq(integrationData.hasErrors, true)));
    expect(failing.map((f) => f.externalId).sort()).toEqual(["1207", "407", "7", "807"].filter((x) => Number(x) < 1203));
    expect(failing[0]!.errors).toEqual([{ field: "email", path: "properties.email", message: "Required, but properties.email is empty or missing." }]);
    const [one] = await handle.db.select().from(integrationData).where(and(eq(integrationData.integrationId, "c-hub"), eq(integrationData.externalId, "5")));
    expect(one).toMatchObject({ mapped: { externalId: "5", email: "user5@example.com" }, mappingVersionId: v2.id });
    const [deleted] = await handle.db.select().from(integrationData).where(eq(integrationData.externalId, "gone"));
    expect(deleted!.mapped).toBeNull();

    const list = await listMappings(acme);
    expect(list).toEqual([expect.objectContaining({ id: mappingId, activeVersion: 2, records: 1203, withErrors: 3, connectionName: "Acme HubSpot", targetSchema: "contact" })]);

    const back = await activateMappingVersion({ ...who, mappingId, versionId: v1.id, remap: false });
    expect(back.rollback).toBe(true);
    const rolled = await handle.db.select().from(auditLog).where(eq(auditLog.action, "mapping.rolled_back"));
    expect(rolled[0]).toMatchObject({ orgId: acme, targetId: mappingId, metadata: expect.objectContaining({ version: 1, previousVersion: 2 }) });
  });

  it("resumes a killed re-map without redoing finished records", async () => {
    const v2 = (await listMappingVersions(acme, mappingId)).find((v) => v.version === 2)!;
    await activateMappingVersion({ ...who, mappingId, versionId: v2.id, remap: false });
    await startRemap({ ...who, mappingId });
    // Simulate a kill after the first 500: only they carry the version, progress says 500.
    const firstIds = (await handle.db.select({ id: integrationData.id }).from(integrationData).where(eq(integrationData.integrationId, "c-hub")).orderBy(integrationData.id).limit(500)).map((r) => r.id);
    await handle.db.update(integrationData).set({ mappingVersionId: "stale" }).where(eq(integrationData.integrationId, "c-hub"));
    for (let k = 0; k < firstIds.length; k += 100) {
      for (const id of firstIds.slice(k, k + 100)) await handle.db.update(integrationData).set({ mappingVersionId: v2.id }).where(eq(integrationData.id, id));
    }
    await handle.db.update(dataMappings).set({ remapDone: 500 }).where(eq(dataMappings.id, mappingId));
    const r = await runRemap(mappingId, acme, { batchSize: 400 });
    expect(r.remapped).toBe(703);
    expect(await getMapping(acme, mappingId)).toMatchObject({ remapStatus: "idle", remapDone: 1203 });
    // A job for another organization's id does nothing.
    await handle.db.update(dataMappings).set({ remapStatus: "running" }).where(eq(dataMappings.id, mappingId));
    expect(await runRemap(mappingId, globex)).toEqual({ remapped: 0, status: "running" });
    // A failing batch (here: a constraint every update breaks) is retried by the queue while retries remain…
    await handle.db.update(integrationData).set({ mappingVersionId: null }).where(eq(integrationData.externalId, "5"));
    await handle.db.execute(sql`alter table integration_data add constraint t_fail check (mapping_version_id is null or mapping_version_id = 'stale') not valid`);
    await expect(runRemap(mappingId, acme, { retryCount: 0, retryLimit: 5 })).rejects.toThrow();
    expect(await getMapping(acme, mappingId)).toMatchObject({ remapStatus: "running" });
    // …and the last attempt marks the re-map failed, with a message for the page.
    expect(await runRemap(mappingId, acme, { retryCount: 5, retryLimit: 5 })).toEqual({ remapped: 0, status: "failed" });
    expect(await getMapping(acme, mappingId)).toMatchObject({ remapStatus: "failed", remapError: expect.stringMatching(/start it again/) });
    await handle.db.execute(sql`alter table integration_data drop constraint t_fail`);
  });

  it("templates: built-in and saved ones, applied as new versions", async () => {
    const all = await listTemplates(acme);
    expect(all.filter((t) => t.builtin).map((t) => t.id)).toContain("builtin:hubspot-contacts");
    const applied = await applyTemplate({ ...who, mappingId, templateId: "builtin:hubspot-contacts" });
    expect(applied).toMatchObject({ ok: true, version: { version: 5 } });
    const versions = await listMappingVersions(acme, mappingId);
    expect(versions[0]!.note).toBe('From template "HubSpot contacts → Contact"');
    await expect(applyTemplate({ ...who, mappingId, templateId: "builtin:hubspot-deals" })).rejects.toThrow(/maps to deal/);

    const saved = await saveTemplate({ ...who, name: "Our contacts", description: "x", definition: versions[0]!.definition, mappingId });
    expect("id" in saved).toBe(true);
    await expect(saveTemplate({ ...who, name: "Our contacts", definition: versions[0]!.definition })).rejects.toThrow(/already exists/);
    const own = (await listTemplates(acme)).filter((t) => !t.builtin);
    expect(own).toEqual([expect.objectContaining({ name: "Our contacts", providerKey: "hubspot", entity: "contacts", targetSchema: "contact" })]);
    expect((await listTemplates(globex)).filter((t) => !t.builtin)).toEqual([]);
    await expect(applyTemplate({ ...asGlobex, mappingId, templateId: own[0]!.id })).rejects.toThrow(/mapping does not exist/);
    await expect(deleteTemplate({ ...asGlobex, templateId: own[0]!.id })).rejects.toThrow(/does not exist/);
    await deleteTemplate({ ...who, templateId: own[0]!.id });
    await expect(deleteTemplate({ ...who, templateId: "builtin:hubspot-contacts" })).rejects.toThrow(/cannot be deleted/);
  });

  it("custom target schemas: create, map to, refuse deletion while used", async () => {
    await expect(saveTargetSchema({ ...who, schema: { key: "contact", name: "X", fields: [{ name: "a", type: "string" }] } })).rejects.toThrow(/built-in/);
    await expect(saveTargetSchema({ ...who, schema: { key: "ticket", name: "Ticket", fields: [{ name: "prio", type: "enum" }] } })).rejects.toThrow(/needs its values/);
    const { id } = await saveTargetSchema({ ...who, schema: { key: "ticket", name: "Ticket", fields: [{ name: "ref", type: "string", required: true }, { name: "prio", type: "enum", values: ["low", "high"] }] } });
    await expect(saveTargetSchema({ ...who, schema: { key: "ticket", name: "Dup", fields: [{ name: "a", type: "string" }] } })).rejects.toThrow(/already exists/);
    expect((await listTargets(acme)).map((t) => t.key)).toEqual(["contact", "company", "deal", "ticket"]);
    expect((await listTargets(globex)).map((t) => t.key)).toEqual(["contact", "company", "deal"]);

    const t = await createMapping({ ...who, connectionId: "c-hub", entity: "tickets", targetSchema: "ticket" });
    const v = await saveMappingVersion({ ...who, mappingId: t.id, definition: { targetSchema: "ticket", rules: [{ id: "1", source: "id", target: "ref", type: "string" }, { id: "2", source: "p", target: "prio", type: "enum" }] } });
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    await activateMappingVersion({ ...who, mappingId: t.id, versionId: v.version.id, remap: false });
    const tStream = (await listMappableStreams(acme)).find((s) => s.entity === "tickets")!;
    clearMapperCache();
    const mapper = (await loadStreamMapper(tStream.id))!;
    expect(mapper.apply({ id: 1, p: "urgent" }).errors[0]!.message).toMatch(/not one of low, high/);
    // Editing the custom target changes the compiled mapper (enum values are part of it).
    await saveTargetSchema({ ...who, id, schema: { key: "ticket", name: "Ticket", fields: [{ name: "ref", type: "string", required: true }, { name: "prio", type: "enum", values: ["low", "high", "urgent"] }] } });
    expect((await loadStreamMapper(tStream.id))!.apply({ id: 1, p: "urgent" }).errors).toEqual([]);
    await expect(removeTargetSchema({ ...who, id })).rejects.toThrow(/used by 1 mapping/);
    await expect(removeTargetSchema({ ...asGlobex, id })).rejects.toThrow(/does not exist/);
  });

  it("another organization can neither read, dry-run, activate, save nor re-map", async () => {
    const v = (await listMappingVersions(acme, mappingId))[0]!;
    expect(await getMapping(globex, mappingId)).toBeUndefined();
    expect(await getMappingOfStream(acme, streamId)).toMatchObject({ id: mappingId, targetSchema: "contact" });
    expect(await getMappingOfStream(globex, streamId)).toBeUndefined();
    expect(await listMappingVersions(globex, mappingId)).toEqual([]);
    expect(await listMappings(globex)).toEqual([]);
    expect(await listSampleRecords(globex, { integrationId: "c-hub", entity: "contacts" }, 5)).toEqual([]);
    await expect(dryRunVersion({ orgId: globex, mappingId, versionId: v.id })).rejects.toThrow(/does not exist/);
    await expect(activateMappingVersion({ ...asGlobex, mappingId, versionId: v.id, remap: true })).rejects.toThrow(/does not exist/);
    await expect(saveMappingVersion({ ...asGlobex, mappingId, definition: { targetSchema: "contact", rules: [] } })).rejects.toThrow(/does not exist/);
    await expect(startRemap({ ...asGlobex, mappingId })).rejects.toThrow(/does not exist/);
    await expect(createMapping({ ...asGlobex, streamId, targetSchema: "contact" })).rejects.toThrow(/does not exist/);
  });
});
