import { AddMemberDialog } from "@/components/settings/add-member-dialog";
import { MembersTable } from "@/components/settings/members-table";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { listOpenInvitations } from "@/db/queries/invitations";
import { listMembers } from "@/db/queries/memberships";
import { requireOrgContext } from "@/lib/auth/context";
import { can } from "@/lib/auth/roles";

export const metadata = { title: "Members" };

export default async function MembersPage() {
  const ctx = await requireOrgContext();
  const canManage = can(ctx.role, "members.manage");
  const [members, invitations] = await Promise.all([listMembers(ctx.org.id), canManage ? listOpenInvitations(ctx.org.id) : []]);
  return (
    <Card>
      <CardHeader className="flex flex-row items-start justify-between gap-4">
        <div>
          <CardTitle>Members</CardTitle>
          <CardDescription>
            {members.length} member{members.length === 1 ? "" : "s"} of {ctx.org.name}. {canManage ? "" : "Only owners can add, change or remove members."}
          </CardDescription>
        </div>
        {canManage ? <AddMemberDialog orgId={ctx.org.id} /> : null}
      </CardHeader>
      <CardContent>
        <MembersTable
          orgId={ctx.org.id}
          orgName={ctx.org.name}
          currentUserId={ctx.user.id}
          canManage={canManage}
          members={members.map((m) => ({ userId: m.userId, name: m.name, email: m.email, role: m.role, createdAt: m.createdAt.toISOString() }))}
          invitations={invitations.map((i) => ({ id: i.id, email: i.email, role: i.role, expiresAt: i.expiresAt.toISOString() }))}
        />
      </CardContent>
    </Card>
  );
}
