"use client";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { setCheckIntervalAction } from "@/lib/actions/health";
import { useFormAction } from "@/components/forms/use-form-action";
import { FormError } from "@/components/forms/form-error";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { checkIntervalPresets } from "@/lib/schemas/health";
import { formatInterval } from "./format";

export function CheckIntervalForm({ orgId, connectionId, intervalSeconds }: { orgId: string; connectionId: string; intervalSeconds: number }) {
  const router = useRouter();
  const form = useFormAction(setCheckIntervalAction, {
    extra: { orgId, connectionId },
    onSuccess: (d) => {
      toast.success(`Checked every ${formatInterval(d.intervalSeconds)} from now on.`);
      router.refresh();
    },
  });
  const presets = checkIntervalPresets.some((p) => p.seconds === intervalSeconds) ? checkIntervalPresets : [...checkIntervalPresets, { seconds: intervalSeconds, label: `Every ${formatInterval(intervalSeconds)}` }];
  return (
    <form onSubmit={form.onSubmit} className="flex flex-wrap items-end gap-2" noValidate>
      <FormField label="Check interval" htmlFor="intervalSeconds" error={form.fieldError("intervalSeconds")}>
        <select id="intervalSeconds" name="intervalSeconds" defaultValue={intervalSeconds} key={intervalSeconds} className="h-9 rounded-md border bg-background px-3 text-sm">
          {presets.map((p) => (
            <option key={p.seconds} value={p.seconds}>
              {p.label}
            </option>
          ))}
        </select>
      </FormField>
      <Button type="submit" variant="outline" disabled={form.isPending}>
        Save interval
      </Button>
      <div className="w-full">
        <FormError message={form.formError} />
      </div>
    </form>
  );
}
