import Link from "next/link";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { requireOrgContext } from "@/lib/auth/context";

export const metadata = { title: "Connection not completed" };

export default async function AuthorizationFailedPage({ searchParams }: { searchParams: Promise<{ message?: string; connection?: string }> }) {
  await requireOrgContext();
  const { message, connection } = await searchParams;
  const safeId = typeof connection === "string" && /^[0-9a-f-]{36}$/.test(connection) ? connection : null;
  return (
    <Card className="max-w-xl">
      <CardHeader>
        <CardTitle>The connection was not completed</CardTitle>
        <CardDescription data-testid="authorization-error">{typeof message === "string" ? message : "The sign-in with the provider did not finish."}</CardDescription>
      </CardHeader>
      <CardContent className="flex gap-2">
        {safeId ? (
          <Button asChild>
            <Link href={`/connections/${safeId}`}>Try again</Link>
          </Button>
        ) : null}
        <Button asChild variant="outline">
          <Link href="/connections">All connections</Link>
        </Button>
      </CardContent>
    </Card>
  );
}
