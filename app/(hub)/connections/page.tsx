import { Plug } from "lucide-react";
import { EmptyState, PageHeader } from "@/components/page-header";
import { requireOrgContext } from "@/lib/auth/context";

export const metadata = { title: "Connections" };

export default async function ConnectionsPage() {
  const ctx = await requireOrgContext();
  return (
    <>
      <PageHeader title="Connections" description={`Services connected for ${ctx.org.name}, and platform-wide ones it falls back to.`} />
      <EmptyState icon={<Plug className="size-8" />} title="Nothing connected yet">
        {ctx.org.name} has no connections.
      </EmptyState>
    </>
  );
}
