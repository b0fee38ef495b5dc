"use client";
import { useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { changeMemberRoleAction } from "@/lib/actions/change-member-role";
import { removeMemberAction } from "@/lib/actions/remove-member";
import { revokeInvitationAction } from "@/lib/actions/revoke-invitation";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

type Role = "owner" | "admin" | "member";
type Member = { userId: string; name: string | null; email: string; role: Role; createdAt: string };
type Invitation = { id: string; email: string; role: Role; expiresAt: string };

export function MembersTable({
  orgId,
  orgName,
  members,
  invitations,
  canManage,
  currentUserId,
}: {
  orgId: string;
  orgName: string;
  members: Member[];
  invitations: Invitation[];
  canManage: boolean;
  currentUserId: string;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();

  function run(label: string, fn: () => Promise<{ serverError?: string; validationErrors?: unknown } | undefined>) {
    startTransition(async () => {
      const result = await fn();
      if (result?.serverError) toast.error(result.serverError);
      else if (result?.validationErrors) toast.error("That request was not valid.");
      else toast.success(label);
      router.refresh();
    });
  }

  return (
    <div className="grid gap-6">
      <Table>
        <TableHeader>
          <TableRow>
            <TableHead>Name</TableHead>
            <TableHead>Email</TableHead>
            <TableHead>Role</TableHead>
            <TableHead>Member since</TableHead>
            {canManage ? <TableHead className="text-right">Actions</TableHead> : null}
          </TableRow>
        </TableHeader>
        <TableBody>
          {members.map((m) => (
            <TableRow key={m.userId} data-testid={`member-${m.email}`}>
              <TableCell>
                {m.name ?? "—"} {m.userId === currentUserId ? <Badge variant="secondary">you</Badge> : null}
              </TableCell>
              <TableCell>{m.email}</TableCell>
              <TableCell>
                {canManage ? (
                  <Select value={m.role} disabled={pending} onValueChange={(role) => run(`${m.email} is now ${role}.`, () => changeMemberRoleAction({ orgId, userId: m.userId, role: role as Role }))}>
                    <SelectTrigger className="w-32" aria-label={`Role of ${m.email}`}>
                      <SelectValue />
                    </SelectTrigger>
                    <SelectContent>
                      <SelectItem value="owner">Owner</SelectItem>
                      <SelectItem value="admin">Admin</SelectItem>
                      <SelectItem value="member">Member</SelectItem>
                    </SelectContent>
                  </Select>
                ) : (
                  <Badge variant="outline">{m.role}</Badge>
                )}
              </TableCell>
              <TableCell>{m.createdAt.slice(0, 10)}</TableCell>
              {canManage ? (
                <TableCell className="text-right">
                  <ConfirmDialog
                    trigger={
                      <Button variant="ghost" size="sm" disabled={pending}>
                        Remove
                      </Button>
                    }
                    title={<>Remove {m.email}?</>}
                    description={<>They lose access to {orgName} at once. Their account stays, and they keep access to other organizations.</>}
                    confirmLabel="Remove"
                    onConfirm={() => run(`${m.email} was removed.`, () => removeMemberAction({ orgId, userId: m.userId }))}
                  />
                </TableCell>
              ) : null}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {invitations.length > 0 ? (
        <div>
          <h2 className="mb-2 text-sm font-medium">Pending invitations</h2>
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Email</TableHead>
                <TableHead>Role</TableHead>
                <TableHead>Expires</TableHead>
                {canManage ? <TableHead className="text-right">Actions</TableHead> : null}
              </TableRow>
            </TableHeader>
            <TableBody>
              {invitations.map((i) => (
                <TableRow key={i.id}>
                  <TableCell>{i.email}</TableCell>
                  <TableCell>
                    <Badge variant="outline">{i.role}</Badge>
                  </TableCell>
                  <TableCell>{i.expiresAt.replace("T", " ").slice(0, 16)} UTC</TableCell>
                  {canManage ? (
                    <TableCell className="text-right">
                      <Button variant="ghost" size="sm" disabled={pending} onClick={() => run(`Invitation for ${i.email} revoked.`, () => revokeInvitationAction({ orgId, invitationId: i.id }))}>
                        Revoke
                      </Button>
                    </TableCell>
                  ) : null}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      ) : null}
    </div>
  );
}
