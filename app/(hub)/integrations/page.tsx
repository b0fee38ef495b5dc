import { Blocks } from "lucide-react";
import { EmptyState, PageHeader } from "@/components/page-header";
import { requireOrgContext } from "@/lib/auth/context";

export const metadata = { title: "Integrations" };

export default async function IntegrationsPage() {
  await requireOrgContext();
  return (
    <>
      <PageHeader title="Integrations" description="The catalog of services Patchbay can connect: email, chat, source control, CRM, payments and more." />
      <EmptyState icon={<Blocks className="size-8" />} title="No providers are installed yet">
        The provider catalog is not part of this version. Nothing here is connected.
      </EmptyState>
    </>
  );
}
