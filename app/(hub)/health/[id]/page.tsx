import Link from "next/link";
import { notFound } from "next/navigation";
import { ArrowLeft, Settings2 } from "lucide-react";
import { ConnectionStatusBadge, HealthBadge } from "@/components/connections/status-badge";
import { CheckIntervalForm } from "@/components/health/check-interval-form";
import { CheckNowButton } from "@/components/health/check-now-button";
import { dueLabel, formatInterval, formatMs, formatRate, relativeTime, utcLabel } from "@/components/health/format";
import { HealthChart } from "@/components/health/health-chart";
import { LiveRefresh } from "@/components/live/live-refresh";
import { PageHeader } from "@/components/page-header";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { getConnectionHealth, healthSeries, listRecentSignals, listStatusChanges } from "@/db/queries/health-dashboard";
import { requireOrgContext } from "@/lib/auth/context";
import { can } from "@/lib/auth/roles";
import { getProvider } from "@/lib/catalog/registry";
import { healthRanges, type HealthRange } from "@/lib/schemas/health";
import { cn } from "@/lib/utils";

export const metadata = { title: "Connection health" };

const RECENT_SIGNALS = 50;
const RECENT_CHANGES = 20;
const rangeLabel: Record<HealthRange, string> = { "24h": "24 hours", "7d": "7 days" };

function When({ d, now }: { d: Date | null; now: Date }) {
  if (!d) return <span className="text-muted-foreground">—</span>;
  return (
    <time dateTime={d.toISOString()} title={utcLabel(d)}>
      {relativeTime(d, now)}
    </time>
  );
}

function Stat({ label, children, hint, detail, testId }: { label: string; children: React.ReactNode; hint?: React.ReactNode; detail?: React.ReactNode; testId?: string }) {
  return (
    <div className="flex min-w-0 flex-col gap-1 rounded-xl border bg-card p-4 shadow-sm" data-testid={testId}>
      <span className="text-sm text-muted-foreground">{label}</span>
      <span className="truncate text-xl font-semibold tabular-nums">{children}</span>
      {hint ? <span className="truncate text-sm text-muted-foreground">{hint}</span> : null}
      {detail ? (
        <span className="truncate text-xs text-muted-foreground" title={typeof detail === "string" ? detail : undefined}>
          {detail}
        </span>
      ) : null}
    </div>
  );
}

export default async function ConnectionHealthPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ range?: string | string[] }> }) {
  const ctx = await requireOrgContext();
  const { id } = await params;
  const rawRange = (await searchParams).range;
  const range: HealthRange = (healthRanges as readonly string[]).includes(String(rawRange)) ? (rawRange as HealthRange) : "24h";
  const h = id.length <= 100 ? await getConnectionHealth(ctx.org.id, id) : undefined;
  if (!h) notFound();
  const now = new Date();
  const [series, signals, changes] = await Promise.all([healthSeries(ctx.org.id, h.id, range, now), listRecentSignals(ctx.org.id, h.id, RECENT_SIGNALS), listStatusChanges(ctx.org.id, h.id, RECENT_CHANGES)]);
  const provider = getProvider(h.providerKey);
  const canCheck = can(ctx.role, "connections.manage");
  const canSchedule = canCheck && (h.orgId !== null || ctx.user.isPlatformAdmin);
  const interval = h.intervalSeconds ?? 300;
  const signalsInRange = series.reduce((n, b) => n + b.total, 0);
  const failedInRange = series.reduce((n, b) => n + b.failed, 0);

  return (
    <>
      <Link href="/health" className="mb-3 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="size-4" aria-hidden="true" /> Health
      </Link>
      <PageHeader
        title={h.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <Link className="text-primary hover:underline" href={`/integrations/${h.providerKey}`}>
              {provider?.name ?? h.providerKey}
            </Link>
            <HealthBadge health={h.healthStatus} />
            <ConnectionStatusBadge status={h.connectionStatus} enabled={h.enabled} />
            <Badge variant="outline">{h.orgId ? ctx.org.name : "Platform-wide"}</Badge>
            {h.statusSince ? (
              <span>
                since <When d={h.statusSince} now={now} />
              </span>
            ) : null}
          </span>
        }
        actions={
          <>
            <LiveRefresh orgId={ctx.org.id} types={["connection.health_changed", "connection.changed"]} />
            {canCheck && h.enabled ? <CheckNowButton orgId={ctx.org.id} connectionId={h.id} name={h.name} size="default" /> : null}
            <Button variant="outline" asChild>
              <Link href={`/connections/${h.id}`}>
                <Settings2 aria-hidden="true" /> Connection settings
              </Link>
            </Button>
          </>
        }
      />

      <div className="mb-6 grid gap-3 sm:grid-cols-2 xl:grid-cols-4">
        <Stat
          label="Last check"
          hint={
            h.lastCheckAt ? (
              <>
                {formatMs(h.lastLatencyMs)} · <When d={h.lastCheckAt} now={now} />
              </>
            ) : (
              "The worker checks it shortly."
            )
          }
          detail={h.lastMessage}
        >
          {h.lastCheckAt ? (
            <span data-testid="last-check" className={h.lastOk ? "text-success" : "text-destructive"}>
              {h.lastOk ? "Passed" : "Failed"}
            </span>
          ) : (
            "Not checked yet"
          )}
        </Stat>
        <Stat label="Latency, 24 h" hint="p50 / p95 of checks and calls">
          {formatMs(h.latencyP50Ms)} <span className="text-muted-foreground">/</span> {formatMs(h.latencyP95Ms)}
        </Stat>
        <Stat label="Error rate, 24 h" hint={(h.checks24h ?? 0) === 1 ? "of 1 check or call" : `of ${h.checks24h ?? 0} checks and calls`}>
          {formatRate(h.errorRate24h)}
        </Stat>
        <Stat
          label="Schedule"
          testId="schedule"
          hint={
            h.enabled ? (
              <>
                next check{" "}
                {h.nextCheckAt ? (
                  <time dateTime={h.nextCheckAt.toISOString()} title={utcLabel(h.nextCheckAt)}>
                    {dueLabel(h.nextCheckAt, now)}
                  </time>
                ) : (
                  "due now"
                )}
              </>
            ) : (
              "paused: the connection is disabled"
            )
          }
          detail={
            <>
              circuit breaker <span className={cn(h.breakerState === "open" && "text-destructive", h.breakerState === "half-open" && "text-warning")}>{h.breakerState ?? "closed"}</span>
            </>
          }
        >
          every {formatInterval(interval)}
        </Stat>
      </div>

      <Card className="mb-6">
        <CardHeader className="flex flex-wrap items-start justify-between gap-3">
          <div className="grid gap-1.5">
            <CardTitle>Latency and success rate</CardTitle>
            <CardDescription>
              Checks and calls over the last {rangeLabel[range]}, {range === "24h" ? "per hour" : "per 6 hours"} (UTC): {signalsInRange} signals, {failedInRange} failed.
            </CardDescription>
          </div>
          <nav aria-label="Chart range" className="inline-flex rounded-md border p-0.5">
            {healthRanges.map((r) => (
              <Link
                key={r}
                href={r === "24h" ? `/health/${h.id}` : `/health/${h.id}?range=${r}`}
                aria-current={r === range ? "page" : undefined}
                className={cn("rounded px-3 py-1 text-sm", r === range ? "bg-secondary font-medium text-secondary-foreground" : "text-muted-foreground hover:text-foreground")}
              >
                {r === "24h" ? "24 h" : "7 d"}
              </Link>
            ))}
          </nav>
        </CardHeader>
        <CardContent>
          {signalsInRange === 0 ? (
            <p className="flex h-40 items-center justify-center rounded-md border border-dashed text-sm text-muted-foreground" data-testid="health-chart-empty">
              No checks or calls in the last {rangeLabel[range]}.
            </p>
          ) : (
            <HealthChart range={range} data={series.map((b) => ({ t: b.at.getTime(), p50: b.p50, p95: b.p95, success: b.successRate === null ? null : Math.round(b.successRate * 1000) / 10, total: b.total, failed: b.failed }))} />
          )}
        </CardContent>
      </Card>

      <div className="mb-6 grid gap-6 xl:grid-cols-[1fr_420px]">
        <Card>
          <CardHeader>
            <CardTitle>Status changes</CardTitle>
            <CardDescription>The latest {RECENT_CHANGES} transitions, and whether an alert went out.</CardDescription>
          </CardHeader>
          <CardContent>
            {changes.length === 0 ? (
              <p className="text-sm text-muted-foreground">No status changes yet.</p>
            ) : (
              <Table aria-label="Status changes">
                <TableHeader>
                  <TableRow>
                    <TableHead>When</TableHead>
                    <TableHead>Change</TableHead>
                    <TableHead>Reason</TableHead>
                    <TableHead>Alert</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {changes.map((c) => (
                    <TableRow key={c.id}>
                      <TableCell className="whitespace-nowrap">
                        <When d={c.at} now={now} />
                      </TableCell>
                      <TableCell>
                        <span className="flex items-center gap-1">
                          <HealthBadge health={c.fromStatus} /> → <HealthBadge health={c.toStatus} />
                        </span>
                      </TableCell>
                      <TableCell className="whitespace-normal text-muted-foreground">{c.reason}</TableCell>
                      <TableCell className="text-muted-foreground">{c.alertError ? <span className="text-destructive" title={c.alertError}>failed</span> : c.alertedAt ? "sent" : "—"}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Check schedule</CardTitle>
            <CardDescription>
              {canSchedule
                ? "How often the worker checks this connection. Failed calls in between are noticed on their own."
                : h.orgId === null && canCheck
                  ? "This platform-wide connection's schedule is managed by platform admins."
                  : "Only admins and owners can change how often a connection is checked."}
            </CardDescription>
          </CardHeader>
          <CardContent>
            {canSchedule ? <CheckIntervalForm orgId={ctx.org.id} connectionId={h.id} intervalSeconds={interval} /> : <p className="text-sm">Every {formatInterval(interval)}</p>}
          </CardContent>
        </Card>
      </div>

      <Card>
        <CardHeader>
          <CardTitle>Recent checks and calls</CardTitle>
          <CardDescription>The latest {RECENT_SIGNALS} signals: scheduled and manual checks, ordinary API calls and token refreshes.</CardDescription>
        </CardHeader>
        <CardContent>
          {signals.length === 0 ? (
            <p className="text-sm text-muted-foreground">Nothing recorded yet.</p>
          ) : (
            <Table aria-label="Recent checks and calls">
              <TableHeader>
                <TableRow>
                  <TableHead>When</TableHead>
                  <TableHead>Kind</TableHead>
                  <TableHead>Trigger</TableHead>
                  <TableHead>Result</TableHead>
                  <TableHead className="text-right">Latency</TableHead>
                  <TableHead>Message</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {signals.map((s) => (
                  <TableRow key={s.id}>
                    <TableCell className="whitespace-nowrap">
                      <When d={s.checkedAt} now={now} />
                    </TableCell>
                    <TableCell>{s.kind}</TableCell>
                    <TableCell className="text-muted-foreground">{s.trigger}</TableCell>
                    <TableCell>
                      <Badge variant={s.ok ? "success" : s.status === "auth" ? "warning" : "destructive"}>{s.ok ? "ok" : s.status}</Badge>
                    </TableCell>
                    <TableCell className="text-right tabular-nums">{formatMs(s.latencyMs)}</TableCell>
                    <TableCell className="max-w-md truncate text-muted-foreground" title={s.message ?? undefined}>
                      {s.message ?? ""}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>
    </>
  );
}
