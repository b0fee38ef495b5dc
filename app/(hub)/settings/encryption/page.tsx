import { RotateKeyButton } from "@/components/settings/rotate-key-button";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { countSecretsByVersion, latestRotation, listKeys } from "@/db/queries/encryption-keys";
import { requireOrgContext } from "@/lib/auth/context";
import { can } from "@/lib/auth/roles";
import { masterKeys } from "@/lib/lockbox/keyring";

export const metadata = { title: "Encryption" };

async function ScopeCard({ orgId, scope, title, label, canRotate }: { orgId: string; scope: string; title: string; label: string; canRotate: boolean }) {
  const [keys, counts, rotation] = await Promise.all([listKeys(scope), countSecretsByVersion(scope), latestRotation(scope)]);
  const running = rotation?.status === "running";
  const pct = rotation && rotation.total > 0 ? Math.min(100, Math.round((rotation.processed / rotation.total) * 100)) : rotation ? 100 : 0;
  return (
    <Card>
      <CardHeader className="flex flex-row items-start justify-between gap-4">
        <div>
          <CardTitle>{title}</CardTitle>
          <CardDescription>Data keys are AES-256 keys, stored wrapped by the master key; each secret records the version that sealed it.</CardDescription>
        </div>
        {canRotate ? <RotateKeyButton orgId={orgId} scope={scope === "platform" ? "platform" : "organization"} running={running} label={label} /> : null}
      </CardHeader>
      <CardContent className="grid gap-4">
        {rotation ? (
          <div data-testid={`rotation-${label}`}>
            <div className="mb-1 flex justify-between text-sm">
              <span>
                Rotation to version {rotation.toVersion}: {rotation.status}
                {rotation.error && running ? ` (last error: ${rotation.error}; it resumes)` : ""}
              </span>
              <span className="tabular-nums">
                {rotation.processed} / {rotation.total} ({pct}%)
              </span>
            </div>
            <div className="h-2 overflow-hidden rounded bg-muted" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label="Rotation progress">
              <div className="h-full bg-primary transition-all" style={{ width: `${pct}%` }} />
            </div>
          </div>
        ) : null}
        {keys.length === 0 ? (
          <p className="text-sm text-muted-foreground">No data key yet: one is created with the first stored secret.</p>
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Version</TableHead>
                <TableHead>Status</TableHead>
                <TableHead>Wrapped by</TableHead>
                <TableHead>Secrets using it</TableHead>
                <TableHead>Created</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {keys.map((k) => (
                <TableRow key={k.version}>
                  <TableCell>v{k.version}</TableCell>
                  <TableCell>
                    <Badge variant={k.status === "active" ? "success" : k.status === "retired" ? "outline" : "warning"}>{k.status.replace("_", "-")}</Badge>
                  </TableCell>
                  <TableCell className="font-mono text-xs">{k.kekId}</TableCell>
                  <TableCell className="tabular-nums">{counts.get(k.version) ?? 0}</TableCell>
                  <TableCell>{k.createdAt.toISOString().slice(0, 16).replace("T", " ")}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}

export default async function EncryptionPage() {
  const ctx = await requireOrgContext();
  if (!can(ctx.role, "keys.manage")) {
    return (
      <Card>
        <CardHeader>
          <CardTitle>Encryption</CardTitle>
          <CardDescription>Only owners manage encryption keys. Every credential of {ctx.org.name} is stored encrypted with AES-256-GCM.</CardDescription>
        </CardHeader>
      </Card>
    );
  }
  const keks = masterKeys();
  return (
    <div className="grid gap-6">
      <Card>
        <CardHeader>
          <CardTitle>Master keys</CardTitle>
          <CardDescription>
            Set by the operator in PATCHBAY_MASTER_KEYS (primary first). To rotate: put a new key first, keep the old one after it, restart; every data key is rewrapped at start, then the old one can be removed.
          </CardDescription>
        </CardHeader>
        <CardContent className="flex flex-wrap gap-2">
          {keks.map((k, i) => (
            <Badge key={k.id} variant={i === 0 ? "success" : "outline"} className="font-mono">
              {k.id} {i === 0 ? "(primary)" : "(decrypt only)"}
            </Badge>
          ))}
        </CardContent>
      </Card>
      <ScopeCard orgId={ctx.org.id} scope={ctx.org.id} title={`${ctx.org.name} data keys`} label="organization" canRotate />
      {ctx.user.isPlatformAdmin ? <ScopeCard orgId={ctx.org.id} scope="platform" title="Platform data keys" label="platform" canRotate /> : null}
    </div>
  );
}
