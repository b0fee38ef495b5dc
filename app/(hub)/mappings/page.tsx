import Link from "next/link";
import { Shuffle } from "lucide-react";
import { EmptyState, PageHeader } from "@/components/page-header";
import { LiveRefresh } from "@/components/live/live-refresh";
import { DeleteTargetSchemaButton, DeleteTemplateButton } from "@/components/mapping/mapping-list-actions";
import { NewMappingDialog } from "@/components/mapping/new-mapping-dialog";
import { TargetSchemaDialog } from "@/components/mapping/target-schema-dialog";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Progress } from "@/components/ui/progress";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { listVisibleConnections } from "@/db/queries/integrations";
import { listMappableStreams, listMappings } from "@/db/queries/mappings";
import { requireOrgContext } from "@/lib/auth/context";
import { can } from "@/lib/auth/roles";
import { getProvider } from "@/lib/catalog/registry";
import { listTargets, listTemplates } from "@/lib/mapping/service";
import { builtinTemplates } from "@/lib/mapping/templates";

export const metadata = { title: "Mappings" };

export default async function MappingsPage() {
  const ctx = await requireOrgContext();
  const [mappings, templates, targets, streams, connections] = await Promise.all([listMappings(ctx.org.id), listTemplates(ctx.org.id), listTargets(ctx.org.id), listMappableStreams(ctx.org.id), listVisibleConnections(ctx.org.id)]);
  const canManage = can(ctx.role, "connections.manage");
  const targetName = new Map(targets.map((t) => [t.key, t.name]));
  const providerName = (key: string | null) => (key ? (getProvider(key)?.name ?? key) : "Any provider");
  // Entities suggested per provider: the built-in templates' and the streams the organization already has.
  const suggestions: Record<string, string[]> = {};
  for (const t of builtinTemplates) (suggestions[t.providerKey] ??= []).push(t.entity);
  for (const s of streams) if (!(suggestions[s.providerKey] ??= []).includes(s.entity)) suggestions[s.providerKey]!.push(s.entity);
  return (
    <>
      <PageHeader
        title="Mappings"
        description="Field mappings from synced provider records to your own schemas. Each save is a version; syncs apply the active one."
        actions={
          <>
            <LiveRefresh orgId={ctx.org.id} types={["sync.progress"]} />
            {canManage ? (
              <NewMappingDialog
                orgId={ctx.org.id}
                connections={connections.filter((c) => c.orgId === ctx.org.id).map((c) => ({ id: c.id, name: c.name, providerKey: c.providerKey, providerName: providerName(c.providerKey) }))}
                targets={targets.map((t) => ({ key: t.key, name: t.name }))}
                templates={templates.map((t) => ({ id: t.id, name: t.name, targetSchema: t.targetSchema, providerKey: t.providerKey, entity: t.entity }))}
                suggestions={suggestions}
                mapped={streams.filter((s) => s.mappingId).map((s) => `${s.connectionId}|${s.entity}`)}
              />
            ) : null}
          </>
        }
      />
      <div className="grid gap-6">
        {mappings.length === 0 ? (
          <EmptyState icon={<Shuffle className="size-8" />} title="No mappings yet">
            {canManage ? "Create one with “New mapping”: pick a connection, the entity it syncs and a target schema, from a template or blank." : "An admin can create mappings from the synced streams of your connections."}
          </EmptyState>
        ) : (
          <Card>
            <CardHeader>
              <CardTitle>Mappings</CardTitle>
              <CardDescription>One per stream. Records with mapping errors are kept and flagged, never dropped.</CardDescription>
            </CardHeader>
            <CardContent>
              <Table data-testid="mappings-table">
                <TableHeader>
                  <TableRow>
                    <TableHead>Stream</TableHead>
                    <TableHead>Target</TableHead>
                    <TableHead>Active version</TableHead>
                    <TableHead className="text-right">Records</TableHead>
                    <TableHead className="text-right">With errors</TableHead>
                    <TableHead>Re-map</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {mappings.map((m) => (
                    <TableRow key={m.id}>
                      <TableCell>
                        <Link href={`/mappings/${m.id}`} className="font-medium hover:underline">
                          {m.connectionName} · {m.entity}
                        </Link>
                        <div className="text-xs text-muted-foreground">{providerName(m.providerKey)}</div>
                      </TableCell>
                      <TableCell>{targetName.get(m.targetSchema) ?? m.targetSchema}</TableCell>
                      <TableCell>{m.activeVersion ? <Badge variant="success">v{m.activeVersion}</Badge> : <Badge variant="outline">none</Badge>}</TableCell>
                      <TableCell className="text-right tabular-nums">{m.records.toLocaleString("en")}</TableCell>
                      <TableCell className="text-right tabular-nums">{m.withErrors > 0 ? <span className="text-destructive">{m.withErrors.toLocaleString("en")}</span> : "0"}</TableCell>
                      <TableCell className="w-40">
                        {m.remapStatus === "running" ? <Progress value={m.remapDone} max={Math.max(m.remapTotal, 1)} aria-label="Re-map progress" /> : m.remapStatus === "failed" ? <span className="text-xs text-destructive">failed</span> : <span className="text-xs text-muted-foreground">—</span>}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </CardContent>
          </Card>
        )}

        <Card>
          <CardHeader>
            <CardTitle>Templates</CardTitle>
            <CardDescription>Start a mapping from one, or apply one to an existing mapping as a new version. Save your own from the editor.</CardDescription>
          </CardHeader>
          <CardContent>
            <ul className="grid gap-2 md:grid-cols-2" data-testid="templates">
              {templates.map((t) => (
                <li key={t.id} className="flex items-start gap-2 rounded-md border p-3 text-sm">
                  <div className="min-w-0 flex-1">
                    <div className="font-medium">
                      {t.name} {t.builtin ? <Badge variant="secondary">Built-in</Badge> : <Badge variant="outline">Yours</Badge>}
                    </div>
                    <div className="text-xs text-muted-foreground">
                      {providerName(t.providerKey)}
                      {t.entity ? ` · ${t.entity}` : ""} → {targetName.get(t.targetSchema) ?? t.targetSchema} · {t.definition.rules.length} fields
                    </div>
                    {t.description ? <div className="mt-1 text-xs text-muted-foreground">{t.description}</div> : null}
                  </div>
                  {canManage && !t.builtin ? <DeleteTemplateButton orgId={ctx.org.id} templateId={t.id} name={t.name} /> : null}
                </li>
              ))}
            </ul>
          </CardContent>
        </Card>

        <Card>
          <CardHeader className="flex flex-row items-start justify-between gap-4">
            <div className="grid gap-1.5">
              <CardTitle>Target schemas</CardTitle>
              <CardDescription>What records are mapped to. Contact, Company and Deal are built in; define your own with fields and types.</CardDescription>
            </div>
            {canManage ? <TargetSchemaDialog orgId={ctx.org.id} /> : null}
          </CardHeader>
          <CardContent>
            <ul className="grid gap-2 md:grid-cols-2" data-testid="target-schemas">
              {targets.map((t) => (
                <li key={t.key} className="rounded-md border p-3 text-sm">
                  <div className="flex items-center gap-2">
                    <span className="font-medium">{t.name}</span>
                    <span className="font-mono text-xs text-muted-foreground">{t.key}</span>
                    {t.builtin ? <Badge variant="secondary">Built-in</Badge> : null}
                    {canManage && !t.builtin && t.id ? (
                      <span className="ml-auto flex gap-1">
                        <TargetSchemaDialog orgId={ctx.org.id} existing={{ id: t.id, key: t.key, name: t.name, fields: t.fields }} />
                        <DeleteTargetSchemaButton orgId={ctx.org.id} id={t.id} name={t.name} />
                      </span>
                    ) : null}
                  </div>
                  <div className="mt-1 flex flex-wrap gap-1">
                    {t.fields.map((f) => (
                      <span key={f.name} className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs" title={f.description}>
                        {f.name}
                        {f.required ? "*" : ""}: {f.type}
                      </span>
                    ))}
                  </div>
                </li>
              ))}
            </ul>
          </CardContent>
        </Card>
      </div>
    </>
  );
}
