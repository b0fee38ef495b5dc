"use client";
import { useState, useTransition, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { Copy } from "lucide-react";
import { toast } from "sonner";
import { createApiTokenAction } from "@/lib/actions/create-api-token";
import { revokeApiTokenAction } from "@/lib/actions/revoke-api-token";
import { FormError } from "@/components/forms/form-error";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

type Token = { id: string; name: string; prefix: string; scopes: string[]; lastUsedAt: string | null; expiresAt: string | null; revokedAt: string | null; createdAt: string };
const scopeHelp: Record<string, string> = {
  "integrations:read": "list and read connections (no secrets)",
  "integrations:write": "create, change, test and delete connections",
  "settings:read": "read decrypted settings, for your backend only",
  "events:write": "emit events to the organization's outbound webhook endpoints",
};

export function ApiTokens({ orgId, tokens, canManage }: { orgId: string; tokens: Token[]; canManage: boolean }) {
  const router = useRouter();
  const [created, setCreated] = useState<string | null>(null);
  const [errors, setErrors] = useState<{ form?: string; fields?: Record<string, string[] | undefined> }>({});
  const [pending, start] = useTransition();

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const fd = new FormData(e.currentTarget);
    const form = e.currentTarget;
    start(async () => {
      const r = await createApiTokenAction({ orgId, name: String(fd.get("name") ?? ""), scopes: fd.getAll("scopes").map(String) as never, expiresInDays: Number(fd.get("expiresInDays") ?? 90) as never });
      if (r?.data) {
        setCreated(r.data.token);
        setErrors({});
        form.reset();
        router.refresh();
      } else setErrors({ form: r?.serverError ?? r?.validationErrors?.formErrors?.[0], fields: r?.validationErrors?.fieldErrors });
    });
  }

  return (
    <div className="grid gap-6">
      {canManage ? (
        <form onSubmit={onSubmit} className="grid max-w-xl gap-4" noValidate>
          <FormError message={errors.form} />
          <FormField label="Token name" htmlFor="token-name" error={errors.fields?.name} description="What will use it, e.g. “billing backend”.">
            <Input id="token-name" name="name" maxLength={80} />
          </FormField>
          <fieldset className="grid gap-1 text-sm">
            <legend className="mb-1 font-medium">Scopes</legend>
            {Object.entries(scopeHelp).map(([s, help]) => (
              <label key={s} className="flex items-center gap-2">
                <input type="checkbox" name="scopes" value={s} defaultChecked={s === "integrations:read"} /> <code>{s}</code> <span className="text-muted-foreground">— {help}</span>
              </label>
            ))}
            {errors.fields?.scopes ? <p className="text-sm text-destructive">{errors.fields.scopes[0]}</p> : null}
          </fieldset>
          <FormField label="Expires after (days, 0 = never)" htmlFor="token-expiry" error={errors.fields?.expiresInDays}>
            <Input id="token-expiry" name="expiresInDays" type="number" defaultValue={90} min={0} max={3650} />
          </FormField>
          <div>
            <Button type="submit" disabled={pending}>
              Create token
            </Button>
          </div>
        </form>
      ) : (
        <p className="text-sm text-muted-foreground">Only admins and owners can create or revoke tokens.</p>
      )}
      {created ? (
        <div className="grid gap-2 rounded-md border border-primary/40 bg-primary/5 p-4">
          <p className="text-sm font-medium">Copy the token now. It is shown only once.</p>
          <div className="flex gap-2">
            <Input readOnly value={created} data-testid="new-api-token" aria-label="New API token" onFocus={(e) => e.currentTarget.select()} />
            <Button type="button" variant="outline" size="icon" aria-label="Copy token" onClick={() => navigator.clipboard.writeText(created).then(() => toast.success("Copied."))}>
              <Copy className="size-4" />
            </Button>
            <Button type="button" variant="ghost" onClick={() => setCreated(null)}>
              Done
            </Button>
          </div>
        </div>
      ) : null}
      <Table aria-label="API tokens">
        <TableHeader>
          <TableRow>
            <TableHead>Name</TableHead>
            <TableHead>Token</TableHead>
            <TableHead>Scopes</TableHead>
            <TableHead>Last used</TableHead>
            <TableHead>Expires</TableHead>
            <TableHead />
          </TableRow>
        </TableHeader>
        <TableBody>
          {tokens.length === 0 ? (
            <TableRow>
              <TableCell colSpan={6} className="text-center text-muted-foreground">
                No tokens yet.
              </TableCell>
            </TableRow>
          ) : (
            tokens.map((t) => (
              <TableRow key={t.id}>
                <TableCell>{t.name}</TableCell>
                <TableCell className="font-mono text-xs">{t.prefix}…</TableCell>
                <TableCell className="flex flex-wrap gap-1">
                  {t.scopes.map((s) => (
                    <Badge key={s} variant="outline">
                      {s}
                    </Badge>
                  ))}
                </TableCell>
                <TableCell>{t.lastUsedAt ? t.lastUsedAt.replace("T", " ").slice(0, 16) : "never"}</TableCell>
                <TableCell>{t.revokedAt ? <Badge variant="destructive">revoked</Badge> : t.expiresAt ? t.expiresAt.slice(0, 10) : "never"}</TableCell>
                <TableCell className="text-right">
                  {canManage && !t.revokedAt ? (
                    <Button
                      variant="ghost"
                      size="sm"
                      disabled={pending}
                      onClick={() =>
                        start(async () => {
                          const r = await revokeApiTokenAction({ orgId, tokenId: t.id });
                          if (r?.serverError) toast.error(r.serverError);
                          else toast.success(`${t.name} revoked.`);
                          router.refresh();
                        })
                      }
                    >
                      Revoke
                    </Button>
                  ) : null}
                </TableCell>
              </TableRow>
            ))
          )}
        </TableBody>
      </Table>
    </div>
  );
}
