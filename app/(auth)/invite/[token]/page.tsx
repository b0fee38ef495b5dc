import Link from "next/link";
import { AcceptInviteForm } from "@/components/auth/accept-invite-form";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { findInvitation } from "@/lib/organizations/members";
import { roleLabels } from "@/lib/auth/roles";

export const dynamic = "force-dynamic";
export const metadata = { title: "Join an organization" };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const inv = token.length <= 200 ? await findInvitation(token) : null;
  if (!inv) {
    return (
      <Card>
        <CardHeader>
          <CardTitle>This invite link does not work</CardTitle>
          <CardDescription>It is invalid, expired or already used. Ask an owner of the organization for a new link.</CardDescription>
        </CardHeader>
        <CardContent>
          <Button asChild variant="outline">
            <Link href="/sign-in">Go to sign in</Link>
          </Button>
        </CardContent>
      </Card>
    );
  }
  return (
    <Card>
      <CardHeader>
        <CardTitle>Join {inv.orgName}</CardTitle>
        <CardDescription>
          You were invited as {roleLabels[inv.role].toLowerCase()} ({inv.email}). The link works once and expires {inv.expiresAt.toUTCString()}.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <AcceptInviteForm token={token} email={inv.email} existingUser={inv.existingUser} />
      </CardContent>
    </Card>
  );
}
