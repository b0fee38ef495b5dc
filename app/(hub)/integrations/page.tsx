import Link from "next/link";
import { PageHeader } from "@/components/page-header";
import { Badge } from "@/components/ui/badge";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { listVisibleConnections } from "@/db/queries/integrations";
import { requireOrgContext } from "@/lib/auth/context";
import { listProviders } from "@/lib/catalog/registry";

export const metadata = { title: "Integrations" };

export default async function IntegrationsPage() {
  const ctx = await requireOrgContext();
  const connections = await listVisibleConnections(ctx.org.id);
  const connected = new Set(connections.map((c) => c.providerKey));
  return (
    <>
      <PageHeader title="Integrations" description="The services Patchbay can connect. Pick one to see what it needs and connect it." />
      <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
        {listProviders().map((p) => (
          <Link key={p.key} href={`/integrations/${p.key}`} className="rounded-lg transition-shadow hover:shadow-md focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none">
            <Card className="h-full">
              <CardHeader>
                <CardTitle className="flex items-center gap-2">
                  {p.name}
                  {p.popular ? <Badge variant="secondary">Popular</Badge> : null}
                  {connected.has(p.key) ? <Badge variant="success">Connected</Badge> : null}
                </CardTitle>
                <CardDescription>{p.description}</CardDescription>
                <div className="flex flex-wrap gap-1 pt-2">
                  <Badge variant="outline">{p.category}</Badge>
                  {p.capabilities.map((c) => (
                    <Badge key={c} variant="outline">
                      {c.replace(/_/g, " ")}
                    </Badge>
                  ))}
                </div>
              </CardHeader>
            </Card>
          </Link>
        ))}
      </div>
    </>
  );
}
