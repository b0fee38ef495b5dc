"use client";
import { signInAction } from "@/lib/actions/sign-in";
import { useFormAction } from "@/components/forms/use-form-action";
import { FormError } from "@/components/forms/form-error";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";

export function SignInForm({ callbackUrl }: { callbackUrl?: string }) {
  const form = useFormAction(signInAction, { extra: callbackUrl ? { callbackUrl } : {} });
  return (
    <form onSubmit={form.onSubmit} className="grid gap-4" noValidate>
      <FormError message={form.formError} />
      <FormField label="Email" htmlFor="email" error={form.fieldError("email")}>
        <Input name="email" type="email" autoComplete="email" required autoFocus />
      </FormField>
      <FormField label="Password" htmlFor="password" error={form.fieldError("password")}>
        <Input name="password" type="password" autoComplete="current-password" required />
      </FormField>
      <Button type="submit" disabled={form.isPending}>
        {form.isPending ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
