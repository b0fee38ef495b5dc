import { Activity } from "lucide-react";
import { EmptyState, PageHeader } from "@/components/page-header";
import { requireOrgContext } from "@/lib/auth/context";

export const metadata = { title: "Health" };

export default async function HealthPage() {
  await requireOrgContext();
  return (
    <>
      <PageHeader title="Health" description="Scheduled checks, status history and circuit breakers for every connection." />
      <EmptyState icon={<Activity className="size-8" />} title="Nothing to watch yet">
        Health appears here once there are connections.
      </EmptyState>
    </>
  );
}
