import Link from "next/link";
import { Activity, CircleAlert, CircleCheck, CircleHelp, PlugZap, TriangleAlert } from "lucide-react";
import type { HealthStatus } from "@/db/schema/health";
import { cn } from "@/lib/utils";

const cards: { status: HealthStatus; label: string; icon: typeof Activity; tone: string }[] = [
  { status: "healthy", label: "Healthy", icon: CircleCheck, tone: "text-success" },
  { status: "degraded", label: "Degraded", icon: TriangleAlert, tone: "text-warning" },
  { status: "failing", label: "Failing", icon: CircleAlert, tone: "text-destructive" },
  { status: "disconnected", label: "Disconnected", icon: PlugZap, tone: "text-destructive" },
  { status: "unknown", label: "Not checked", icon: CircleHelp, tone: "text-muted-foreground" },
];

/** One card per health status; each links to the table filtered on it (clicking the active one clears it). */
export function HealthSummaryCards({ counts, active }: { counts: Record<HealthStatus, number>; active: string | null }) {
  return (
    <nav aria-label="Health summary" className="mb-6 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
      {cards.map(({ status, label, icon: Icon, tone }) => {
        const isActive = active === status;
        return (
          <Link
            key={status}
            href={isActive ? "/health" : `/health?status=${status}`}
            data-testid={`summary-${status}`}
            aria-current={isActive ? "true" : undefined}
            className={cn(
              "group flex flex-col gap-2 rounded-xl border bg-card p-4 text-card-foreground shadow-sm transition-colors hover:bg-accent/50 focus-visible:ring-[3px] focus-visible:ring-ring/50 focus-visible:outline-none",
              isActive && "border-primary ring-1 ring-primary",
            )}
          >
            <span className="flex items-center justify-between text-sm text-muted-foreground">
              {label}
              <Icon className={cn("size-4", counts[status] > 0 ? tone : "text-muted-foreground/60")} aria-hidden="true" />
            </span>
            <span className="text-3xl font-semibold tabular-nums" data-testid="summary-count">
              {counts[status].toLocaleString("en-US")}
            </span>
          </Link>
        );
      })}
    </nav>
  );
}
