import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { listMappings } from "@/db/queries/mappings";
import { builtinTargets } from "@/lib/mapping/targets";

/** The connection's Sync tab: each mapped stream, its target, active version and flagged records. Server component. */
export async function ConnectionMappingsCard({ orgId, connectionId }: { orgId: string; connectionId: string }) {
  const mappings = (await listMappings(orgId)).filter((m) => m.connectionId === connectionId);
  const name = (key: string) => builtinTargets.find((t) => t.key === key)?.name ?? key;
  return (
    <Card data-testid="connection-mappings">
      <CardHeader>
        <CardTitle>Mappings</CardTitle>
        <CardDescription>How this connection&apos;s records are mapped to your schemas. Records with mapping errors are kept and flagged.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-2 text-sm">
        {mappings.length === 0 ? <p className="text-muted-foreground">No stream of this connection has a mapping: records are stored raw.</p> : null}
        {mappings.map((m) => (
          <div key={m.id} className="flex flex-wrap items-center gap-2 rounded-md border px-3 py-2">
            <Link href={`/mappings/${m.id}`} className="font-medium hover:underline">
              {m.entity} → {name(m.targetSchema)}
            </Link>
            {m.activeVersion ? <Badge variant="success">v{m.activeVersion} active</Badge> : <Badge variant="outline">no active version</Badge>}
            {m.remapStatus === "running" ? <Badge variant="secondary">re-mapping {m.remapDone}/{m.remapTotal}</Badge> : null}
            <span className="ml-auto text-xs text-muted-foreground">
              {m.records.toLocaleString("en")} records{m.withErrors > 0 ? `, ${m.withErrors.toLocaleString("en")} with errors` : ""}
            </span>
          </div>
        ))}
        <Link href="/mappings" className="w-fit text-primary hover:underline">
          {mappings.length === 0 ? "Create a mapping →" : "All mappings →"}
        </Link>
      </CardContent>
    </Card>
  );
}
