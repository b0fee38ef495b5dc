import { AllowlistEditor } from "@/components/settings/allowlist-editor";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { listAllowlist } from "@/db/queries/network";
import { requireOrgContext } from "@/lib/auth/context";
import { can } from "@/lib/auth/roles";

export const metadata = { title: "Network" };

const view = (rows: Awaited<ReturnType<typeof listAllowlist>>) => rows.map((r) => ({ id: r.id, entry: r.entry, note: r.note, createdAt: r.createdAt.toISOString() }));

export default async function NetworkPage() {
  const ctx = await requireOrgContext();
  const canManage = can(ctx.role, "network.manage");
  const [own, platform] = await Promise.all([listAllowlist(ctx.org.id), ctx.user.isPlatformAdmin ? listAllowlist(null) : Promise.resolve([])]);
  return (
    <div className="grid gap-6">
      <Card>
        <CardHeader>
          <CardTitle>Outbound network allowlist</CardTitle>
          <CardDescription>
            Patchbay refuses to call private, loopback, link-local and cloud-metadata addresses, checked on the address it actually connects to. Allow the internal hosts your connections need (a self-hosted SMTP relay or Jira). Owners only; every change is audited.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <AllowlistEditor orgId={ctx.org.id} platform={false} entries={view(own)} canManage={canManage} />
        </CardContent>
      </Card>
      {ctx.user.isPlatformAdmin ? (
        <Card>
          <CardHeader>
            <CardTitle>Platform-wide allowlist</CardTitle>
            <CardDescription>Applies to platform-wide connections and to every organization.</CardDescription>
          </CardHeader>
          <CardContent>
            <AllowlistEditor orgId={ctx.org.id} platform entries={view(platform)} canManage={canManage} />
          </CardContent>
        </Card>
      ) : null}
    </div>
  );
}
