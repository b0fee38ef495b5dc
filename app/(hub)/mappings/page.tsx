import { Shuffle } from "lucide-react";
import { EmptyState, PageHeader } from "@/components/page-header";
import { requireOrgContext } from "@/lib/auth/context";

export const metadata = { title: "Mappings" };

export default async function MappingsPage() {
  await requireOrgContext();
  return (
    <>
      <PageHeader title="Mappings" description="Field mappings from synced provider records to your own schemas." />
      <EmptyState icon={<Shuffle className="size-8" />} title="No mappings yet">
        No records have been synced, so there is nothing to map.
      </EmptyState>
    </>
  );
}
