import Link from "next/link";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import type { HealthStatus } from "@/db/schema/health";
import { cn } from "@/lib/utils";

const order: { status: HealthStatus; label: string; tone: string }[] = [
  { status: "healthy", label: "Healthy", tone: "bg-success" },
  { status: "degraded", label: "Degraded", tone: "bg-warning" },
  { status: "failing", label: "Failing", tone: "bg-destructive" },
  { status: "disconnected", label: "Disconnected", tone: "bg-destructive" },
  { status: "unknown", label: "Not checked or disabled", tone: "bg-muted-foreground/40" },
];

/** Connections per health status, each a link to the health page filtered on it. */
export function HealthSummary({ byHealth, byLifecycle, total }: { byHealth: Record<HealthStatus, number>; byLifecycle: { status: string; n: number }[]; total: number }) {
  return (
    <Card>
      <CardHeader>
        <CardDescription>Connections</CardDescription>
        <CardTitle className="text-3xl" data-testid="connection-count">
          {total}
        </CardTitle>
      </CardHeader>
      <CardContent className="grid gap-3 text-sm">
        {total === 0 ? (
          <p className="text-muted-foreground">
            No services are connected yet. <Link className="text-primary hover:underline" href="/integrations">Browse integrations</Link>
          </p>
        ) : (
          <>
            <ul className="grid gap-1" aria-label="Connections by health">
              {order
                .filter((o) => byHealth[o.status] > 0)
                .map((o) => (
                  <li key={o.status}>
                    <Link href={`/health?status=${o.status}`} className="flex items-center justify-between gap-2 rounded px-1 hover:bg-accent" data-testid={`health-count-${o.status}`}>
                      <span className="flex items-center gap-2">
                        <span aria-hidden className={cn("size-2 rounded-full", o.tone)} />
                        {o.label}
                      </span>
                      <span className="font-medium tabular-nums">{byHealth[o.status]}</span>
                    </Link>
                  </li>
                ))}
            </ul>
            <p className="text-xs text-muted-foreground">{byLifecycle.map((r) => `${r.n} ${r.status.replace("_", " ")}`).join(" · ")}</p>
          </>
        )}
      </CardContent>
    </Card>
  );
}
