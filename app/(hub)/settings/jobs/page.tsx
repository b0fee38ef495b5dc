import Link from "next/link";
import { EmptyState } from "@/components/page-header";
import { RedriveJobButton, RedriveQueueButton, RefreshJobsButton, RetryJobButton } from "@/components/settings/jobs-actions";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { requireOrgContext } from "@/lib/auth/context";
import { can } from "@/lib/auth/roles";
import { countLiveWorkers, listProblemJobs, queueOverview, type JobScope } from "@/lib/jobs/admin";
import type { JobScopeName } from "@/lib/schemas/jobs";
import { cn } from "@/lib/utils";

export const metadata = { title: "Jobs" };

const when = (d: Date | null) => (d ? d.toISOString().slice(0, 19).replace("T", " ") : "—");

function Count({ n, tone }: { n: number; tone?: "warning" | "destructive" }) {
  return <span className={cn("tabular-nums", n === 0 ? "text-muted-foreground" : tone === "destructive" ? "font-medium text-destructive" : tone === "warning" ? "font-medium" : "")}>{n}</span>;
}

export default async function JobsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const ctx = await requireOrgContext();
  if (!can(ctx.role, "jobs.manage")) {
    return (
      <Card>
        <CardHeader>
          <CardTitle>Jobs</CardTitle>
          <CardDescription>Only admins and owners can see and retry the background jobs of {ctx.org.name}. You are a member.</CardDescription>
        </CardHeader>
      </Card>
    );
  }
  const scopeName: JobScopeName = ctx.user.isPlatformAdmin && (await searchParams).scope === "platform" ? "platform" : "organization";
  const scope: JobScope = scopeName === "platform" ? { kind: "platform" } : { kind: "org", orgId: ctx.org.id };
  const [queues, problems, workers] = await Promise.all([queueOverview(scope), listProblemJobs(scope, { limit: 100 }), countLiveWorkers()]);
  const platform = scopeName === "platform";
  return (
    <div className="grid gap-6">
      {ctx.user.isPlatformAdmin ? (
        <nav aria-label="Job scope" className="flex gap-1 text-sm">
          {(
            [
              ["organization", `${ctx.org.name} only`, "/settings/jobs"],
              ["platform", "Whole platform", "/settings/jobs?scope=platform"],
            ] as const
          ).map(([value, label, href]) => (
            <Link key={value} href={href} aria-current={scopeName === value ? "page" : undefined} className={cn("rounded-md border px-3 py-1.5 text-muted-foreground hover:text-foreground", scopeName === value && "border-primary bg-accent font-medium text-foreground")}>
              {label}
            </Link>
          ))}
        </nav>
      ) : null}
      <Card>
        <CardHeader className="flex flex-row items-start justify-between gap-4">
          <div>
            <CardTitle>Queues</CardTitle>
            <CardDescription>
              {platform ? "Every job on this Patchbay: all organizations, platform connections and the scheduled ticks." : `Background jobs of ${ctx.org.name}'s connections.`}{" "}
              {workers === 0 ? "No worker process has reported in the last 45 seconds: queued jobs wait until one runs (npm start, or npm run worker)." : `${workers} worker ${workers === 1 ? "process is" : "processes are"} running.`}
            </CardDescription>
          </div>
          <RefreshJobsButton />
        </CardHeader>
        <CardContent>
          <Table aria-label="Queues">
            <TableHeader>
              <TableRow>
                <TableHead>Queue</TableHead>
                <TableHead className="text-right">Ready</TableHead>
                <TableHead className="text-right">Deferred</TableHead>
                <TableHead className="text-right">Running</TableHead>
                <TableHead className="text-right">Failed (recent)</TableHead>
                <TableHead className="text-right">Dead-lettered</TableHead>
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {queues.map((q) => (
                <TableRow key={q.name} data-queue={q.name}>
                  <TableCell className="max-w-md whitespace-normal">
                    <div className="flex items-center gap-2 font-mono text-sm">
                      {q.name}
                      {q.cron ? <Badge variant="outline">scheduled</Badge> : null}
                    </div>
                    <div className="text-xs text-muted-foreground">{q.description}</div>
                  </TableCell>
                  <TableCell className="text-right">
                    <Count n={q.ready} />
                  </TableCell>
                  <TableCell className="text-right">
                    <Count n={q.deferred} />
                  </TableCell>
                  <TableCell className="text-right">
                    <Count n={q.active} />
                  </TableCell>
                  <TableCell className="text-right">
                    <Count n={q.failed} tone="warning" />
                  </TableCell>
                  <TableCell className="text-right">
                    <Count n={q.deadLettered} tone="destructive" />
                  </TableCell>
                  <TableCell className="text-right">{q.deadLettered > 0 ? <RedriveQueueButton orgId={ctx.org.id} scope={scopeName} queue={q.name} count={q.deadLettered} /> : null}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Failed and dead-lettered jobs</CardTitle>
          <CardDescription>
            A job that runs out of retries goes to the dead-letter queue: redrive it once the cause is fixed, and it runs again with full retries. Failed jobs of scheduled queues are retried in place. Every retry and redrive is in the audit log.
          </CardDescription>
        </CardHeader>
        <CardContent>
          {problems.length === 0 ? (
            <EmptyState title="No failed jobs">Nothing failed recently{platform ? "" : ` in ${ctx.org.name}`}. Failed jobs are kept for 7 days; dead-lettered ones wait up to 14 days for a redrive.</EmptyState>
          ) : (
            <Table aria-label="Failed and dead-lettered jobs">
              <TableHeader>
                <TableRow>
                  <TableHead>Queue</TableHead>
                  <TableHead>Job</TableHead>
                  {platform ? <TableHead>Organization</TableHead> : null}
                  <TableHead>Connection</TableHead>
                  <TableHead>Created</TableHead>
                  <TableHead>Failed</TableHead>
                  <TableHead className="text-right">Attempts</TableHead>
                  <TableHead>Error</TableHead>
                  <TableHead>
                    <span className="sr-only">Actions</span>
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {problems.map((j) => (
                  <TableRow key={j.id} data-job={j.id}>
                    <TableCell>
                      <div className="font-mono text-sm">{j.queue}</div>
                      <Badge variant={j.kind === "dead-lettered" ? "destructive" : "warning"}>{j.kind}</Badge>
                    </TableCell>
                    <TableCell className="font-mono text-xs" title={j.id}>
                      {j.id.slice(0, 8)}
                    </TableCell>
                    {platform ? <TableCell>{j.orgName ?? (j.orgId ? "(deleted)" : "Platform")}</TableCell> : null}
                    <TableCell className="font-mono text-xs">
                      {j.connectionId ? (
                        j.orgId === ctx.org.id ? (
                          <Link href={`/connections/${j.connectionId}`} className="underline-offset-4 hover:underline">
                            {j.connectionId.slice(0, 8)}
                          </Link>
                        ) : (
                          j.connectionId.slice(0, 8)
                        )
                      ) : (
                        "—"
                      )}
                    </TableCell>
                    <TableCell className="text-xs">{when(j.createdAt)}</TableCell>
                    <TableCell className="text-xs">{when(j.failedAt)}</TableCell>
                    <TableCell className="text-right tabular-nums">{j.attempts}</TableCell>
                    <TableCell className="max-w-sm whitespace-normal break-words text-xs">{j.error ?? "—"}</TableCell>
                    <TableCell className="text-right">
                      {j.kind === "dead-lettered" ? <RedriveJobButton orgId={ctx.org.id} scope={scopeName} queue={j.queue} jobId={j.id} /> : <RetryJobButton orgId={ctx.org.id} scope={scopeName} queue={j.queue} jobId={j.id} />}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
