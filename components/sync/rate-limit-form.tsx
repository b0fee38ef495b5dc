"use client";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { setRequestsPerSecondAction } from "@/lib/actions/sync";
import { useFormAction } from "@/components/forms/use-form-action";
import { FormError } from "@/components/forms/form-error";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";

export function RateLimitForm({ orgId, connectionId, value, canEdit }: { orgId: string; connectionId: string; value: number | null; canEdit: boolean }) {
  const router = useRouter();
  const form = useFormAction(setRequestsPerSecondAction, {
    extra: { orgId, connectionId },
    onSuccess: (d) => {
      toast.success(d?.requestsPerSecond ? `Calls limited to ${d.requestsPerSecond} per second.` : "No request limit.");
      router.refresh();
    },
  });
  return (
    <form onSubmit={form.onSubmit} className="flex flex-wrap items-end gap-2" noValidate>
      <FormField
        label="Requests per second"
        htmlFor="rps"
        error={form.fieldError("requestsPerSecond")}
        description="Shared by syncs, Test and API calls on this connection. Empty: no limit (the provider's 429 and rate headers are still honoured)."
      >
        <Input id="rps" name="requestsPerSecond" inputMode="decimal" defaultValue={value ?? ""} className="w-32" disabled={!canEdit} />
      </FormField>
      {canEdit ? (
        <Button type="submit" variant="outline" disabled={form.isPending}>
          Save limit
        </Button>
      ) : null}
      <div className="w-full">
        <FormError message={form.formError} />
      </div>
    </form>
  );
}
