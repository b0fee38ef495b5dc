"use client";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { createOrganizationAction } from "@/lib/actions/create-organization";
import { useFormAction } from "@/components/forms/use-form-action";
import { FormError } from "@/components/forms/form-error";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";

export function CreateOrganizationForm({ onDone }: { onDone?: () => void }) {
  const router = useRouter();
  const form = useFormAction(createOrganizationAction, {
    onSuccess(data) {
      toast.success(`Created ${data?.name ?? "the organization"}. You are its owner.`);
      onDone?.();
      router.push("/");
      router.refresh();
    },
  });
  return (
    <form onSubmit={form.onSubmit} className="grid gap-4" noValidate>
      <FormError message={form.formError} />
      <FormField label="Organization name" htmlFor="org-name" error={form.fieldError("name")}>
        <Input id="org-name" name="name" required maxLength={80} autoFocus />
      </FormField>
      <Button type="submit" disabled={form.isPending}>
        {form.isPending ? "Creating…" : "Create organization"}
      </Button>
    </form>
  );
}
