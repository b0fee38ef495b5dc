import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { RenameOrganizationForm } from "@/components/settings/rename-organization-form";
import { getOrganization } from "@/db/queries/organizations";
import { requireOrgContext } from "@/lib/auth/context";
import { can } from "@/lib/auth/roles";

export const metadata = { title: "Organization settings" };

export default async function OrganizationSettingsPage() {
  const ctx = await requireOrgContext();
  const org = await getOrganization(ctx.org.id);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Organization</CardTitle>
        <CardDescription>
          Slug <code className="font-mono">{org?.slug}</code> · id <code className="font-mono">{ctx.org.id}</code> · created {org?.createdAt.toISOString().slice(0, 10)}
        </CardDescription>
      </CardHeader>
      <CardContent>
        {can(ctx.role, "org.update") ? (
          <RenameOrganizationForm orgId={ctx.org.id} name={ctx.org.name} />
        ) : (
          <p className="text-sm text-muted-foreground">
            <span className="font-medium text-foreground">{ctx.org.name}</span>. Only owners can rename the organization.
          </p>
        )}
      </CardContent>
    </Card>
  );
}
