"use client";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { renameOrganizationAction } from "@/lib/actions/rename-organization";
import { useFormAction } from "@/components/forms/use-form-action";
import { FormError } from "@/components/forms/form-error";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";

export function RenameOrganizationForm({ orgId, name }: { orgId: string; name: string }) {
  const router = useRouter();
  const form = useFormAction(renameOrganizationAction, {
    extra: { orgId },
    onSuccess(data) {
      toast.success(`Renamed to ${data?.name}.`);
      router.refresh();
    },
  });
  return (
    <form onSubmit={form.onSubmit} className="grid max-w-md gap-4" noValidate>
      <FormError message={form.formError} />
      <FormField label="Organization name" htmlFor="name" error={form.fieldError("name")}>
        <Input name="name" defaultValue={name} required maxLength={80} />
      </FormField>
      <div>
        <Button type="submit" disabled={form.isPending}>
          {form.isPending ? "Saving…" : "Save"}
        </Button>
      </div>
    </form>
  );
}
