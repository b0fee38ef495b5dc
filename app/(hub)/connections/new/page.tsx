import Link from "next/link";
import { notFound } from "next/navigation";
import { ConnectionForm } from "@/components/connections/connection-form";
import { PageHeader } from "@/components/page-header";
import { Card, CardContent } from "@/components/ui/card";
import { requireOrgContext } from "@/lib/auth/context";
import { can } from "@/lib/auth/roles";
import { describeFields } from "@/lib/catalog/fields";
import { getProvider } from "@/lib/catalog/registry";

export const metadata = { title: "New connection" };

export default async function NewConnectionPage({ searchParams }: { searchParams: Promise<{ provider?: string }> }) {
  const ctx = await requireOrgContext();
  const { provider: key } = await searchParams;
  const provider = typeof key === "string" ? getProvider(key) : undefined;
  if (!provider) notFound();
  if (!can(ctx.role, "connections.manage")) {
    return (
      <>
        <PageHeader title={`Connect ${provider.name}`} />
        <p className="text-sm text-muted-foreground">Only admins and owners of {ctx.org.name} can create connections.</p>
      </>
    );
  }
  return (
    <>
      <PageHeader
        title={`Connect ${provider.name}`}
        description={
          <>
            {provider.description}{" "}
            <Link className="text-primary hover:underline" href={provider.docsUrl} target="_blank" rel="noreferrer">
              Documentation
            </Link>
          </>
        }
      />
      <Card>
        <CardContent className="pt-6">
          <ConnectionForm mode="create" orgId={ctx.org.id} providerKey={provider.key} providerName={provider.name} fields={describeFields(provider)} canPlatformWide={ctx.user.isPlatformAdmin} />
        </CardContent>
      </Card>
    </>
  );
}
