"use client";
import { useState } from "react";
import { useRouter } from "next/navigation";
import { Copy, UserPlus } from "lucide-react";
import { toast } from "sonner";
import { addMemberAction } from "@/lib/actions/add-member";
import { useFormAction } from "@/components/forms/use-form-action";
import { FormError } from "@/components/forms/form-error";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { PASSWORD_MIN } from "@/lib/schemas/account";

export function AddMemberDialog({ orgId }: { orgId: string }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [mode, setMode] = useState<"password" | "invite">("password");
  const [inviteUrl, setInviteUrl] = useState<string | null>(null);
  const form = useFormAction(addMemberAction, {
    extra: { orgId, mode },
    onSuccess(data, el) {
      if (data?.kind === "invited") {
        setInviteUrl(data.inviteUrl);
      } else if (data) {
        toast.success(data.existingUser ? `${data.email} already had an account and was added.` : `${data.email} was added. Give them their initial password.`);
        el?.reset();
        setOpen(false);
      }
      router.refresh();
    },
  });

  function onOpenChange(next: boolean) {
    setOpen(next);
    if (!next) {
      setInviteUrl(null);
      form.reset();
    }
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button>
          <UserPlus className="size-4" aria-hidden /> Add member
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Add a member</DialogTitle>
          <DialogDescription>Set an initial password, or create a one-time invite link that is valid for 7 days.</DialogDescription>
        </DialogHeader>
        {inviteUrl ? (
          <div className="grid gap-3">
            <p className="text-sm">Send this link to the new member. It is shown only once and works once.</p>
            <div className="flex gap-2">
              <Input readOnly value={inviteUrl} aria-label="Invite link" data-testid="invite-url" onFocus={(e) => e.currentTarget.select()} />
              <Button
                type="button"
                variant="outline"
                size="icon"
                aria-label="Copy invite link"
                onClick={() => navigator.clipboard.writeText(inviteUrl).then(() => toast.success("Copied."))}
              >
                <Copy className="size-4" />
              </Button>
            </div>
            <DialogFooter>
              <Button onClick={() => onOpenChange(false)}>Done</Button>
            </DialogFooter>
          </div>
        ) : (
          <form onSubmit={form.onSubmit} className="grid gap-4" noValidate>
            <FormError message={form.formError} />
            <fieldset className="flex gap-4 text-sm">
              <legend className="sr-only">How the member gets access</legend>
              <label className="flex items-center gap-2">
                <input type="radio" name="mode-choice" checked={mode === "password"} onChange={() => setMode("password")} /> Set an initial password
              </label>
              <label className="flex items-center gap-2">
                <input type="radio" name="mode-choice" checked={mode === "invite"} onChange={() => setMode("invite")} /> Invite link
              </label>
            </fieldset>
            <FormField label="Email" htmlFor="member-email" error={form.fieldError("email")}>
              <Input id="member-email" name="email" type="email" required />
            </FormField>
            {mode === "password" ? (
              <FormField label="Name" htmlFor="member-name" error={form.fieldError("name")}>
                <Input id="member-name" name="name" required maxLength={100} />
              </FormField>
            ) : null}
            <FormField label="Role" htmlFor="member-role" error={form.fieldError("role")} description="Members can look; admins manage connections; owners also manage members and keys.">
              <select id="member-role" name="role" defaultValue="member" className="h-9 rounded-md border bg-background px-3 text-sm">
                <option value="member">Member</option>
                <option value="admin">Admin</option>
                <option value="owner">Owner</option>
              </select>
            </FormField>
            {mode === "password" ? (
              <FormField label="Initial password" htmlFor="member-password" error={form.fieldError("password")} description={`At least ${PASSWORD_MIN} characters.`}>
                <Input id="member-password" name="password" type="password" autoComplete="new-password" required />
              </FormField>
            ) : null}
            <DialogFooter>
              <Button type="submit" disabled={form.isPending}>
                {form.isPending ? "Adding…" : mode === "invite" ? "Create invite link" : "Add member"}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
