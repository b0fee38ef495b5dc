"use client";
import { useAction } from "next-safe-action/hooks";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Plus } from "lucide-react";
import { toast } from "sonner";
import { FormError } from "@/components/forms/form-error";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { createMappingAction } from "@/lib/actions/mappings";

type Props = {
  orgId: string;
  connections: { id: string; name: string; providerKey: string; providerName: string }[];
  targets: { key: string; name: string }[];
  templates: { id: string; name: string; targetSchema: string; providerKey: string | null; entity: string | null }[];
  suggestions: Record<string, string[]>;
  /** "connectionId|entity" of streams that already have a mapping. */
  mapped: string[];
};

/** Choose a connection's stream (entity) and a target schema; start blank or from a template. */
export function NewMappingDialog({ orgId, connections, targets, templates, suggestions, mapped }: Props) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [connectionId, setConnectionId] = useState(connections[0]?.id ?? "");
  const [entity, setEntity] = useState("");
  const [targetSchema, setTargetSchema] = useState(targets[0]?.key ?? "contact");
  const [templateId, setTemplateId] = useState("");
  const conn = connections.find((c) => c.id === connectionId);
  const usable = templates.filter((t) => t.targetSchema === targetSchema && (!t.providerKey || t.providerKey === conn?.providerKey));
  const action = useAction(createMappingAction, {
    onSuccess: ({ data }) => {
      if (!data) return;
      toast.success(templateId ? "Mapping created with version 1 from the template." : "Mapping created.");
      setOpen(false);
      router.push(`/mappings/${data.id}`);
    },
  });
  const fe = action.result.validationErrors?.fieldErrors as Record<string, string[] | undefined> | undefined;
  const already = mapped.includes(`${connectionId}|${entity.trim()}`);

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button>
          <Plus className="size-4" aria-hidden /> New mapping
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>New mapping</DialogTitle>
          <DialogDescription>A mapping belongs to one stream: a connection and the entity it syncs. It is prepared now and applied once a version is active.</DialogDescription>
        </DialogHeader>
        {connections.length === 0 ? (
          <p className="text-sm text-muted-foreground">Your organization has no connections yet. Add one under Connections first.</p>
        ) : (
          <form
            className="grid gap-4"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              action.execute({ orgId, connectionId, entity, targetSchema, templateId: templateId || null });
            }}
          >
            <FormError message={action.result.serverError ?? action.result.validationErrors?.formErrors?.[0]} />
            <FormField label="Connection" htmlFor="mapping-connection" error={fe?.connectionId}>
              <NativeSelect
                value={connectionId}
                onChange={(e) => {
                  setConnectionId(e.target.value);
                  setTemplateId("");
                }}
              >
                {connections.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name} ({c.providerName})
                  </option>
                ))}
              </NativeSelect>
            </FormField>
            <FormField label="Entity (stream)" htmlFor="mapping-entity" error={fe?.entity ?? (already ? ["This stream already has a mapping."] : undefined)} description="What the connection syncs, e.g. contacts, Account, or your REST stream's name." required>
              <Input value={entity} onChange={(e) => setEntity(e.target.value)} list="mapping-entity-suggestions" maxLength={100} autoComplete="off" />
            </FormField>
            <datalist id="mapping-entity-suggestions">
              {(suggestions[conn?.providerKey ?? ""] ?? []).map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
            <FormField label="Target schema" htmlFor="mapping-target" error={fe?.targetSchema}>
              <NativeSelect
                value={targetSchema}
                onChange={(e) => {
                  setTargetSchema(e.target.value);
                  setTemplateId("");
                }}
              >
                {targets.map((t) => (
                  <option key={t.key} value={t.key}>
                    {t.name}
                  </option>
                ))}
              </NativeSelect>
            </FormField>
            <FormField label="Start from" htmlFor="mapping-template" error={fe?.templateId}>
              <NativeSelect value={templateId} onChange={(e) => setTemplateId(e.target.value)}>
                <option value="">Blank mapping</option>
                {usable.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </NativeSelect>
            </FormField>
            <DialogFooter>
              <Button type="button" variant="outline" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={action.isPending || !entity.trim() || already}>
                Create mapping
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
