"use client";
import { completeSetupAction } from "@/lib/actions/complete-setup";
import { useFormAction } from "@/components/forms/use-form-action";
import { FormError } from "@/components/forms/form-error";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { PASSWORD_MIN } from "@/lib/schemas/account";

export function SetupForm() {
  const form = useFormAction(completeSetupAction);
  return (
    <form onSubmit={form.onSubmit} className="grid gap-4" noValidate>
      <FormError message={form.formError} />
      <FormField label="Your name" htmlFor="name" error={form.fieldError("name")}>
        <Input name="name" autoComplete="name" required maxLength={100} />
      </FormField>
      <FormField label="Email" htmlFor="email" error={form.fieldError("email")}>
        <Input name="email" type="email" autoComplete="email" required />
      </FormField>
      <FormField label="Password" htmlFor="password" error={form.fieldError("password")} description={`At least ${PASSWORD_MIN} characters.`}>
        <Input name="password" type="password" autoComplete="new-password" required />
      </FormField>
      <FormField label="Organization name" htmlFor="orgName" error={form.fieldError("orgName")} description="Your company or team. You can add more organizations later.">
        <Input name="orgName" autoComplete="organization" required maxLength={80} />
      </FormField>
      <Button type="submit" disabled={form.isPending}>
        {form.isPending ? "Creating…" : "Create owner account"}
      </Button>
    </form>
  );
}
