// GET /api/v1/mappings – the organization's mappings (stream, target, active version and its definition, record counts)
import { getMappingVersion, listMappings } from "@/db/queries/mappings";
import { apiHandler, json } from "@/lib/api/route";

export const dynamic = "force-dynamic";

export const GET = apiHandler("integrations:read", async ({ principal }) => {
  const rows = await listMappings(principal.orgId);
  const data = await Promise.all(
    rows.map(async (m) => {
      const active = m.activeVersionId ? await getMappingVersion(principal.orgId, m.activeVersionId) : undefined;
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
    }),
  );
  return json({ data });
});
