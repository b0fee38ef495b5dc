import Link from "next/link";
import { PageHeader } from "@/components/page-header";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { HealthSummary } from "@/components/home/health-summary";
import { LiveRefresh } from "@/components/live/live-refresh";
import { RecentStatusChanges } from "@/components/home/recent-status-changes";
import { countMembers } from "@/db/queries/memberships";
import { listAuditLog } from "@/db/queries/audit";
import { getHealthState } from "@/lib/health/state";
import { requireOrgContext } from "@/lib/auth/context";
import { can, roleLabels } from "@/lib/auth/roles";

export const metadata = { title: "Home" };

export default async function HomePage() {
  const ctx = await requireOrgContext();
  const [members, health, recent] = await Promise.all([
    countMembers(ctx.org.id),
    getHealthState(ctx.org.id),
    can(ctx.role, "audit.read") ? listAuditLog(ctx.org.id, { page: 1, perPage: 5, sort: { id: "at", desc: true } }) : null,
  ]);
  return (
    <>
      <PageHeader
        title={ctx.org.name}
        description={`You are ${roleLabels[ctx.role].toLowerCase()} of this organization.`}
        actions={<LiveRefresh orgId={ctx.org.id} types={["connection.health_changed", "connection.changed"]} />}
      />
      <div className="grid gap-4 md:grid-cols-3">
        <Card>
          <CardHeader>
            <CardDescription>Members</CardDescription>
            <CardTitle className="text-3xl" data-testid="member-count">{members}</CardTitle>
          </CardHeader>
          <CardContent>
            <Link className="text-sm text-primary hover:underline" href="/settings/members">
              Manage members
            </Link>
          </CardContent>
        </Card>
        <HealthSummary byHealth={health.byHealth} byLifecycle={health.byLifecycle} total={health.total} />
        <Card>
          <CardHeader>
            <CardDescription>Organizations you belong to</CardDescription>
            <CardTitle className="text-3xl">{ctx.orgs.length}</CardTitle>
          </CardHeader>
          <CardContent className="text-sm text-muted-foreground">Switch with the menu at the top.</CardContent>
        </Card>
      </div>
      <div className="mt-6">
        <RecentStatusChanges changes={health.recentChanges} />
      </div>
      {recent ? (
        <Card className="mt-6">
          <CardHeader>
            <CardTitle>Recent activity</CardTitle>
            <CardDescription>
              The latest entries of the <Link className="text-primary hover:underline" href="/settings/audit">audit log</Link>.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <ul className="divide-y text-sm">
              {recent.rows.map((r) => (
                <li key={r.id} className="flex justify-between gap-4 py-2">
                  <span>
                    <span className="font-mono text-xs">{r.action}</span> <span className="text-muted-foreground">by {r.actorEmail ?? "system"}</span>
                  </span>
                  <time className="text-muted-foreground" dateTime={r.at.toISOString()}>
                    {r.at.toISOString().replace("T", " ").slice(0, 19)} UTC
                  </time>
                </li>
              ))}
            </ul>
          </CardContent>
        </Card>
      ) : null}
    </>
  );
}
