import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { loadSessionUser } from "@/lib/auth/context";
import { isSetupComplete } from "@/lib/organizations/setup";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  if (!(await isSetupComplete())) redirect("/setup");
  if (await loadSessionUser()) redirect("/");
  const { callbackUrl } = await searchParams;
  return (
    <Card>
      <CardHeader>
        <CardTitle>Sign in</CardTitle>
        <CardDescription>Use the email and password your organization owner gave you.</CardDescription>
      </CardHeader>
      <CardContent>
        <SignInForm callbackUrl={typeof callbackUrl === "string" ? callbackUrl : undefined} />
      </CardContent>
    </Card>
  );
}
