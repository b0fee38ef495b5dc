"use client";
import { useState, useTransition } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { deleteAlertChannelAction, sendTestAlertAction, setAlertChannelEnabledAction } from "@/lib/actions/alerts";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Switch } from "@/components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

type Channel = {
  id: string;
  connectionId: string;
  connectionName: string;
  providerName: string;
  kind: "email" | "slack" | "webhook" | null;
  target: string;
  enabled: boolean;
  connectionEnabled: boolean;
  platformWide: boolean;
};

const kindLabel = { email: "Email", slack: "Slack", webhook: "Webhook" } as const;

export function AlertChannelsTable({ orgId, channels, canManage }: { orgId: string; channels: Channel[]; canManage: boolean }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [results, setResults] = useState<Record<string, { ok: boolean; message: string }>>({});

  function run(fn: () => Promise<{ serverError?: string; data?: unknown } | undefined>, ok: string) {
    start(async () => {
      const r = await fn();
      if (r?.serverError) toast.error(r.serverError);
      else if (r?.data !== undefined) toast.success(ok);
      router.refresh();
    });
  }

  function test(c: Channel) {
    start(async () => {
      const r = await sendTestAlertAction({ orgId, channelId: c.id });
      if (r?.serverError) setResults((s) => ({ ...s, [c.id]: { ok: false, message: r.serverError! } }));
      else if (r?.data) setResults((s) => ({ ...s, [c.id]: { ok: r.data!.ok, message: r.data!.ok ? `${r.data!.message} (${r.data!.ms} ms)` : `Test alert failed: ${r.data!.message}` } }));
    });
  }

  return (
    <Table aria-label="Alert channels">
      <TableHeader>
        <TableRow>
          <TableHead>Channel</TableHead>
          <TableHead>Sends to</TableHead>
          <TableHead>Enabled</TableHead>
          <TableHead />
        </TableRow>
      </TableHeader>
      <TableBody>
        {channels.length === 0 ? (
          <TableRow>
            <TableCell colSpan={4} className="text-center text-muted-foreground">
              No alert channels: status changes are recorded but nobody is told.
            </TableCell>
          </TableRow>
        ) : (
          channels.map((c) => (
            <TableRow key={c.id} data-testid={`alert-channel-${c.id}`}>
              <TableCell className="align-top">
                <div className="flex items-center gap-2">
                  <Badge variant="outline">{c.kind ? kindLabel[c.kind] : c.providerName}</Badge>
                  <Link className="text-primary hover:underline" href={`/connections/${c.connectionId}`}>
                    {c.connectionName}
                  </Link>
                </div>
                <div className="mt-1 text-xs text-muted-foreground">
                  {c.providerName}
                  {c.platformWide ? ", platform-wide" : ""}
                  {c.connectionEnabled ? "" : " — connection disabled, alerts through it fail"}
                </div>
              </TableCell>
              <TableCell className="max-w-md align-top whitespace-normal">
                <span className="break-all">{c.kind === "webhook" ? "the connection's endpoint URL" : c.target}</span>
                {results[c.id] ? (
                  <p role="status" data-testid="test-alert-result" className={`mt-1 text-sm ${results[c.id]!.ok ? "text-success" : "text-destructive"}`}>
                    {results[c.id]!.message}
                  </p>
                ) : null}
              </TableCell>
              <TableCell className="align-top">
                <Switch
                  checked={c.enabled}
                  disabled={!canManage || pending}
                  aria-label={`Alerts through ${c.connectionName}${c.target ? ` to ${c.target}` : ""}`}
                  onCheckedChange={(enabled) => run(() => setAlertChannelEnabledAction({ orgId, channelId: c.id, enabled }), enabled ? "Channel enabled." : "Channel disabled.")}
                />
              </TableCell>
              <TableCell className="text-right align-top">
                {canManage ? (
                  <div className="flex justify-end gap-2">
                    <Button variant="outline" size="sm" disabled={pending} onClick={() => test(c)}>
                      Send test alert
                    </Button>
                    <ConfirmDialog
                      trigger={
                        <Button variant="ghost" size="sm" disabled={pending}>
                          Delete
                        </Button>
                      }
                      title={<>Stop sending alerts through {c.connectionName}?</>}
                      description={<>The channel is removed; the connection itself stays. Alerts still go to the other channels.</>}
                      confirmLabel="Delete"
                      onConfirm={() => run(() => deleteAlertChannelAction({ orgId, channelId: c.id }), "Alert channel deleted.")}
                    />
                  </div>
                ) : null}
              </TableCell>
            </TableRow>
          ))
        )}
      </TableBody>
    </Table>
  );
}
