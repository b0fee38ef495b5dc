import Link from "next/link";
import { AlertChannelForm } from "@/components/settings/alert-channel-form";
import { AlertChannelsTable } from "@/components/settings/alert-channels-table";
import { AlertDeliveries } from "@/components/settings/alert-deliveries";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { listAlertChannels, listRecentAlertDeliveries } from "@/db/queries/alerts";
import { requireOrgContext } from "@/lib/auth/context";
import { can } from "@/lib/auth/roles";
import { listAlertCapableConnections } from "@/lib/health/alert-channels";
import { alertChannelKind, providerName } from "@/lib/health/alerts";

export const metadata = { title: "Alerts" };

export default async function AlertsPage() {
  const ctx = await requireOrgContext();
  const canManage = can(ctx.role, "alerts.manage");
  const [channels, connections, deliveries] = await Promise.all([listAlertChannels(ctx.org.id), canManage ? listAlertCapableConnections(ctx.org.id) : Promise.resolve([]), listRecentAlertDeliveries(ctx.org.id, 20)]);
  return (
    <div className="grid gap-6">
      <Card>
        <CardHeader>
          <CardTitle>Alert channels</CardTitle>
          <CardDescription>
            When a connection&apos;s health changes (it starts failing, is disconnected, or recovers), Patchbay sends one alert per change to every enabled channel: an email, a Slack message, or a signed
            outbound webhook (event <code>connection.health_changed</code>).
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-6">
          <AlertChannelsTable
            orgId={ctx.org.id}
            canManage={canManage}
            channels={channels.map((c) => ({
              id: c.id,
              connectionId: c.integrationId,
              connectionName: c.connectionName,
              providerName: providerName(c.providerKey),
              kind: alertChannelKind(c.providerKey),
              target: c.target,
              enabled: c.enabled,
              connectionEnabled: c.connectionEnabled,
              platformWide: c.connectionOrgId === null,
            }))}
          />
          {canManage ? (
            connections.length ? (
              <AlertChannelForm orgId={ctx.org.id} connections={connections.map((c) => ({ id: c.id, label: `${c.name} (${c.providerName}${c.platformWide ? ", platform-wide" : ""}${c.enabled ? "" : ", disabled"})`, kind: c.kind }))} />
            ) : (
              <p className="text-sm text-muted-foreground" data-testid="no-alert-connections">
                No connection can send alerts yet. <Link className="text-primary hover:underline" href="/integrations?category=email">Connect an email provider</Link>, Slack, or an outbound webhook first.
              </p>
            )
          ) : (
            <p className="text-sm text-muted-foreground">Only admins and owners can change alert channels.</p>
          )}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Recent alerts</CardTitle>
          <CardDescription>Status changes an alert went out for, newest first. A failed delivery is retried with backoff; channels that already got it are not sent it again.</CardDescription>
        </CardHeader>
        <CardContent>
          <AlertDeliveries
            rows={deliveries.map((d) => ({
              id: d.id,
              connectionId: d.connectionId,
              connectionName: d.connectionName,
              from: d.from,
              to: d.to,
              at: d.at.toISOString(),
              alertedAt: d.alertedAt?.toISOString() ?? null,
              alertError: d.alertError,
              deliveredTo: Object.keys(d.deliveries ?? {}).length,
            }))}
          />
        </CardContent>
      </Card>
    </div>
  );
}
