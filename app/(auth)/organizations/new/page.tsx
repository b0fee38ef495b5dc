import { CreateOrganizationForm } from "@/components/auth/create-organization-form";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { requireUser } from "@/lib/auth/context";

export const dynamic = "force-dynamic";
export const metadata = { title: "New organization" };

export default async function NewOrganizationPage() {
  const user = await requireUser();
  return (
    <Card>
      <CardHeader>
        <CardTitle>Create an organization</CardTitle>
        <CardDescription>{user.email} is not a member of any organization yet. Create one, or ask an owner to add you.</CardDescription>
      </CardHeader>
      <CardContent>
        <CreateOrganizationForm />
      </CardContent>
    </Card>
  );
}
