import Link from "next/link";
import { notFound } from "next/navigation";
import { PageHeader } from "@/components/page-header";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EventStatusBadge } from "@/components/webhooks/event-status-badge";
import { RefreshWhileBusy, ReplayEventButton } from "@/components/webhooks/replay-buttons";
import { getWebhookEvent } from "@/db/queries/webhook-events";
import { requireOrgContext } from "@/lib/auth/context";
import { can } from "@/lib/auth/roles";
import { getProvider } from "@/lib/catalog/registry";
import { redactPayload } from "@/lib/webhooks/identify";

export const metadata = { title: "Webhook event" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function WebhookEventPage({ params }: { params: Promise<{ id: string }> }) {
  const ctx = await requireOrgContext();
  const { id } = await params;
  const found = UUID.test(id) ? await getWebhookEvent(ctx.org.id, id) : undefined;
  if (!found) notFound();
  const e = found.event;
  const at = (d: Date | null) => (d ? `${d.toISOString().replace("T", " ").slice(0, 19)} UTC` : "—");
  // Headers were redacted on ingest; the payload is redacted here, for display only.
  const payload = e.payload === null ? null : JSON.stringify(redactPayload(e.payload), null, 2);
  const busy = e.status === "received" || e.status === "processing";
  return (
    <>
      <PageHeader
        title={e.eventType}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <Link className="text-primary hover:underline" href="/webhooks">
              Webhooks
            </Link>
            <span>·</span>
            <Link className="text-primary hover:underline" href={`/connections/${e.integrationId}`}>
              {found.connectionName}
            </Link>
            <span>({getProvider(e.providerKey)?.name ?? e.providerKey})</span>
            <EventStatusBadge status={e.status} />
          </span>
        }
        actions={can(ctx.role, "connections.manage") ? <ReplayEventButton orgId={ctx.org.id} eventId={e.id} size="default" /> : null}
      />
      <RefreshWhileBusy busy={busy} pending={busy ? 1 : 0} />
      <div className="grid gap-6 xl:grid-cols-[1fr_380px]">
        <Card>
          <CardHeader>
            <CardTitle>Payload</CardTitle>
            <CardDescription>Values under secret-looking keys are masked.</CardDescription>
          </CardHeader>
          <CardContent>
            <pre data-testid="event-payload" className="max-h-[60vh] overflow-auto rounded-md border bg-muted p-3 font-mono text-xs">
              {payload ?? e.body.slice(0, 20_000)}
            </pre>
          </CardContent>
        </Card>
        <div className="grid content-start gap-6">
          <Card>
            <CardHeader>
              <CardTitle>Delivery</CardTitle>
            </CardHeader>
            <CardContent>
              <dl className="grid grid-cols-[110px_1fr] gap-2 text-sm">
                <dt className="text-muted-foreground">Delivery id</dt>
                <dd className="font-mono text-xs break-all">{e.deliveryId}</dd>
                <dt className="text-muted-foreground">Received</dt>
                <dd>{at(e.receivedAt)}</dd>
                <dt className="text-muted-foreground">Processed</dt>
                <dd>{at(e.processedAt)}</dd>
                <dt className="text-muted-foreground">Latency</dt>
                <dd>{e.latencyMs === null ? "—" : `${e.latencyMs} ms`}</dd>
                <dt className="text-muted-foreground">Attempts</dt>
                <dd data-testid="event-attempts">{e.attempts}</dd>
                {e.lastError ? (
                  <>
                    <dt className="text-muted-foreground">Last error</dt>
                    <dd className="text-destructive">{e.lastError}</dd>
                  </>
                ) : null}
              </dl>
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>Headers</CardTitle>
              <CardDescription>Signatures and credentials were redacted when the event was stored.</CardDescription>
            </CardHeader>
            <CardContent>
              <dl className="grid gap-1 text-xs">
                {Object.entries(e.headers).map(([k, v]) => (
                  <div key={k} className="grid grid-cols-[160px_1fr] gap-2">
                    <dt className="font-mono text-muted-foreground">{k}</dt>
                    <dd className="font-mono break-all">{v}</dd>
                  </div>
                ))}
              </dl>
            </CardContent>
          </Card>
        </div>
      </div>
    </>
  );
}
