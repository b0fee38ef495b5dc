"use client";
import { useAction } from "next-safe-action/hooks";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Trash2 } from "lucide-react";
import { toast } from "sonner";
import { AlertDialog, AlertDialogCancel, AlertDialogContent, AlertDialogDescription, AlertDialogFooter, AlertDialogHeader, AlertDialogTitle, AlertDialogTrigger } from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { FormError } from "@/components/forms/form-error";
import { deleteMappingAction, deleteMappingTemplateAction, deleteTargetSchemaAction } from "@/lib/actions/mappings";

function ConfirmDelete({ label, title, description, pending, error, onConfirm, icon }: { label: string; title: string; description: string; pending: boolean; error?: string; onConfirm: () => void; icon?: boolean }) {
  const [open, setOpen] = useState(false);
  return (
    <AlertDialog open={open} onOpenChange={setOpen}>
      <AlertDialogTrigger asChild>
        {icon ? (
          <Button size="icon" variant="ghost" className="size-7" aria-label={label}>
            <Trash2 className="size-3.5" />
          </Button>
        ) : (
          <Button variant="outline">{label}</Button>
        )}
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{title}</AlertDialogTitle>
          <AlertDialogDescription>{description}</AlertDialogDescription>
        </AlertDialogHeader>
        <FormError message={error} />
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <Button variant="destructive" disabled={pending} onClick={onConfirm}>
            Delete
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

export function DeleteMappingButton({ orgId, mappingId }: { orgId: string; mappingId: string }) {
  const router = useRouter();
  const a = useAction(deleteMappingAction, {
    onSuccess: () => {
      toast.success("The mapping was deleted.");
      router.push("/mappings");
    },
  });
  return <ConfirmDelete label="Delete mapping" title="Delete this mapping?" description="All its versions go with it. Stored records keep their last mapped values; new syncs store records unmapped." pending={a.isPending} error={a.result.serverError} onConfirm={() => a.execute({ orgId, mappingId })} />;
}

export function DeleteTemplateButton({ orgId, templateId, name }: { orgId: string; templateId: string; name: string }) {
  const router = useRouter();
  const a = useAction(deleteMappingTemplateAction, { onSuccess: () => router.refresh() });
  return <ConfirmDelete icon label={`Delete template ${name}`} title={`Delete the template “${name}”?`} description="Mappings made from it keep their versions." pending={a.isPending} error={a.result.serverError} onConfirm={() => a.execute({ orgId, templateId })} />;
}

export function DeleteTargetSchemaButton({ orgId, id, name }: { orgId: string; id: string; name: string }) {
  const router = useRouter();
  const a = useAction(deleteTargetSchemaAction, { onSuccess: () => router.refresh() });
  return <ConfirmDelete icon label={`Delete target schema ${name}`} title={`Delete the target schema “${name}”?`} description="Only possible when no mapping uses it." pending={a.isPending} error={a.result.serverError} onConfirm={() => a.execute({ orgId, id })} />;
}
