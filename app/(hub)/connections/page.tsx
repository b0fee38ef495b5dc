import Link from "next/link";
import { Plug } from "lucide-react";
import { ConnectionStatusBadge, HealthBadge } from "@/components/connections/status-badge";
import { EmptyState, PageHeader } from "@/components/page-header";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { listVisibleConnections } from "@/db/queries/integrations";
import { requireOrgContext } from "@/lib/auth/context";
import { getProvider } from "@/lib/catalog/registry";

export const metadata = { title: "Connections" };

export default async function ConnectionsPage() {
  const ctx = await requireOrgContext();
  const rows = await listVisibleConnections(ctx.org.id);
  return (
    <>
      <PageHeader
        title="Connections"
        description={`Services connected for ${ctx.org.name}, and the platform-wide ones it falls back to.`}
        actions={
          <Button asChild>
            <Link href="/integrations">Add a connection</Link>
          </Button>
        }
      />
      {rows.length === 0 ? (
        <EmptyState icon={<Plug className="size-8" />} title="Nothing connected yet">
          Pick a service in <Link className="text-primary hover:underline" href="/integrations">Integrations</Link> to connect it.
        </EmptyState>
      ) : (
        <Table aria-label="Connections">
          <TableHeader>
            <TableRow>
              <TableHead>Name</TableHead>
              <TableHead>Provider</TableHead>
              <TableHead>Scope</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Health</TableHead>
              <TableHead>Updated</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {rows.map((r) => (
              <TableRow key={r.id}>
                <TableCell>
                  <Link className="font-medium text-primary hover:underline" href={`/connections/${r.id}`}>
                    {r.name}
                  </Link>{" "}
                  {r.isDefault ? <Badge variant="secondary">default</Badge> : null}
                </TableCell>
                <TableCell>{getProvider(r.providerKey)?.name ?? r.providerKey}</TableCell>
                <TableCell>{r.orgId ? ctx.org.name : "Platform-wide"}</TableCell>
                <TableCell>
                  <ConnectionStatusBadge status={r.status} enabled={r.enabled} />
                </TableCell>
                <TableCell>
                  <HealthBadge health={r.healthStatus} />
                </TableCell>
                <TableCell className="text-muted-foreground">{r.updatedAt.toISOString().slice(0, 16).replace("T", " ")}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </>
  );
}
