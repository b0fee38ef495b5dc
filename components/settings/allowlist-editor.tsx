"use client";
import { useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { addAllowlistEntryAction, removeAllowlistEntryAction } from "@/lib/actions/change-allowlist";
import { useFormAction } from "@/components/forms/use-form-action";
import { FormError } from "@/components/forms/form-error";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

type Entry = { id: string; entry: string; note: string | null; createdAt: string };

export function AllowlistEditor({ orgId, platform, entries, canManage }: { orgId: string; platform: boolean; entries: Entry[]; canManage: boolean }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const form = useFormAction(addAllowlistEntryAction, {
    extra: { orgId, platform },
    onSuccess(data, el) {
      toast.success(`${data?.entry} is allowed.`);
      el?.reset();
      router.refresh();
    },
  });
  const prefix = platform ? "platform" : "org";
  return (
    <div className="grid gap-4">
      <Table aria-label={platform ? "Platform allowlist" : "Organization allowlist"}>
        <TableHeader>
          <TableRow>
            <TableHead>Host, IP or range</TableHead>
            <TableHead>Note</TableHead>
            <TableHead>Added</TableHead>
            <TableHead />
          </TableRow>
        </TableHeader>
        <TableBody>
          {entries.length === 0 ? (
            <TableRow>
              <TableCell colSpan={4} className="text-center text-muted-foreground">
                Nothing allowed: private and internal addresses are blocked.
              </TableCell>
            </TableRow>
          ) : (
            entries.map((e) => (
              <TableRow key={e.id}>
                <TableCell className="font-mono">{e.entry}</TableCell>
                <TableCell>{e.note}</TableCell>
                <TableCell>{e.createdAt.slice(0, 10)}</TableCell>
                <TableCell className="text-right">
                  {canManage ? (
                    <Button
                      variant="ghost"
                      size="sm"
                      disabled={pending}
                      onClick={() =>
                        start(async () => {
                          const r = await removeAllowlistEntryAction({ orgId, platform, id: e.id });
                          if (r?.serverError) toast.error(r.serverError);
                          else toast.success(`${e.entry} removed.`);
                          router.refresh();
                        })
                      }
                    >
                      Remove
                    </Button>
                  ) : null}
                </TableCell>
              </TableRow>
            ))
          )}
        </TableBody>
      </Table>
      {canManage ? (
        <form onSubmit={form.onSubmit} className="grid max-w-xl gap-3 sm:grid-cols-[1fr_1fr_auto] sm:items-end" noValidate>
          <div className="sm:col-span-3">
            <FormError message={form.formError} />
          </div>
          <FormField label="Host, IP or CIDR" htmlFor={`${prefix}-entry`} error={form.fieldError("entry")}>
            <Input id={`${prefix}-entry`} name="entry" placeholder="jira.internal or 10.0.0.0/8" />
          </FormField>
          <FormField label="Note (optional)" htmlFor={`${prefix}-note`}>
            <Input id={`${prefix}-note`} name="note" placeholder="internal SMTP relay" />
          </FormField>
          <Button type="submit" disabled={form.isPending}>
            Allow
          </Button>
        </form>
      ) : null}
    </div>
  );
}
