import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { getMappingOfStream } from "@/db/queries/mappings";
import { getBuiltinTarget } from "@/lib/mapping/targets";

/**
 * For a connection's Sync tab: what a stream's records are mapped to, with a link to the editor,
 * or a link to create the mapping. Server component.
 */
export async function StreamMappingSummary({ orgId, streamId }: { orgId: string; streamId: string }) {
  const m = await getMappingOfStream(orgId, streamId);
  if (!m) {
    return (
      <Link href="/mappings" className="text-sm text-muted-foreground underline-offset-4 hover:underline">
        No mapping: records are stored raw. Create one under Mappings.
      </Link>
    );
  }
  return (
    <span className="inline-flex items-center gap-2 text-sm">
      <Link href={`/mappings/${m.id}`} className="font-medium underline-offset-4 hover:underline">
        Mapped to {getBuiltinTarget(m.targetSchema)?.name ?? m.targetSchema}
      </Link>
      {m.activeVersion ? <Badge variant="success">v{m.activeVersion} active</Badge> : <Badge variant="outline">no active version</Badge>}
      {m.remapStatus === "running" ? <Badge variant="secondary">re-mapping…</Badge> : null}
    </span>
  );
}
