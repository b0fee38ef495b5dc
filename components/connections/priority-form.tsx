"use client";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { setConnectionPriorityAction } from "@/lib/actions/set-connection-priority";
import { useFormAction } from "@/components/forms/use-form-action";
import { FormError } from "@/components/forms/form-error";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";

export function PriorityForm({ orgId, connectionId, priority }: { orgId: string; connectionId: string; priority: number }) {
  const router = useRouter();
  const form = useFormAction(setConnectionPriorityAction, {
    extra: { orgId, connectionId },
    onSuccess: (d) => {
      toast.success(`Fallback position set to ${d?.priority}.`);
      router.refresh();
    },
  });
  return (
    <form onSubmit={form.onSubmit} className="flex flex-wrap items-end gap-2" noValidate>
      <FormField label="Email fallback position" htmlFor="priority" error={form.fieldError("priority")} description="sendEmail tries this organization's email connections from the lowest number up, then the platform-wide ones.">
        <Input id="priority" name="priority" type="number" min={1} max={1000} defaultValue={priority} className="w-28" />
      </FormField>
      <Button type="submit" variant="outline" disabled={form.isPending}>
        Save position
      </Button>
      <div className="w-full">
        <FormError message={form.formError} />
      </div>
    </form>
  );
}
