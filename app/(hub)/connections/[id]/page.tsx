import Link from "next/link";
import { notFound } from "next/navigation";
import { ConnectionActions } from "@/components/connections/connection-actions";
import { AuthorizeButton } from "@/components/connections/authorize-button";
import { GithubInstallButton } from "@/components/connections/github-install-button";
import { SendTestEmail } from "@/components/connections/send-test-email";
import { PriorityForm } from "@/components/connections/priority-form";
import { ConnectionForm } from "@/components/connections/connection-form";
import { ConnectionStatusBadge, HealthBadge } from "@/components/connections/status-badge";
import { PageHeader } from "@/components/page-header";
import { OutboundDeliveriesSection } from "@/components/webhooks/outbound-deliveries-section";
import type { SearchParams } from "nuqs/server";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { requireOrgContext } from "@/lib/auth/context";
import { getProvider } from "@/lib/catalog/registry";
import { appOrigin } from "@/lib/origin";
import { WebhookEndpointCard } from "@/components/webhooks/webhook-endpoint-card";
import { webhookSchemeFor } from "@/lib/webhooks/ingest";
import { webhookUrl } from "@/lib/webhooks/admin";
import { connectionView } from "@/lib/connections/view";
import { ConnectionTabs } from "@/components/sync/connection-tabs";
import { supportsSync } from "@/lib/sync/streams";

export const metadata = { title: "Connection" };

const sourceLabel = { organization: "this organization", platform: "platform-wide connection", default: "default", unset: "not set" } as const;

export default async function ConnectionPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<SearchParams> }) {
  const ctx = await requireOrgContext();
  const { id } = await params;
  const view = id.length <= 100 ? await connectionView(ctx.org.id, id, ctx.role, ctx.user.isPlatformAdmin) : null;
  if (!view) notFound();
  const c = view.connection;
  const webhook = await webhookCard(view);
  return (
    <>
      <PageHeader
        title={c.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <Link className="text-primary hover:underline" href={`/integrations/${view.provider.key}`}>
              {view.provider.name}
            </Link>
            <ConnectionStatusBadge status={c.status} enabled={c.enabled} />
            <HealthBadge health={c.healthStatus} />
            <Link className="text-primary hover:underline" href={`/health/${c.id}`} data-testid="health-link">
              Health history
            </Link>
            <Badge variant="outline">{c.scope === "platform" ? "Platform-wide" : ctx.org.name}</Badge>
            {c.isDefault ? <Badge variant="secondary">Default</Badge> : null}
          </span>
        }
        actions={
          view.canEdit ? (
            <>
              {view.provider.key === "github-app" ? <GithubInstallButton orgId={ctx.org.id} connectionId={c.id} /> : null}
              {view.provider.usesBrowserSignIn ? <AuthorizeButton orgId={ctx.org.id} connectionId={c.id} providerName={view.provider.name} reconnect={c.status === "active" || c.status === "needs_reauth"} /> : null}
              <ConnectionActions orgId={ctx.org.id} connectionId={c.id} name={c.name} enabled={c.enabled} isDefault={c.isDefault} />
            </>
          ) : null
        }
      />
      {c.scope === "organization" && supportsSync(view.provider.key) ? <ConnectionTabs connectionId={c.id} active="overview" /> : null}
      {c.status === "needs_reauth" ? (
        <p className="mb-4 rounded-md border border-warning/40 bg-warning/10 px-3 py-2 text-sm" data-testid="needs-reauth">
          Disconnected: {view.provider.name} no longer accepts the stored authorization. Click Reconnect to sign in again.
        </p>
      ) : c.status === "pending" && view.provider.usesBrowserSignIn ? (
        <p className="mb-4 rounded-md border px-3 py-2 text-sm text-muted-foreground">Not connected yet: click “Connect with {view.provider.name}” to sign in and grant access.</p>
      ) : null}
      {c.oauth ? (
        <p className="mb-4 text-sm text-muted-foreground" data-testid="oauth-token-info">
          Authorized {c.oauth.obtainedAt?.replace("T", " ").slice(0, 19)} UTC{c.oauth.scope ? ` · scopes ${c.oauth.scope}` : ""}
          {c.oauth.expiresAt ? ` · access token valid until ${c.oauth.expiresAt.replace("T", " ").slice(0, 19)} UTC (refreshed automatically)` : ""}
        </p>
      ) : null}
      {c.lastError ? (
        <p className="mb-4 rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive" data-testid="last-error">
          Last check failed{c.lastCheckedAt ? ` at ${c.lastCheckedAt.replace("T", " ").slice(0, 19)} UTC` : ""}: {c.lastError}
        </p>
      ) : null}
      {view.canEdit && view.provider.canSendEmail ? (
        <div className="mb-6">
          <SendTestEmail orgId={ctx.org.id} connectionId={c.id} defaultTo={ctx.user.email} />
          <div className="mt-4">
            <PriorityForm orgId={ctx.org.id} connectionId={c.id} priority={c.priority} />
          </div>
        </div>
      ) : null}
      {webhook ? (
        <div className="mb-6">
          <WebhookEndpointCard {...webhook} orgId={ctx.org.id} connectionId={c.id} canEdit={view.canEdit} />
        </div>
      ) : null}
      <div className="grid gap-6 xl:grid-cols-[1fr_380px]">
        <Card>
          <CardHeader>
            <CardTitle>{view.canEdit ? "Settings" : "Settings (read-only)"}</CardTitle>
            <CardDescription>
              {view.canEdit
                ? "Secrets are stored encrypted and shown masked. Replacing one takes effect in every process at once."
                : c.scope === "platform"
                  ? "This platform-wide connection is managed by platform admins."
                  : "Only admins and owners can change connections."}
            </CardDescription>
          </CardHeader>
          <CardContent>
            {view.canEdit ? (
              <ConnectionForm mode="edit" orgId={ctx.org.id} connectionId={c.id} name={c.name} fields={view.fields} />
            ) : (
              <dl className="grid gap-3 text-sm">
                {view.fields.map((f) => (
                  <div key={f.name} className="grid grid-cols-[180px_1fr] gap-2">
                    <dt className="text-muted-foreground">{f.label}</dt>
                    <dd className="font-mono">{f.group === "credentials" ? (f.stored ? f.masked : "not set") : String(f.value ?? "—")}</dd>
                  </div>
                ))}
              </dl>
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Where values come from</CardTitle>
            <CardDescription>What code running for {ctx.org.name} gets from this connection.</CardDescription>
          </CardHeader>
          <CardContent>
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>Field</TableHead>
                  <TableHead>Source</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {view.fields.map((f) => (
                  <TableRow key={f.name}>
                    <TableCell>{f.label}</TableCell>
                    <TableCell data-testid={`source-${f.name}`}>{sourceLabel[f.source]}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </CardContent>
        </Card>
      </div>
      {view.provider.key === "outbound-webhook" ? <OutboundDeliveriesSection orgId={ctx.org.id} connectionId={c.id} canManage={view.canEdit} orgOwned={c.scope === "organization"} searchParams={searchParams} /> : null}
    </>
  );
}

const schemeLabels = {
  github: "GitHub's X-Hub-Signature-256",
  slack: "Slack's v0 request signature",
  stripe: "Stripe-Signature",
  pagerduty: "PagerDuty's X-PagerDuty-Signature",
  standard: "Standard Webhooks signatures",
  twilio: "X-Twilio-Signature",
  hmac: "an HMAC signature",
} as const;

/** The Webhooks card's data, for providers (and custom connections set up) to receive webhooks; secrets masked. */
async function webhookCard(view: NonNullable<Awaited<ReturnType<typeof connectionView>>>) {
  const provider = getProvider(view.provider.key);
  const config = Object.fromEntries(view.fields.filter((f) => f.group === "config" && f.value !== undefined).map((f) => [f.name, f.value]));
  const resolved = provider ? webhookSchemeFor(provider, config) : null;
  if (!resolved) return null;
  const field = view.fields.find((f) => f.name === resolved.secretField);
  return {
    url: webhookUrl(await appOrigin(), view.connection.id),
    schemeLabel: resolved.scheme === "hmac" && resolved.hmac ? `${resolved.hmac.header} (HMAC-${resolved.hmac.algorithm.toUpperCase()}, ${resolved.hmac.encoding})` : schemeLabels[resolved.scheme],
    secret: { field: resolved.secretField, label: resolved.secretLabel, stored: field?.stored ?? false, masked: field?.masked },
  };
}
