"use client";
import { useState } from "react";
import { Eye } from "lucide-react";
import { toast } from "sonner";
import { revealSecretAction } from "@/lib/actions/reveal-secret";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";

/** Reveal asks first, is audited on the server, and keeps the value only in this dialog's state. */
export function RevealSecretButton({ orgId, connectionId, field, label }: { orgId: string; connectionId: string; field: string; label: string }) {
  const [value, setValue] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  async function reveal() {
    const r = await revealSecretAction({ orgId, connectionId, field });
    if (r?.serverError) toast.error(r.serverError);
    else if (r?.data) setValue(r.data.value);
  }
  return (
    <AlertDialog open={open} onOpenChange={(o) => (setOpen(o), o ? null : setValue(null))}>
      <AlertDialogTrigger asChild>
        <Button type="button" variant="outline" size="icon" aria-label={`Reveal ${label}`}>
          <Eye className="size-4" />
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{value === null ? `Reveal ${label}?` : label}</AlertDialogTitle>
          <AlertDialogDescription>{value === null ? "The value is shown once in this dialog, and the reveal is written to the audit log with your name." : "Close this dialog when you are done."}</AlertDialogDescription>
        </AlertDialogHeader>
        {value !== null ? (
          <pre data-testid="revealed-secret" className="max-h-64 overflow-auto rounded-md border bg-muted p-3 font-mono text-sm break-all whitespace-pre-wrap">
            {value}
          </pre>
        ) : null}
        <AlertDialogFooter>
          <AlertDialogCancel>Close</AlertDialogCancel>
          {value === null ? (
            <AlertDialogAction
              onClick={(e) => {
                e.preventDefault();
                void reveal();
              }}
            >
              Reveal
            </AlertDialogAction>
          ) : null}
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
