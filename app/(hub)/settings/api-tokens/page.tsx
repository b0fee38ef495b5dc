import { ApiTokens } from "@/components/settings/api-tokens";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { listApiTokens } from "@/db/queries/api-tokens";
import { requireOrgContext } from "@/lib/auth/context";
import { can } from "@/lib/auth/roles";

export const metadata = { title: "API tokens" };

export default async function ApiTokensPage() {
  const ctx = await requireOrgContext();
  const canManage = can(ctx.role, "tokens.manage");
  const tokens = canManage ? await listApiTokens(ctx.org.id) : [];
  return (
    <Card>
      <CardHeader>
        <CardTitle>API tokens</CardTitle>
        <CardDescription>
          Tokens let your platform&apos;s backend call the REST API (<code>/api/v1</code>) for {ctx.org.name}. Send them as <code>Authorization: Bearer pb_…</code>.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <ApiTokens
          orgId={ctx.org.id}
          canManage={canManage}
          tokens={tokens.map((t) => ({
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            scopes: t.scopes,
            lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
            expiresAt: t.expiresAt?.toISOString() ?? null,
            revokedAt: t.revokedAt?.toISOString() ?? null,
            createdAt: t.createdAt.toISOString(),
          }))}
        />
      </CardContent>
    </Card>
  );
}
