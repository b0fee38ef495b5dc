"use client";
import { useState } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { createAlertChannelAction } from "@/lib/actions/alerts";
import { useFormAction } from "@/components/forms/use-form-action";
import { FormError } from "@/components/forms/form-error";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";

type Kind = "email" | "slack" | "webhook";
type Option = { id: string; label: string; kind: Kind };

const targetField: Record<Exclude<Kind, "webhook">, { label: string; placeholder: string; help: string }> = {
  email: { label: "Recipients", placeholder: "ops@example.com, oncall@example.com", help: "Email addresses, separated by commas (at most 20)." },
  slack: { label: "Slack channel", placeholder: "#ops", help: "A channel name like #ops, or a channel id like C0123ABCD. Invite the Slack app to the channel first." },
};

export function AlertChannelForm({ orgId, connections }: { orgId: string; connections: Option[] }) {
  const router = useRouter();
  const [connectionId, setConnectionId] = useState(connections[0]?.id ?? "");
  const kind = connections.find((c) => c.id === connectionId)?.kind ?? "email";
  const form = useFormAction(createAlertChannelAction, {
    extra: { orgId },
    onSuccess(data, el) {
      toast.success(`Alerts now go to ${data?.connectionName}${data?.target ? ` → ${data.target}` : ""}.`);
      el?.reset();
      setConnectionId(connections[0]?.id ?? "");
      router.refresh();
    },
  });
  const field = kind === "webhook" ? null : targetField[kind];
  return (
    <form onSubmit={form.onSubmit} className="grid max-w-xl gap-4" noValidate aria-label="Add an alert channel">
      <h3 className="font-medium">Add a channel</h3>
      <FormError message={form.formError} />
      <FormField label="Send through" htmlFor="alert-connection" error={form.fieldError("connectionId")} description="An email (SMTP, SendGrid, Postmark), Slack or outbound webhook connection of this organization.">
        <select id="alert-connection" name="connectionId" value={connectionId} onChange={(e) => setConnectionId(e.target.value)} className="h-9 rounded-md border bg-background px-3 text-sm">
          {connections.map((c) => (
            <option key={c.id} value={c.id}>
              {c.label}
            </option>
          ))}
        </select>
      </FormField>
      {field ? (
        <FormField label={field.label} htmlFor="alert-target" error={form.fieldError("target")} description={field.help}>
          <Input key={kind} id="alert-target" name="target" placeholder={field.placeholder} maxLength={2000} />
        </FormField>
      ) : (
        <p className="text-sm text-muted-foreground">The webhook receives a signed <code>connection.health_changed</code> event at the connection&apos;s endpoint URL; no target is needed.</p>
      )}
      <div>
        <Button type="submit" disabled={form.isPending}>
          Add channel
        </Button>
      </div>
    </form>
  );
}
