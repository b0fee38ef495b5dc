"use client";
import { useState, useTransition } from "react";
import Link from "next/link";
import { Copy, Send } from "lucide-react";
import { toast } from "sonner";
import { sendTestWebhookAction } from "@/lib/actions/webhooks";
import { RevealSecretButton } from "@/components/connections/reveal-secret-button";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";

export type WebhookEndpointProps = {
  orgId: string;
  connectionId: string;
  url: string;
  schemeLabel: string;
  secret: { field: string; label: string; stored: boolean; masked?: string };
  canEdit: boolean;
};

function CopyButton({ value, label }: { value: string; label: string }) {
  return (
    <Button
      type="button"
      variant="outline"
      size="icon"
      aria-label={label}
      onClick={() =>
        navigator.clipboard.writeText(value).then(
          () => toast.success("Copied."),
          () => toast.error("Copying is not allowed here: select the text and copy it."),
        )
      }
    >
      <Copy className="size-4" />
    </Button>
  );
}

/** The connection's inbound webhook URL, the secret it verifies with (masked), and a signed test event. */
export function WebhookEndpointCard({ orgId, connectionId, url, schemeLabel, secret, canEdit }: WebhookEndpointProps) {
  const [pending, start] = useTransition();
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);
  return (
    <Card data-testid="webhook-endpoint">
      <CardHeader>
        <CardTitle>Webhooks</CardTitle>
        <CardDescription>
          Give the provider this URL. Each delivery is checked with {schemeLabel} using the {secret.label}, stored, then processed. Events are listed on the{" "}
          <Link className="text-primary hover:underline" href={`/webhooks?connection=${connectionId}`}>
            Webhooks page
          </Link>
          .
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        <div className="flex items-center gap-2">
          <Input readOnly value={url} aria-label="Webhook URL" className="font-mono text-xs" data-testid="webhook-url" onFocus={(e) => e.currentTarget.select()} />
          <CopyButton value={url} label="Copy webhook URL" />
        </div>
        <div className="flex items-center gap-2 text-sm">
          <span className="text-muted-foreground">{secret.label}:</span>
          {secret.stored ? (
            <>
              <span className="font-mono" data-testid="webhook-secret-masked">
                {secret.masked}
              </span>
              {canEdit ? <RevealSecretButton orgId={orgId} connectionId={connectionId} field={secret.field} label={secret.label} /> : null}
            </>
          ) : (
            <span className="text-destructive" data-testid="webhook-secret-missing">
              not set: every delivery is refused (401) until an admin sets it in Settings.
            </span>
          )}
        </div>
        {canEdit ? (
          <div className="flex flex-wrap items-center gap-3">
            <Button
              type="button"
              variant="outline"
              disabled={pending || !secret.stored}
              onClick={() =>
                start(async () => {
                  const r = await sendTestWebhookAction({ orgId, connectionId });
                  if (r?.serverError) setResult({ ok: false, message: r.serverError });
                  else if (r?.data) setResult({ ok: r.data.status === 202, message: r.data.message });
                })
              }
            >
              <Send className="size-4" /> {pending ? "Sending…" : "Send test event"}
            </Button>
            {result ? (
              <p className={result.ok ? "text-sm text-success" : "text-sm text-destructive"} data-testid="test-webhook-result" role="status">
                {result.message}
              </p>
            ) : null}
          </div>
        ) : null}
      </CardContent>
    </Card>
  );
}
