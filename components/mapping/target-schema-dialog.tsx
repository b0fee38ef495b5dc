"use client";
import { useAction } from "next-safe-action/hooks";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { Pencil, Plus, Trash2 } from "lucide-react";
import { toast } from "sonner";
import { FormError } from "@/components/forms/form-error";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { saveTargetSchemaAction } from "@/lib/actions/mappings";
import { fieldTypes, targetSchemaDefSchema, type FieldType, type TargetField } from "@/lib/mapping";

type Existing = { id: string; key: string; name: string; fields: TargetField[] };
type Row = { name: string; type: FieldType; required: boolean; values: string };

/** Create or edit a custom target schema: a key, a name, and fields with types. */
export function TargetSchemaDialog({ orgId, existing }: { orgId: string; existing?: Existing }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [key, setKey] = useState(existing?.key ?? "");
  const [name, setName] = useState(existing?.name ?? "");
  const [rows, setRows] = useState<Row[]>(existing?.fields.map((f) => ({ name: f.name, type: f.type, required: f.required, values: f.values?.join(", ") ?? "" })) ?? [{ name: "externalId", type: "string", required: true, values: "" }]);
  const [touched, setTouched] = useState(false);
  const schema = useMemo(
    () => ({
      key,
      name,
      fields: rows.map((r) => ({ name: r.name, type: r.type, required: r.required, ...(r.type === "enum" ? { values: r.values.split(",").map((v) => v.trim()).filter(Boolean) } : {}) })),
    }),
    [key, name, rows],
  );
  const parsed = targetSchemaDefSchema.safeParse(schema);
  const err = (path: string) => (touched && !parsed.success ? parsed.error.issues.filter((i) => i.path.join(".") === path).map((i) => i.message) : []);
  const action = useAction(saveTargetSchemaAction, {
    onSuccess: () => {
      toast.success(existing ? `Saved ${name}.` : `Created the target schema ${name}.`);
      setOpen(false);
      router.refresh();
    },
  });
  const set = (i: number, patch: Partial<Row>) => setRows(rows.map((r, k) => (k === i ? { ...r, ...patch } : r)));
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        {existing ? (
          <Button size="icon" variant="ghost" className="size-7" aria-label={`Edit target schema ${existing.name}`}>
            <Pencil className="size-3.5" />
          </Button>
        ) : (
          <Button variant="outline">
            <Plus className="size-4" aria-hidden /> New target schema
          </Button>
        )}
      </DialogTrigger>
      <DialogContent className="sm:max-w-2xl">
        <DialogHeader>
          <DialogTitle>{existing ? `Edit ${existing.name}` : "New target schema"}</DialogTitle>
          <DialogDescription>Fields your mappings can fill. Required fields are flagged on every record that lacks them.</DialogDescription>
        </DialogHeader>
        <form
          className="grid gap-4"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            setTouched(true);
            if (parsed.success) action.execute({ orgId, id: existing?.id ?? null, schema: parsed.data });
          }}
        >
          <FormError message={action.result.serverError} />
          <div className="grid gap-3 sm:grid-cols-2">
            <FormField label="Name" htmlFor="ts-name" error={err("name")} required>
              <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={80} />
            </FormField>
            <FormField label="Key" htmlFor="ts-key" error={err("key")} description={existing ? "The key cannot change." : "Used in mappings, e.g. ticket."} required>
              <Input value={key} onChange={(e) => setKey(e.target.value)} readOnly={Boolean(existing)} maxLength={40} />
            </FormField>
          </div>
          <div className="grid gap-2">
            <div className="text-sm font-medium">Fields</div>
            {rows.map((r, i) => (
              <div key={i} className="grid gap-1">
                <div className="flex flex-wrap items-center gap-2">
                  <Input className="h-8 w-44 font-mono" aria-label={`Field ${i + 1} name`} value={r.name} onChange={(e) => set(i, { name: e.target.value })} aria-invalid={err(`fields.${i}.name`).length > 0 || undefined} />
                  <NativeSelect className="h-8 w-28" aria-label={`Field ${i + 1} type`} value={r.type} onChange={(e) => set(i, { type: e.target.value as FieldType })}>
                    {fieldTypes.map((t) => (
                      <option key={t}>{t}</option>
                    ))}
                  </NativeSelect>
                  {r.type === "enum" ? <Input className="h-8 min-w-40 flex-1" aria-label={`Field ${i + 1} values`} placeholder="low, high" value={r.values} onChange={(e) => set(i, { values: e.target.value })} /> : null}
                  <label className="flex items-center gap-1 text-xs">
                    <input type="checkbox" checked={r.required} onChange={(e) => set(i, { required: e.target.checked })} /> required
                  </label>
                  <Button type="button" size="icon" variant="ghost" className="ml-auto size-7" aria-label={`Remove field ${i + 1}`} onClick={() => setRows(rows.filter((_, k) => k !== i))}>
                    <Trash2 className="size-3.5" />
                  </Button>
                </div>
                {[...err(`fields.${i}.name`), ...err(`fields.${i}.values`)].map((m, k) => (
                  <p key={k} className="text-xs text-destructive">
                    {m}
                  </p>
                ))}
              </div>
            ))}
            {err("fields").map((m, k) => (
              <p key={k} className="text-xs text-destructive">
                {m}
              </p>
            ))}
            <Button type="button" size="sm" variant="outline" className="w-fit" onClick={() => setRows([...rows, { name: "", type: "string", required: false, values: "" }])}>
              <Plus className="size-3.5" /> Add field
            </Button>
          </div>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={action.isPending}>
              {existing ? "Save" : "Create"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
