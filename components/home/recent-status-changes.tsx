import Link from "next/link";
import { HealthBadge } from "@/components/connections/status-badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";

type Change = { id: number; connectionId: string; connectionName: string; from: string; to: string; reason: string | null; at: Date };

export function RecentStatusChanges({ changes }: { changes: Change[] }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>Recent status changes</CardTitle>
        <CardDescription>
          Connections that started failing, recovered or were disconnected. The <Link className="text-primary hover:underline" href="/health">health page</Link> has the full history.
        </CardDescription>
      </CardHeader>
      <CardContent>
        {changes.length === 0 ? (
          <p className="text-sm text-muted-foreground">No status changes yet.</p>
        ) : (
          <ul className="divide-y text-sm" aria-label="Recent status changes">
            {changes.map((c) => (
              <li key={c.id} className="flex flex-wrap items-center justify-between gap-x-4 gap-y-1 py-2" data-testid="status-change">
                <span className="flex min-w-0 flex-wrap items-center gap-2">
                  <Link className="font-medium text-primary hover:underline" href={`/connections/${c.connectionId}`}>
                    {c.connectionName}
                  </Link>
                  <HealthBadge health={c.from} />
                  <span aria-label="to">→</span>
                  <HealthBadge health={c.to} />
                  {c.reason ? <span className="text-muted-foreground">{c.reason}</span> : null}
                </span>
                <time className="text-muted-foreground" dateTime={c.at.toISOString()}>
                  {c.at.toISOString().replace("T", " ").slice(0, 19)} UTC
                </time>
              </li>
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}
