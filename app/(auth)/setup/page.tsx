import { notFound } from "next/navigation";
import { SetupForm } from "@/components/auth/setup-form";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { isSetupComplete } from "@/lib/organizations/setup";

export const dynamic = "force-dynamic";
export const metadata = { title: "Set up Patchbay" };

export default async function SetupPage() {
  // Closed for good once the first user exists (the action checks again, under a lock).
  if (await isSetupComplete()) notFound();
  return (
    <Card>
      <CardHeader>
        <CardTitle>Welcome to Patchbay</CardTitle>
        <CardDescription>Create the owner account and your first organization. This page closes once you are done.</CardDescription>
      </CardHeader>
      <CardContent>
        <SetupForm />
      </CardContent>
    </Card>
  );
}
