import Image from "next/image";
import Link from "next/link";
import { PageHeader } from "@/components/page-header";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { listVisibleConnections } from "@/db/queries/integrations";
import { requireOrgContext } from "@/lib/auth/context";
import { categories } from "@/lib/catalog/define-provider";
import { listProviders } from "@/lib/catalog/registry";

export const metadata = { title: "Integrations" };

export default async function IntegrationsPage({ searchParams }: { searchParams: Promise<{ q?: string; category?: string }> }) {
  const ctx = await requireOrgContext();
  const sp = await searchParams;
  const q = typeof sp.q === "string" ? sp.q.trim().toLowerCase().slice(0, 100) : "";
  const category = typeof sp.category === "string" && (categories as readonly string[]).includes(sp.category) ? sp.category : "";
  const connections = await listVisibleConnections(ctx.org.id);
  const connected = new Set(connections.map((c) => c.providerKey));
  const healthy = connections.filter((c) => c.enabled && c.status === "active" && c.healthStatus !== "failing" && c.healthStatus !== "disconnected").length;
  const all = listProviders();
  const shown = all
    .filter((p) => !category || p.category === category)
    .filter((p) => !q || [p.name, p.key, p.description, p.category, ...p.capabilities].join(" ").toLowerCase().includes(q))
    .sort((a, b) => Number(b.popular) - Number(a.popular) || a.name.localeCompare(b.name));
  const usedCategories = categories.filter((c) => all.some((p) => p.category === c));
  return (
    <>
      <PageHeader title="Integrations" description="The services Patchbay can connect. Pick one to see what it needs and connect it." />
      <div className="mb-6 grid gap-4 sm:grid-cols-3">
        <Card>
          <CardHeader>
            <CardDescription>Providers</CardDescription>
            <CardTitle className="text-2xl">{all.length}</CardTitle>
          </CardHeader>
        </Card>
        <Card>
          <CardHeader>
            <CardDescription>Connected for {ctx.org.name}</CardDescription>
            <CardTitle className="text-2xl" data-testid="stat-connected">
              {connections.length}
            </CardTitle>
          </CardHeader>
        </Card>
        <Card>
          <CardHeader>
            <CardDescription>Healthy</CardDescription>
            <CardTitle className="text-2xl" data-testid="stat-healthy">
              {healthy}
            </CardTitle>
          </CardHeader>
        </Card>
      </div>
      <form className="mb-4 flex flex-wrap items-end gap-2" role="search">
        <Input name="q" defaultValue={q} placeholder="Search integrations" aria-label="Search integrations" className="max-w-xs" />
        <select name="category" defaultValue={category} aria-label="Category" className="h-9 rounded-md border bg-background px-3 text-sm">
          <option value="">All categories</option>
          {usedCategories.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        <Button type="submit" variant="outline">
          Filter
        </Button>
        {q || category ? (
          <Button asChild variant="ghost">
            <Link href="/integrations">Reset</Link>
          </Button>
        ) : null}
      </form>
      {shown.length === 0 ? <p className="text-sm text-muted-foreground">No integration matches “{q}”.</p> : null}
      <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
        {shown.map((p) => (
          <Link key={p.key} href={`/integrations/${p.key}`} className="rounded-lg transition-shadow hover:shadow-md focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none" data-testid={`provider-card-${p.key}`}>
            <Card className="h-full">
              <CardHeader>
                <CardTitle className="flex items-center gap-2">
                  <Image src={`/providers/${p.icon}`} alt="" width={28} height={28} unoptimized />
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
