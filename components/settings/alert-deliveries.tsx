import Link from "next/link";
import { HealthBadge } from "@/components/connections/status-badge";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

type Row = { id: number; connectionId: string; connectionName: string; from: string; to: string; at: string; alertedAt: string | null; alertError: string | null; deliveredTo: number };

const utc = (iso: string) => `${iso.replace("T", " ").slice(0, 19)} UTC`;

export function AlertDeliveries({ rows }: { rows: Row[] }) {
  return (
    <Table aria-label="Recent alerts">
      <TableHeader>
        <TableRow>
          <TableHead>Changed at</TableHead>
          <TableHead>Connection</TableHead>
          <TableHead>Change</TableHead>
          <TableHead>Alert</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.length === 0 ? (
          <TableRow>
            <TableCell colSpan={4} className="text-center text-muted-foreground">
              No alerts sent yet.
            </TableCell>
          </TableRow>
        ) : (
          rows.map((r) => (
            <TableRow key={r.id} data-testid="alert-delivery">
              <TableCell className="align-top whitespace-nowrap">
                <time dateTime={r.at}>{utc(r.at)}</time>
              </TableCell>
              <TableCell className="align-top">
                <Link className="text-primary hover:underline" href={`/connections/${r.connectionId}`}>
                  {r.connectionName}
                </Link>
              </TableCell>
              <TableCell className="align-top">
                <span className="flex items-center gap-1">
                  <HealthBadge health={r.from} /> → <HealthBadge health={r.to} />
                </span>
              </TableCell>
              <TableCell className="max-w-md align-top whitespace-normal">
                {r.alertedAt ? (
                  <Badge variant="success">Delivered {utc(r.alertedAt).slice(11)}</Badge>
                ) : (
                  <div className="grid gap-1">
                    <Badge variant="destructive">{r.deliveredTo ? `Failed for some channels (${r.deliveredTo} delivered)` : "Failed"}</Badge>
                    {r.alertError ? <p className="text-sm break-words text-destructive">{r.alertError}</p> : null}
                  </div>
                )}
              </TableCell>
            </TableRow>
          ))
        )}
      </TableBody>
    </Table>
  );
}
