import Link from "next/link";
import { notFound } from "next/navigation";
import { ArrowLeft } from "lucide-react";
import { PageHeader } from "@/components/page-header";
import { MappingEditor } from "@/components/mapping/mapping-editor";
import { DeleteMappingButton } from "@/components/mapping/mapping-list-actions";
import { Badge } from "@/components/ui/badge";
import { countLiveRecords, getMapping, listMappingVersions, listSampleRecords } from "@/db/queries/mappings";
import { requireOrgContext } from "@/lib/auth/context";
import { can } from "@/lib/auth/roles";
import { getProvider } from "@/lib/catalog/registry";
import { resolveTarget } from "@/lib/mapping/active";
import { listTemplates } from "@/lib/mapping/service";

export const metadata = { title: "Mapping" };

const SAMPLE_RECORDS = 50;

export default async function MappingPage({ params }: { params: Promise<{ mappingId: string }> }) {
  const ctx = await requireOrgContext();
  const { mappingId } = await params;
  const mapping = mappingId.length <= 100 ? await getMapping(ctx.org.id, mappingId) : undefined;
  if (!mapping) notFound();
  const [versions, samples, records, target, templates] = await Promise.all([
    listMappingVersions(ctx.org.id, mapping.id),
    listSampleRecords(ctx.org.id, mapping, SAMPLE_RECORDS),
    countLiveRecords(ctx.org.id, mapping),
    resolveTarget(ctx.org.id, mapping.targetSchema),
    listTemplates(ctx.org.id),
  ]);
  const canManage = can(ctx.role, "connections.manage");
  const active = versions.find((v) => v.id === mapping.activeVersionId);
  const providerName = getProvider(mapping.providerKey)?.name ?? mapping.providerKey;
  return (
    <>
      <Link href="/mappings" className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="size-3.5" /> Mappings
      </Link>
      <PageHeader
        title={`${mapping.connectionName} · ${mapping.entity} → ${target?.target.name ?? mapping.targetSchema}`}
        description={
          <span className="inline-flex flex-wrap items-center gap-2">
            {providerName} stream “{mapping.entity}”. {active ? <Badge variant="success">Version {active.version} active</Badge> : <Badge variant="outline">No active version: syncs store records unmapped</Badge>}
          </span>
        }
        actions={canManage ? <DeleteMappingButton orgId={ctx.org.id} mappingId={mapping.id} /> : null}
      />
      {!target ? (
        <p className="text-sm text-destructive">The target schema “{mapping.targetSchema}” no longer exists. Create it again under Mappings → Target schemas.</p>
      ) : (
        <MappingEditor
          orgId={ctx.org.id}
          canManage={canManage}
          mapping={{ id: mapping.id, entity: mapping.entity, connectionName: mapping.connectionName, targetSchema: mapping.targetSchema, activeVersionId: mapping.activeVersionId, remapStatus: mapping.remapStatus, remapDone: mapping.remapDone, remapTotal: mapping.remapTotal, remapError: mapping.remapError }}
          target={target.target}
          versions={versions.map((v) => ({ id: v.id, version: v.version, note: v.note, createdAt: v.createdAt.toISOString(), createdBy: v.createdBy, definition: v.definition }))}
          samples={samples.map((s) => ({ externalId: s.externalId, raw: s.raw }))}
          records={records}
          templates={templates.filter((t) => t.targetSchema === mapping.targetSchema).map((t) => ({ id: t.id, name: t.name, builtin: t.builtin, definition: t.definition }))}
        />
      )}
    </>
  );
}
