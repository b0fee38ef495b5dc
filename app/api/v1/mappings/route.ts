// GET /api/v1/mappings – the organization's mappings (stream, target, active version and its definition, record counts)
import { listActiveMappingVersions, listMappings } from "@/db/queries/mappings";
import { apiHandler, json } from "@/lib/api/route";

export const dynamic = "force-dynamic";

export const GET = apiHandler("integrations:read", async ({ principal }) => {
  const [rows, versions] = await Promise.all([listMappings(principal.orgId), listActiveMappingVersions(principal.orgId)]);
  const activeOf = new Map(versions.map((v) => [v.mappingId, v]));
  const data = rows.map((m) => {
    const active = activeOf.get(m.id);
    return {
      id: m.id,
      connectionId: m.connectionId,
      connectionName: m.connectionName,
      providerKey: m.providerKey,
      entity: m.entity,
      targetSchema: m.targetSchema,
      activeVersion: active ? { id: active.id, version: active.version, definition: active.definition } : null,
      records: Number(m.records),
      recordsWithErrors: Number(m.withErrors),
      remap: { status: m.remapStatus, done: m.remapDone, total: m.remapTotal },
    };
  });
  return json({ data });
});
