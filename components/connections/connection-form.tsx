"use client";
import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useAction } from "next-safe-action/hooks";
import { toast } from "sonner";
import { createConnectionAction } from "@/lib/actions/create-connection";
import { updateConnectionAction } from "@/lib/actions/update-connection";
import type { FieldView } from "@/lib/connections/view";
import { FormError } from "@/components/forms/form-error";
import { RevealSecretButton } from "@/components/connections/reveal-secret-button";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Textarea } from "@/components/ui/textarea";

/** A field as the form needs it: the page passes FieldView (masked) for edits, descriptors for creates. */
type FormFieldSpec = Pick<FieldView, "name" | "group" | "label" | "help" | "placeholder" | "kind" | "secret" | "required" | "defaultValue" | "options"> &
  Partial<Pick<FieldView, "value" | "stored" | "masked">>;

type Props =
  | { mode: "create"; orgId: string; providerKey: string; providerName: string; fields: FormFieldSpec[]; canPlatformWide: boolean }
  | { mode: "edit"; orgId: string; connectionId: string; name: string; fields: FormFieldSpec[] };

type Result = { data?: { id: string; test: { ok: boolean; message: string; ms: number } | null }; serverError?: string; validationErrors?: { formErrors?: string[]; fieldErrors?: Record<string, string[] | undefined> } };

export function ConnectionForm(props: Props) {
  const router = useRouter();
  const [lastError, setLastError] = useState<Result | null>(null);
  const onDone = (result: Result) => {
    setLastError(result.serverError || result.validationErrors ? result : null);
    if (result.data) {
      const t = result.data.test;
      toast.success(t ? `Saved. Test passed in ${t.ms} ms: ${t.message}` : "Saved.");
      if (props.mode === "create") router.push(`/connections/${result.data.id}`);
      else router.refresh();
    }
  };
  const create = useAction(createConnectionAction, { onSettled: ({ result }) => onDone(result as Result) });
  const update = useAction(updateConnectionAction, { onSettled: ({ result }) => onDone(result as Result) });
  const pending = create.isPending || update.isPending;

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const fd = new FormData(e.currentTarget);
    const values: Record<string, string | boolean> = {};
    for (const f of props.fields) {
      if (f.kind === "boolean") values[f.name] = fd.get(`v.${f.name}`) === "on";
      else values[f.name] = String(fd.get(`v.${f.name}`) ?? "");
      if (fd.get(`v.${f.name}__clear`) === "on") values[`${f.name}__clear`] = true;
    }
    const common = { orgId: props.orgId, name: String(fd.get("name") ?? ""), testBeforeSave: fd.get("testBeforeSave") === "on", values };
    if (props.mode === "create") create.execute({ ...common, providerKey: props.providerKey, platformWide: fd.get("platformWide") === "on" });
    else update.execute({ ...common, connectionId: props.connectionId });
  }

  const fieldErrors = lastError?.validationErrors?.fieldErrors ?? {};
  // Errors about provider fields arrive under values.<name> from zod, or under <name> from the service.
  const errorFor = (name: string) => fieldErrors[name] ?? fieldErrors[`values.${name}`];

  return (
    <form onSubmit={onSubmit} className="grid max-w-2xl gap-5" noValidate>
      <FormError message={lastError?.serverError ?? lastError?.validationErrors?.formErrors?.[0]} />
      <FormField label="Connection name" htmlFor="name" error={fieldErrors.name} description="How this connection appears in lists, e.g. “Transactional email”.">
        <Input name="name" required maxLength={80} defaultValue={props.mode === "edit" ? props.name : props.providerName} />
      </FormField>
      {props.fields.map((f) => {
        const id = `f-${f.name}`;
        const help = [f.help, !f.required && f.defaultValue !== undefined ? `Default: ${String(f.defaultValue)}.` : null].filter(Boolean).join(" ");
        if (f.group === "credentials") {
          return (
            <FormField key={f.name} label={`${f.label}${f.required ? "" : " (optional)"}`} htmlFor={id} error={errorFor(f.name)} description={f.stored ? `Stored: ${f.masked}. Leave empty to keep it; type a new value to replace it.` : help}>
              <div className="flex gap-2">
                {f.kind === "text" ? (
                  <Textarea id={id} name={`v.${f.name}`} rows={5} placeholder={f.stored ? "Leave empty to keep the stored value" : f.placeholder} autoComplete="off" spellCheck={false} />
                ) : (
                  <Input id={id} name={`v.${f.name}`} type={f.secret ? "password" : "text"} placeholder={f.stored ? "Leave empty to keep the stored value" : f.placeholder} autoComplete={f.secret ? "new-password" : "off"} />
                )}
                {props.mode === "edit" && f.stored && f.secret ? <RevealSecretButton orgId={props.orgId} connectionId={props.connectionId} field={f.name} label={f.label} /> : null}
              </div>
              {f.stored && !f.required ? (
                <label className="mt-1 flex items-center gap-2 text-sm text-muted-foreground">
                  <input type="checkbox" name={`v.${f.name}__clear`} /> Remove the stored value
                </label>
              ) : null}
            </FormField>
          );
        }
        if (f.kind === "boolean") {
          return (
            <label key={f.name} className="flex items-center gap-2 text-sm">
              <input type="checkbox" name={`v.${f.name}`} defaultChecked={Boolean(f.value ?? f.defaultValue)} /> {f.label}
            </label>
          );
        }
        const initial = f.value !== undefined && f.value !== f.defaultValue ? String(f.value) : props.mode === "edit" && f.value !== undefined ? String(f.value) : "";
        return (
          <FormField key={f.name} label={`${f.label}${f.required ? "" : " (optional)"}`} htmlFor={id} error={errorFor(f.name)} description={help || undefined}>
            {f.kind === "enum" ? (
              <select id={id} name={`v.${f.name}`} defaultValue={String(f.value ?? f.defaultValue ?? "")} className="h-9 rounded-md border bg-background px-3 text-sm">
                {!f.required && f.defaultValue === undefined ? <option value="">—</option> : null}
                {f.options?.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            ) : f.kind === "text" ? (
              <Textarea id={id} name={`v.${f.name}`} rows={4} defaultValue={initial} placeholder={f.placeholder} />
            ) : (
              <Input id={id} name={`v.${f.name}`} type={f.kind === "number" ? "number" : f.kind === "email" ? "email" : f.kind === "url" ? "url" : "text"} defaultValue={initial} placeholder={f.placeholder ?? (f.defaultValue !== undefined ? String(f.defaultValue) : undefined)} />
            )}
          </FormField>
        );
      })}
      {props.mode === "create" && props.canPlatformWide ? (
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="platformWide" /> Platform-wide: every organization without its own {props.providerName} connection uses this one
        </label>
      ) : null}
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="testBeforeSave" defaultChecked /> Test the connection before saving (refuse settings that do not work)
      </label>
      <div>
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : props.mode === "create" ? "Create connection" : "Save changes"}
        </Button>
      </div>
    </form>
  );
}
