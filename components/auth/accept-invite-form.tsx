"use client";
import { acceptInvitationAction } from "@/lib/actions/accept-invitation";
import { useFormAction } from "@/components/forms/use-form-action";
import { FormError } from "@/components/forms/form-error";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { PASSWORD_MIN } from "@/lib/schemas/account";

export function AcceptInviteForm({ token, email, existingUser }: { token: string; email: string; existingUser: boolean }) {
  const form = useFormAction(acceptInvitationAction, { extra: { token } });
  return (
    <form onSubmit={form.onSubmit} className="grid gap-4" noValidate>
      <FormError message={form.formError} />
      <FormField label="Email" htmlFor="email">
        <Input name="email-display" value={email} readOnly disabled />
      </FormField>
      {existingUser ? null : (
        <FormField label="Your name" htmlFor="name" error={form.fieldError("name")}>
          <Input name="name" autoComplete="name" required maxLength={100} />
        </FormField>
      )}
      <FormField
        label={existingUser ? "Your current password" : "Choose a password"}
        htmlFor="password"
        error={form.fieldError("password")}
        description={existingUser ? "You already have a Patchbay account; confirm it is you." : `At least ${PASSWORD_MIN} characters.`}
      >
        <Input name="password" type="password" autoComplete={existingUser ? "current-password" : "new-password"} required />
      </FormField>
      <Button type="submit" disabled={form.isPending}>
        {form.isPending ? "Joining…" : "Accept invitation"}
      </Button>
    </form>
  );
}
