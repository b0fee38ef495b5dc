import Link from "next/link";
import { notFound } from "next/navigation";
import { ConnectionStatusBadge, HealthBadge } from "@/components/connections/status-badge";
import { PageHeader } from "@/components/page-header";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { listVisibleConnections } from "@/db/queries/integrations";
import { requireOrgContext } from "@/lib/auth/context";
import { can } from "@/lib/auth/roles";
import { describeFields } from "@/lib/catalog/fields";
import { getProvider } from "@/lib/catalog/registry";

export const metadata = { title: "Integration" };

export default async function ProviderPage({ params }: { params: Promise<{ providerKey: string }> }) {
  const ctx = await requireOrgContext();
  const { providerKey } = await params;
  const provider = getProvider(providerKey);
  if (!provider) notFound();
  const connections = await listVisibleConnections(ctx.org.id, { providerKey: provider.key });
  const own = connections.find((c) => c.orgId && c.isDefault);
  const platform = connections.find((c) => !c.orgId && c.isDefault);
  const effective = own ?? platform;
  return (
    <>
      <PageHeader
        title={provider.name}
        description={provider.description}
        actions={
          can(ctx.role, "connections.manage") ? (
            <Button asChild>
              <Link href={`/connections/new?provider=${provider.key}`}>Connect {provider.name}</Link>
            </Button>
          ) : null
        }
      />
      <div className="grid gap-6 xl:grid-cols-[2fr_3fr]">
        <Card>
          <CardHeader>
            <CardTitle>In use for {ctx.org.name}</CardTitle>
            <CardDescription data-testid="effective-connection">
              {effective ? (
                <>
                  Code asking for {provider.name} settings gets{" "}
                  <Link className="text-primary hover:underline" href={`/connections/${effective.id}`}>
                    {effective.name}
                  </Link>{" "}
                  ({own ? "this organization's own connection" : "the platform-wide connection"}).
                </>
              ) : (
                <>{provider.name} is not configured for {ctx.org.name}: code asking for it gets an error that points here.</>
              )}
            </CardDescription>
          </CardHeader>
          <CardContent>
            {connections.length ? (
              <Table>
                <TableHeader>
                  <TableRow>
                    <TableHead>Connection</TableHead>
                    <TableHead>Scope</TableHead>
                    <TableHead>Status</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {connections.map((c) => (
                    <TableRow key={c.id}>
                      <TableCell>
                        <Link className="text-primary hover:underline" href={`/connections/${c.id}`}>
                          {c.name}
                        </Link>{" "}
                        {c.isDefault ? <Badge variant="secondary">default</Badge> : null}
                      </TableCell>
                      <TableCell>{c.orgId ? "Organization" : "Platform-wide"}</TableCell>
                      <TableCell>
                        <span className="flex items-center gap-1">
                          <ConnectionStatusBadge status={c.status} enabled={c.enabled} />
                          {c.healthStatus === "disconnected" && c.status !== "needs_reauth" ? <HealthBadge health="disconnected" /> : null}
                        </span>
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            ) : null}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>What it needs</CardTitle>
            <CardDescription>
              Category {provider.category} · auth {provider.authModes.join(", ")} · capabilities {provider.capabilities.join(", ")} ·{" "}
              <Link className="text-primary hover:underline" href={provider.docsUrl} target="_blank" rel="noreferrer">
                docs
              </Link>
            </CardDescription>
          </CardHeader>
          <CardContent>
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>Field</TableHead>
                  <TableHead>Required</TableHead>
                  <TableHead>Notes</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {describeFields(provider).map((f) => (
                  <TableRow key={f.name}>
                    <TableCell>
                      {f.label} {f.secret ? <Badge variant="outline">secret</Badge> : null}
                    </TableCell>
                    <TableCell className="whitespace-normal break-all">{f.required ? "yes" : f.defaultValue !== undefined ? `default ${String(f.defaultValue)}` : "no"}</TableCell>
                    <TableCell className="min-w-64 text-xs whitespace-normal text-muted-foreground">{f.help}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </CardContent>
        </Card>
      </div>
    </>
  );
}
