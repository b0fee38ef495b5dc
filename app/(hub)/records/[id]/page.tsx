import Link from "next/link";
import { notFound } from "next/navigation";
import { PageHeader } from "@/components/page-header";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { getRecord } from "@/db/queries/sync";
import { requireOrgContext } from "@/lib/auth/context";

export const metadata = { title: "Record" };

const utc = (d: Date | null) => (d ? `${d.toISOString().replace("T", " ").slice(0, 19)} UTC` : "—");

export default async function RecordPage({ params }: { params: Promise<{ id: string }> }) {
  const ctx = await requireOrgContext();
  const { id } = await params;
  if (!/^\d{1,15}$/.test(id)) notFound();
  const row = await getRecord(ctx.org.id, Number(id));
  if (!row) notFound();
  const r = row.record;
  return (
    <>
      <PageHeader
        title={`${r.entityType} ${r.externalId}`}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <Link className="text-primary hover:underline" href={`/connections/${r.integrationId}/sync`}>
              {row.connectionName}
            </Link>
            {r.deletedAt ? <Badge variant="destructive">deleted {utc(r.deletedAt)}</Badge> : <Badge variant="success">live</Badge>}
            {r.hasErrors ? <Badge variant="warning">mapping errors</Badge> : null}
            <span className="text-xs">
              updated at source {utc(r.sourceUpdatedAt)} · synced {utc(r.syncedAt)} · mapping version {r.mappingVersionId ?? "none"}
            </span>
          </span>
        }
        actions={
          <Link className="text-sm text-primary hover:underline" href={`/records?connection=${r.integrationId}&entity=${encodeURIComponent(r.entityType)}`}>
            ← All {r.entityType}
          </Link>
        }
      />
      {r.errors.length > 0 ? (
        <Card className="mb-6" data-testid="field-errors">
          <CardHeader>
            <CardTitle>Field errors</CardTitle>
            <CardDescription>The record is kept; these fields could not be mapped. Fix the mapping and re-map, or fix the data at the source.</CardDescription>
          </CardHeader>
          <CardContent>
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>Field</TableHead>
                  <TableHead>Source path</TableHead>
                  <TableHead>Problem</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {r.errors.map((e, i) => (
                  <TableRow key={i}>
                    <TableCell className="font-mono text-xs">{e.field}</TableCell>
                    <TableCell className="font-mono text-xs">{e.path ?? "—"}</TableCell>
                    <TableCell>{e.message}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </CardContent>
        </Card>
      ) : null}
      <div className="grid gap-6 xl:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Raw</CardTitle>
            <CardDescription>As the provider sent it (keys sorted). Hash {r.hash.slice(0, 12)}…</CardDescription>
          </CardHeader>
          <CardContent>
            <pre className="max-h-[32rem] overflow-auto rounded-md bg-muted p-3 text-xs" data-testid="raw-json">
              {JSON.stringify(r.raw, null, 2)}
            </pre>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Mapped</CardTitle>
            <CardDescription>{r.mapped ? "Under the stream's active mapping." : "This stream has no active mapping yet: only the raw record is stored."}</CardDescription>
          </CardHeader>
          <CardContent>
            {r.mapped ? (
              <pre className="max-h-[32rem] overflow-auto rounded-md bg-muted p-3 text-xs" data-testid="mapped-json">
                {JSON.stringify(r.mapped, null, 2)}
              </pre>
            ) : (
              <p className="text-sm text-muted-foreground" data-testid="mapped-json">
                No mapping applied. Create one on the Mappings page.
              </p>
            )}
          </CardContent>
        </Card>
      </div>
    </>
  );
}
