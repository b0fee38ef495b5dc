"use client";
import { ArrowDown, ArrowUp, Plus, Trash2 } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { dateFormatLabels, dateFormats, type DateFormat, fieldTypes, transformLabels, transformOps, validationKinds, type FieldType, type MappingRule, type Transform, type TransformOp, type Validation, type ValidationKind } from "@/lib/mapping";
import { cn } from "@/lib/utils";

type Errors = (prefix: string, exact?: boolean) => string[];

const list = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

export function newTransform(op: TransformOp): Transform {
  switch (op) {
    case "split":
      return { op, separator: "," };
    case "join":
      return { op, separator: ", " };
    case "concat":
      return { op, paths: [], separator: " " };
    case "coalesce":
      return { op, paths: [] };
    case "replace":
      return { op, pattern: "", flags: "", replacement: "", all: true };
    case "regexExtract":
      return { op, pattern: "", flags: "", group: 1 };
    case "parseNumber":
      return { op, decimal: "." };
    case "parseBoolean":
      return { op };
    case "parseDate":
      return { op, format: "auto" };
    case "lookup":
      return { op, table: {}, caseInsensitive: true, onMissing: "keep" };
    case "template":
      return { op, template: "" };
    default:
      return { op } as Transform;
  }
}

function newValidation(kind: ValidationKind): Validation {
  switch (kind) {
    case "regex":
      return { kind, pattern: "", flags: "" };
    case "min":
    case "max":
      return { kind, value: 0 };
    case "length":
      return { kind, min: 0, max: 255 };
    case "enum":
      return { kind, values: [] };
    default:
      return { kind } as Validation;
  }
}

function FieldMessages({ messages, id }: { messages: string[]; id?: string }) {
  if (messages.length === 0) return null;
  return (
    <div id={id} className="text-xs text-destructive" data-testid="field-error">
      {messages.map((m, i) => (
        <p key={i}>{m}</p>
      ))}
    </div>
  );
}

function Small({ label, children, className }: { label: string; children: React.ReactNode; className?: string }) {
  return (
    <label className={cn("grid gap-1 text-xs text-muted-foreground", className)}>
      <span>{label}</span>
      {children}
    </label>
  );
}

function lookupText(table: Record<string, unknown>): string {
  return Object.entries(table)
    .map(([k, v]) => `${k}=${v === null ? "" : String(v)}`)
    .join("\n");
}

function parseLookup(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    if (i <= 0) continue;
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

function TransformFields({ t, onChange, err }: { t: Transform; onChange: (t: Transform) => void; err: (field: string) => string[] }) {
  const inv = (f: string) => (err(f).length > 0 ? true : undefined);
  const [lookupDraft, setLookupDraft] = useState(() => (t.op === "lookup" ? lookupText(t.table) : ""));
  switch (t.op) {
    case "split":
    case "join":
      return (
        <Small label="Separator">
          <Input className="h-8" value={t.separator} aria-invalid={inv("separator")} onChange={(e) => onChange({ ...t, separator: e.target.value })} />
        </Small>
      );
    case "concat":
    case "coalesce":
      return (
        <div className="flex flex-wrap gap-2">
          <Small label="Other paths (comma-separated)" className="min-w-56 flex-1">
            <Input className="h-8" aria-invalid={inv("paths")} defaultValue={t.paths.join(", ")} onChange={(e) => onChange({ ...t, paths: list(e.target.value) })} placeholder="properties.lastname" />
          </Small>
          {t.op === "concat" ? (
            <Small label="Separator" className="w-24">
              <Input className="h-8" value={t.separator} onChange={(e) => onChange({ ...t, separator: e.target.value })} />
            </Small>
          ) : null}
        </div>
      );
    case "replace":
    case "regexExtract":
      return (
        <div className="flex flex-wrap gap-2">
          <Small label="Pattern (regular expression)" className="min-w-56 flex-1">
            <Input className="h-8 font-mono" aria-invalid={inv("pattern")} value={t.pattern} onChange={(e) => onChange({ ...t, pattern: e.target.value })} />
          </Small>
          <Small label="Flags" className="w-16">
            <Input className="h-8 font-mono" aria-invalid={inv("flags")} value={t.flags ?? ""} onChange={(e) => onChange({ ...t, flags: e.target.value })} />
          </Small>
          {t.op === "replace" ? (
            <>
              <Small label="Replace with" className="w-40">
                <Input className="h-8" value={t.replacement} onChange={(e) => onChange({ ...t, replacement: e.target.value })} />
              </Small>
              <label className="flex items-end gap-1 pb-2 text-xs">
                <input type="checkbox" checked={t.all !== false} onChange={(e) => onChange({ ...t, all: e.target.checked })} /> every match
              </label>
            </>
          ) : (
            <Small label="Group" className="w-16">
              <Input className="h-8" type="number" min={0} max={20} value={t.group ?? 1} onChange={(e) => onChange({ ...t, group: Number(e.target.value) })} />
            </Small>
          )}
        </div>
      );
    case "parseNumber":
      return (
        <Small label="Decimal mark" className="w-40">
          <NativeSelect className="h-8" value={t.decimal ?? "."} onChange={(e) => onChange({ ...t, decimal: e.target.value as "." | "," })}>
            <option value=".">1,234.5</option>
            <option value=",">1.234,5</option>
          </NativeSelect>
        </Small>
      );
    case "parseBoolean":
      return (
        <div className="flex flex-wrap gap-2">
          <Small label="True words (default: true, yes, 1, on)" className="min-w-48 flex-1">
            <Input className="h-8" defaultValue={t.trueValues?.join(", ") ?? ""} onChange={(e) => onChange({ ...t, trueValues: e.target.value.trim() ? list(e.target.value) : undefined })} />
          </Small>
          <Small label="False words (default: false, no, 0, off)" className="min-w-48 flex-1">
            <Input className="h-8" defaultValue={t.falseValues?.join(", ") ?? ""} onChange={(e) => onChange({ ...t, falseValues: e.target.value.trim() ? list(e.target.value) : undefined })} />
          </Small>
        </div>
      );
    case "parseDate":
      return (
        <Small label="Format" className="w-64">
          <NativeSelect className="h-8" value={t.format ?? "auto"} onChange={(e) => onChange({ ...t, format: e.target.value as DateFormat })}>
            {dateFormats.map((f) => (
              <option key={f} value={f}>
                {dateFormatLabels[f]}
              </option>
            ))}
          </NativeSelect>
        </Small>
      );
    case "lookup":
      return (
        <div className="flex flex-wrap gap-2">
          <Small label="Table, one from=to per line" className="min-w-56 flex-1">
            <textarea
              className="min-h-20 rounded-md border border-input bg-transparent px-2 py-1 font-mono text-xs"
              aria-invalid={inv("table")}
              value={lookupDraft}
              onChange={(e) => {
                setLookupDraft(e.target.value);
                onChange({ ...t, table: parseLookup(e.target.value) });
              }}
            />
          </Small>
          <div className="grid gap-2">
            <label className="flex items-center gap-1 text-xs">
              <input type="checkbox" checked={t.caseInsensitive ?? false} onChange={(e) => onChange({ ...t, caseInsensitive: e.target.checked })} /> ignore case
            </label>
            <Small label="When not in the table">
              <NativeSelect className="h-8" value={t.onMissing ?? "keep"} onChange={(e) => onChange({ ...t, onMissing: e.target.value as "keep" | "null" | "error" })}>
                <option value="keep">keep the value</option>
                <option value="null">leave empty</option>
                <option value="error">flag an error</option>
              </NativeSelect>
            </Small>
          </div>
        </div>
      );
    case "template":
      return (
        <Small label="Template: {{path}} for other fields, {{value}} for this one">
          <Input className="h-8 font-mono" aria-invalid={inv("template")} value={t.template} onChange={(e) => onChange({ ...t, template: e.target.value })} placeholder="{{properties.firstname}} {{properties.lastname}}" />
        </Small>
      );
    default:
      return null;
  }
}

function ValidationFields({ v, onChange }: { v: Validation; onChange: (v: Validation) => void }) {
  switch (v.kind) {
    case "regex":
      return (
        <div className="flex flex-wrap gap-2">
          <Input className="h-8 min-w-48 flex-1 font-mono" aria-label="Pattern" value={v.pattern} onChange={(e) => onChange({ ...v, pattern: e.target.value })} placeholder="^[A-Z]{2}$" />
          <Input className="h-8 w-16 font-mono" aria-label="Flags" value={v.flags ?? ""} onChange={(e) => onChange({ ...v, flags: e.target.value })} placeholder="i" />
          <Input className="h-8 min-w-40 flex-1" aria-label="Message" value={v.message ?? ""} onChange={(e) => onChange({ ...v, message: e.target.value || undefined })} placeholder="Message when it does not match" />
        </div>
      );
    case "min":
    case "max":
      return <Input className="h-8 w-32" type="number" aria-label={v.kind === "min" ? "Minimum" : "Maximum"} value={v.value} onChange={(e) => onChange({ ...v, value: Number(e.target.value) })} />;
    case "length":
      return (
        <div className="flex gap-2">
          <Input className="h-8 w-24" type="number" min={0} aria-label="Minimum length" value={v.min ?? ""} onChange={(e) => onChange({ ...v, min: e.target.value === "" ? undefined : Number(e.target.value) })} placeholder="min" />
          <Input className="h-8 w-24" type="number" min={0} aria-label="Maximum length" value={v.max ?? ""} onChange={(e) => onChange({ ...v, max: e.target.value === "" ? undefined : Number(e.target.value) })} placeholder="max" />
        </div>
      );
    case "enum":
      return <Input className="h-8 min-w-48 flex-1" aria-label="Allowed values" defaultValue={v.values.join(", ")} onChange={(e) => onChange({ ...v, values: list(e.target.value) })} placeholder="lead, customer, other" />;
    default:
      return <span className="text-xs text-muted-foreground">{v.kind === "email" ? "Must look like an email address." : "Must be an http(s) URL."}</span>;
  }
}

const validationLabels: Record<ValidationKind, string> = { regex: "Matches a pattern", min: "At least", max: "At most", length: "Length between", enum: "One of", email: "Email address", url: "URL" };

/** The rule of one target field: source path, type, required/default, transform pipeline and checks. */
export function RuleEditor({ rule, index, onChange, errors, disabled }: { rule: MappingRule; index: number; onChange: (r: MappingRule) => void; errors: Errors; disabled?: boolean }) {
  const [addOp, setAddOp] = useState<TransformOp>("trim");
  const [addKind, setAddKind] = useState<ValidationKind>("regex");
  const base = `rules.${index}`;
  const setT = (k: number, t: Transform) => onChange({ ...rule, transforms: rule.transforms.map((x, i) => (i === k ? t : x)) });
  const moveT = (k: number, d: -1 | 1) => {
    const next = [...rule.transforms];
    const [item] = next.splice(k, 1);
    next.splice(k + d, 0, item!);
    onChange({ ...rule, transforms: next });
  };
  const id = `rule-${rule.id}`;
  return (
    <fieldset disabled={disabled} className="grid gap-4 rounded-md border bg-muted/30 p-3" data-testid="rule-editor">
      <div className="grid gap-3 sm:grid-cols-[minmax(0,2fr)_minmax(0,1fr)_minmax(0,1fr)]">
        <div className="grid gap-1">
          <label htmlFor={`${id}-source`} className="text-xs font-medium">
            Source path
          </label>
          <Input id={`${id}-source`} className="h-8 font-mono" value={rule.source} aria-invalid={errors(`${base}.source`).length > 0 || undefined} onChange={(e) => onChange({ ...rule, source: e.target.value })} placeholder="properties.email or addresses[0].city" />
          <FieldMessages messages={errors(`${base}.source`)} />
        </div>
        <div className="grid gap-1">
          <label htmlFor={`${id}-type`} className="text-xs font-medium">
            Type
          </label>
          <NativeSelect id={`${id}-type`} className="h-8" value={rule.type} aria-invalid={errors(`${base}.type`).length > 0 || undefined} onChange={(e) => onChange({ ...rule, type: e.target.value as FieldType })}>
            {fieldTypes.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </NativeSelect>
          <FieldMessages messages={errors(`${base}.type`)} />
        </div>
        <div className="grid gap-1">
          <label htmlFor={`${id}-default`} className="text-xs font-medium">
            Default when empty
          </label>
          <Input id={`${id}-default`} className="h-8" value={rule.default === undefined ? "" : String(rule.default)} aria-invalid={errors(`${base}.default`).length > 0 || undefined} onChange={(e) => onChange({ ...rule, default: e.target.value === "" ? undefined : e.target.value })} />
          <FieldMessages messages={errors(`${base}.default`)} />
        </div>
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={rule.required} onChange={(e) => onChange({ ...rule, required: e.target.checked })} /> Required: flag records where it is empty
      </label>

      <div className="grid gap-2">
        <h4 className="text-xs font-medium tracking-wide text-muted-foreground uppercase">Transform pipeline</h4>
        {rule.transforms.length === 0 ? <p className="text-xs text-muted-foreground">The value is used as it is.</p> : null}
        <ol className="grid gap-2">
          {rule.transforms.map((t, k) => (
            <li key={k} className="grid gap-2 rounded-md border bg-background p-2" data-testid="transform-step">
              <div className="flex items-center gap-2">
                <span className="text-xs text-muted-foreground">{k + 1}.</span>
                <span className="text-sm font-medium">{transformLabels[t.op]}</span>
                <div className="ml-auto flex gap-1">
                  <Button type="button" size="icon" variant="ghost" className="size-7" aria-label="Move up" disabled={k === 0} onClick={() => moveT(k, -1)}>
                    <ArrowUp className="size-3.5" />
                  </Button>
                  <Button type="button" size="icon" variant="ghost" className="size-7" aria-label="Move down" disabled={k === rule.transforms.length - 1} onClick={() => moveT(k, 1)}>
                    <ArrowDown className="size-3.5" />
                  </Button>
                  <Button type="button" size="icon" variant="ghost" className="size-7" aria-label={`Remove step ${k + 1}`} onClick={() => onChange({ ...rule, transforms: rule.transforms.filter((_, i) => i !== k) })}>
                    <Trash2 className="size-3.5" />
                  </Button>
                </div>
              </div>
              <TransformFields t={t} onChange={(nt) => setT(k, nt)} err={(f) => errors(`${base}.transforms.${k}.${f}`)} />
              <FieldMessages messages={errors(`${base}.transforms.${k}`, false)} />
            </li>
          ))}
        </ol>
        <div className="flex gap-2">
          <NativeSelect aria-label="Step to add" className="h-8 w-56" value={addOp} onChange={(e) => setAddOp(e.target.value as TransformOp)}>
            {transformOps.map((op) => (
              <option key={op} value={op}>
                {transformLabels[op]}
              </option>
            ))}
          </NativeSelect>
          <Button type="button" size="sm" variant="outline" onClick={() => onChange({ ...rule, transforms: [...rule.transforms, newTransform(addOp)] })}>
            <Plus className="size-3.5" /> Add step
          </Button>
        </div>
      </div>

      <div className="grid gap-2">
        <h4 className="text-xs font-medium tracking-wide text-muted-foreground uppercase">Checks</h4>
        {rule.validations.map((v, k) => (
          <div key={k} className="grid gap-1" data-testid="validation-rule">
            <div className="flex flex-wrap items-center gap-2">
              <span className="w-36 text-sm">{validationLabels[v.kind]}</span>
              <ValidationFields v={v} onChange={(nv) => onChange({ ...rule, validations: rule.validations.map((x, i) => (i === k ? nv : x)) })} />
              <Button type="button" size="icon" variant="ghost" className="ml-auto size-7" aria-label={`Remove check ${k + 1}`} onClick={() => onChange({ ...rule, validations: rule.validations.filter((_, i) => i !== k) })}>
                <Trash2 className="size-3.5" />
              </Button>
            </div>
            <FieldMessages messages={errors(`${base}.validations.${k}`, false)} />
          </div>
        ))}
        <div className="flex gap-2">
          <NativeSelect aria-label="Check to add" className="h-8 w-56" value={addKind} onChange={(e) => setAddKind(e.target.value as ValidationKind)}>
            {validationKinds.map((k) => (
              <option key={k} value={k}>
                {validationLabels[k]}
              </option>
            ))}
          </NativeSelect>
          <Button type="button" size="sm" variant="outline" onClick={() => onChange({ ...rule, validations: [...rule.validations, newValidation(addKind)] })}>
            <Plus className="size-3.5" /> Add check
          </Button>
        </div>
      </div>
    </fieldset>
  );
}

export { FieldMessages };
