"use client";
import { sendTestEmailAction } from "@/lib/actions/send-test-email";
import { useFormAction } from "@/components/forms/use-form-action";
import { FormError } from "@/components/forms/form-error";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { toast } from "sonner";

export function SendTestEmail({ orgId, connectionId, defaultTo }: { orgId: string; connectionId: string; defaultTo: string }) {
  const form = useFormAction(sendTestEmailAction, {
    extra: { orgId, connectionId },
    onSuccess: (d) => toast.success(`Test email sent in ${d?.ms ?? 0} ms.`),
  });
  return (
    <form onSubmit={form.onSubmit} className="flex flex-wrap items-end gap-2" noValidate>
      <FormField label="Send a test email to" htmlFor="test-email-to" error={form.fieldError("to")}>
        <Input id="test-email-to" name="to" type="email" defaultValue={defaultTo} className="w-72" />
      </FormField>
      <Button type="submit" variant="outline" disabled={form.isPending}>
        {form.isPending ? "Sending…" : "Send test email"}
      </Button>
      <div className="w-full">
        <FormError message={form.formError} />
      </div>
    </form>
  );
}
