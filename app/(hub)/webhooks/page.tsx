import { Webhook } from "lucide-react";
import { EmptyState, PageHeader } from "@/components/page-header";
import { requireOrgContext } from "@/lib/auth/context";

export const metadata = { title: "Webhooks" };

export default async function WebhooksPage() {
  await requireOrgContext();
  return (
    <>
      <PageHeader title="Webhooks" description="Verified inbound events from providers, and signed outbound deliveries." />
      <EmptyState icon={<Webhook className="size-8" />} title="No webhook events yet">
        No events have been received.
      </EmptyState>
    </>
  );
}
