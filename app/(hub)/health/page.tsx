import Link from "next/link";
import type { SearchParams } from "nuqs/server";
import { Activity } from "lucide-react";
import { EmptyState, PageHeader } from "@/components/page-header";
import { HealthSummaryCards } from "@/components/health/summary-cards";
import { HealthTable, type HealthTableRow } from "@/components/health/health-table";
import { LiveRefresh } from "@/components/live/live-refresh";
import { dueLabel, relativeTime, utcLabel } from "@/components/health/format";
import { countHealthByStatus, healthSortable, listConnectionHealth, listHealthProviders, type HealthSort } from "@/db/queries/health-dashboard";
import { healthStatuses } from "@/db/schema/health";
import { requireOrgContext } from "@/lib/auth/context";
import { can } from "@/lib/auth/roles";
import { getProvider } from "@/lib/catalog/registry";
import { createTableSearchParamsLoader, pageCountFor, parseSort } from "@/lib/data-table/search-params";
import { healthStatusFilterSchema } from "@/lib/schemas/health";

export const metadata = { title: "Health" };

const loadTableState = createTableSearchParamsLoader(["status", "provider", "q"]);

const statusLabels: Record<string, string> = { healthy: "Healthy", degraded: "Degraded", failing: "Failing", disconnected: "Disconnected", unknown: "Not checked" };

export default async function HealthPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const ctx = await requireOrgContext();
  const state = await loadTableState(searchParams);
  const sort = parseSort(state.sort, healthSortable, { id: "status", desc: false }) as HealthSort;
  const status = healthStatusFilterSchema.safeParse(state.status).data ?? null;
  const q = state.q?.slice(0, 100) ?? null;
  const provider = state.provider?.slice(0, 100) ?? null;
  const [{ rows, total }, counts, providerKeys] = await Promise.all([
    listConnectionHealth(ctx.org.id, { page: state.page, perPage: state.perPage, sort, status, provider, q }),
    countHealthByStatus(ctx.org.id),
    listHealthProviders(ctx.org.id),
  ]);
  const all = Object.values(counts).reduce((a, b) => a + b, 0);
  const now = new Date();
  const canCheck = can(ctx.role, "connections.manage");
  const when = (d: Date | null) => (d ? { iso: d.toISOString(), label: relativeTime(d, now), title: utcLabel(d) } : null);
  const providerName = (key: string) => getProvider(key)?.name ?? key;

  const tableRows: HealthTableRow[] = rows.map((r) => ({
    id: r.id,
    orgId: ctx.org.id,
    name: r.name,
    provider: providerName(r.providerKey),
    scope: r.orgId ? ctx.org.name : "Platform-wide",
    status: r.healthStatus,
    enabled: r.enabled,
    lastCheck: r.lastCheckAt ? { ...when(r.lastCheckAt)!, ok: r.lastOk } : null,
    p50: r.latencyP50Ms,
    p95: r.latencyP95Ms,
    errorRate: r.errorRate24h,
    signals24h: r.checks24h ?? 0,
    breaker: r.breakerState,
    nextCheck: r.nextCheckAt ? { iso: r.nextCheckAt.toISOString(), label: dueLabel(r.nextCheckAt, now), title: utcLabel(r.nextCheckAt) } : null,
    canCheck,
  }));

  return (
    <>
      <PageHeader
        title="Health"
        description={`Checks, latency and errors over the last 24 hours, and circuit breakers, for ${ctx.org.name}'s connections and the platform-wide ones.`}
        actions={<LiveRefresh orgId={ctx.org.id} types={["connection.health_changed", "connection.changed"]} />}
      />
      {all === 0 ? (
        <EmptyState icon={<Activity className="size-8" />} title="Nothing to watch yet">
          Health appears here once there are connections. Pick a service in{" "}
          <Link className="text-primary hover:underline" href="/integrations">
            Integrations
          </Link>{" "}
          to connect it.
        </EmptyState>
      ) : (
        <>
          <HealthSummaryCards counts={counts} active={status} />
          <HealthTable
            rows={tableRows}
            totalRows={total}
            pageCount={pageCountFor(total, state.perPage)}
            statuses={healthStatuses.map((s) => ({ value: s, label: statusLabels[s]! }))}
            providers={providerKeys.map((k) => ({ value: k, label: providerName(k) })).sort((a, b) => a.label.localeCompare(b.label))}
          />
        </>
      )}
    </>
  );
}
