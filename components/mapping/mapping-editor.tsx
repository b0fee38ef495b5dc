"use client";
import { useAction } from "next-safe-action/hooks";
import { useRouter } from "next/navigation";
import { useMemo, useRef, useState } from "react";
import { toast } from "sonner";
import { ChevronDown, ChevronRight, GripVertical } from "lucide-react";
import { FormError } from "@/components/forms/form-error";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import { applyMappingTemplateAction, saveMappingTemplateAction, saveMappingVersionAction } from "@/lib/actions/mappings";
import { checkDefinition, compileMapping, discoverSourceFields, mappingSchema, ruleSchema, type DefinitionIssue, type MappingRule, type TargetSchemaDef } from "@/lib/mapping";
import { cn } from "@/lib/utils";
import { PreviewPanel } from "./preview-panel";
import { RuleEditor } from "./rule-editor";
import { RemapProgress, VersionsPanel, type VersionItem } from "./versions-panel";

export type EditorProps = {
  orgId: string;
  canManage: boolean;
  mapping: { id: string; entity: string; connectionName: string; targetSchema: string; activeVersionId: string | null; remapStatus: "idle" | "running" | "failed"; remapDone: number; remapTotal: number; remapError: string | null };
  target: TargetSchemaDef;
  versions: VersionItem[];
  samples: { externalId: string; raw: unknown }[];
  records: number;
  templates: { id: string; name: string; builtin: boolean; definition: unknown }[];
};

const PREVIEW_RECORDS = 5;
let seq = 0;
const newId = () => `r${Date.now().toString(36)}${(seq++).toString(36)}`;

function rulesOf(definition: unknown): MappingRule[] {
  const parsed = mappingSchema.safeParse(definition);
  if (parsed.success) return parsed.data.rules;
  const rules = (definition as { rules?: unknown[] } | null)?.rules;
  return Array.isArray(rules) ? rules.map((r) => ruleSchema.safeParse(r)).flatMap((r) => (r.success ? [r.data] : [])) : [];
}

function issueKey(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}

export function MappingEditor(props: EditorProps) {
  const { orgId, canManage, mapping, target, versions } = props;
  const router = useRouter();
  const latest = versions[0];
  const [rules, setRules] = useState<MappingRule[]>(() => (latest ? rulesOf(latest.definition) : []));
  const [loadedFrom, setLoadedFrom] = useState<number | null>(latest?.version ?? null);
  const [dirty, setDirty] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const [note, setNote] = useState("");
  const [serverIssues, setServerIssues] = useState<DefinitionIssue[]>([]);
  const [pasteText, setPasteText] = useState("");
  const [pasteError, setPasteError] = useState<string | null>(null);
  const [pasted, setPasted] = useState<{ externalId: string; raw: unknown }[]>([]);
  const [templateOpen, setTemplateOpen] = useState(false);
  const [applyId, setApplyId] = useState("");
  const dragged = useRef<string | null>(null);

  const samples = props.samples.length > 0 ? props.samples : pasted;
  const sources = useMemo(() => discoverSourceFields(samples.map((s) => s.raw)), [samples]);
  const definition = useMemo(() => ({ targetSchema: mapping.targetSchema, rules }), [mapping.targetSchema, rules]);

  // Every problem, addressed like "rules.2.transforms.0.pattern", shown on its field.
  const issues = useMemo(() => {
    const out: DefinitionIssue[] = [];
    const parsed = mappingSchema.safeParse(definition);
    if (!parsed.success) for (const i of parsed.error.issues) out.push({ path: i.path as (string | number)[], message: i.message });
    else out.push(...checkDefinition(parsed.data, target));
    return out;
  }, [definition, target]);
  const allIssues = dirty ? issues : [...issues, ...serverIssues];
  const errors = (prefix: string, exact = true) => allIssues.filter((i) => (exact ? issueKey(i.path) === prefix : issueKey(i.path).startsWith(prefix))).map((i) => i.message);

  // The preview compiles the rules that are valid on their own, so one rule being typed does not blank the rest.
  const preview = useMemo(() => {
    const valid: MappingRule[] = [];
    const invalid: string[] = [];
    for (const r of rules) {
      const p = ruleSchema.safeParse(r);
      if (p.success) valid.push(p.data);
      else invalid.push(r.target);
    }
    const apply = compileMapping({ targetSchema: mapping.targetSchema, rules: valid }, target);
    const recs = samples.slice(0, PREVIEW_RECORDS);
    return { records: recs, results: recs.map((s) => apply(s.raw)), invalid };
  }, [rules, samples, mapping.targetSchema, target]);

  const update = (next: MappingRule[]) => {
    setRules(next);
    setDirty(true);
  };
  const ruleFor = (field: string) => rules.findIndex((r) => r.target === field);
  const connect = (field: string, source: string) => {
    const i = ruleFor(field);
    const f = target.fields.find((x) => x.name === field)!;
    if (!source) return update(rules.filter((r) => r.target !== field));
    if (i >= 0) return update(rules.map((r, k) => (k === i ? { ...r, source } : r)));
    update([...rules, { id: newId(), source, target: field, type: f.type, required: f.required, transforms: [], validations: [] }]);
  };

  const save = useAction(saveMappingVersionAction, {
    onSuccess: ({ data }) => {
      if (!data) return;
      if (!data.ok) {
        setServerIssues(data.issues);
        setDirty(false);
        toast.error("The mapping was not saved: fix the problems marked on the fields.");
        return;
      }
      setServerIssues([]);
      setDirty(false);
      setNote("");
      setLoadedFrom(data.version.version);
      toast.success(`Saved version ${data.version.version}.`);
      router.refresh();
    },
  });
  const applyTemplate = useAction(applyMappingTemplateAction, {
    onSuccess: ({ data, input }) => {
      if (!data) return;
      if (!data.ok) return setServerIssues(data.issues);
      const t = props.templates.find((x) => x.id === input.templateId);
      if (t) setRules(rulesOf({ ...(t.definition as object), targetSchema: mapping.targetSchema }));
      setDirty(false);
      setLoadedFrom(data.version.version);
      toast.success(`Version ${data.version.version} was made from the template.`);
      router.refresh();
    },
  });

  function usePasted() {
    try {
      const v = JSON.parse(pasteText) as unknown;
      const list = Array.isArray(v) ? v : [v];
      if (list.length === 0 || list.some((x) => x === null || typeof x !== "object")) throw new Error("Paste a JSON object (or an array of objects).");
      setPasted(list.slice(0, 20).map((raw, i) => ({ externalId: String((raw as { id?: unknown; Id?: unknown }).id ?? (raw as { Id?: unknown }).Id ?? `sample ${i + 1}`), raw })));
      setPasteError(null);
    } catch (e) {
      setPasteError(e instanceof SyntaxError ? `Not valid JSON: ${e.message}` : (e as Error).message);
    }
  }

  const problemCount = issues.length;
  const hasActive = mapping.activeVersionId !== null;

  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap items-end gap-3 rounded-lg border bg-card p-3" data-testid="save-bar">
        <div className="flex min-w-0 flex-1 flex-wrap items-center gap-2 text-sm">
          <span className="text-muted-foreground">{loadedFrom ? `Editing from version ${loadedFrom}` : "New mapping"}</span>
          {dirty ? <Badge variant="warning">Unsaved changes</Badge> : null}
          {problemCount > 0 ? <Badge variant="destructive">{problemCount === 1 ? "1 problem" : `${problemCount} problems`}</Badge> : null}
          <span className="text-muted-foreground">· {rules.length} of {target.fields.length} fields mapped</span>
        </div>
        {canManage ? (
          <>
            <Input aria-label="Version note" className="h-9 w-64" placeholder="Note for this version (optional)" value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} />
            <Button disabled={save.isPending || problemCount > 0} onClick={() => save.execute({ orgId, mappingId: mapping.id, definition, note })} title={problemCount > 0 ? "Fix the problems marked on the fields first." : undefined}>
              Save version
            </Button>
            <Button variant="outline" onClick={() => setTemplateOpen(true)} disabled={problemCount > 0}>
              Save as template
            </Button>
          </>
        ) : null}
        <FormError message={save.result.serverError ?? applyTemplate.result.serverError} />
      </div>

      <div className="grid gap-4 xl:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
        <Card>
          <CardHeader>
            <CardTitle>Source fields</CardTitle>
            <CardDescription>{props.samples.length > 0 ? `Discovered in the ${props.samples.length} most recent stored records.` : pasted.length > 0 ? `Discovered in ${pasted.length} pasted record${pasted.length === 1 ? "" : "s"}.` : "No records are stored for this stream yet."}</CardDescription>
          </CardHeader>
          <CardContent className="grid gap-3">
            {props.samples.length === 0 ? (
              <div className="grid gap-2">
                <label htmlFor="sample-json" className="text-sm font-medium">
                  Paste a sample JSON record
                </label>
                <Textarea id="sample-json" className="min-h-28 font-mono text-xs" value={pasteText} onChange={(e) => setPasteText(e.target.value)} placeholder='{ "id": "501", "properties": { "email": "ada@example.com" } }' aria-invalid={pasteError ? true : undefined} />
                {pasteError ? <p className="text-xs text-destructive">{pasteError}</p> : null}
                <Button size="sm" variant="outline" className="w-fit" onClick={usePasted} disabled={!pasteText.trim()}>
                  Use sample
                </Button>
              </div>
            ) : null}
            <ul className="grid max-h-[32rem] gap-1 overflow-y-auto" data-testid="source-fields">
              {sources.map((s) => (
                <li
                  key={s.path}
                  draggable={canManage}
                  onDragStart={() => (dragged.current = s.path)}
                  className="grid grid-cols-[auto_minmax(0,1fr)_auto] items-center gap-x-2 rounded-md border px-2 py-1.5 text-sm"
                  title="Drag onto a target field, or pick it in the target field's list"
                >
                  <GripVertical className="row-span-2 size-3.5 text-muted-foreground" aria-hidden />
                  <span className="truncate font-mono text-xs">{s.path}</span>
                  <span className="flex items-center gap-1">
                    <Badge variant="outline">{s.type}</Badge>
                    <span className="w-10 text-right text-xs tabular-nums text-muted-foreground">{Math.round(s.coverage * 100)}%</span>
                  </span>
                  <span className="col-span-2 col-start-2 truncate text-xs text-muted-foreground">{s.examples.join(" · ") || "always empty"}</span>
                </li>
              ))}
            </ul>
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Target fields · {target.name}</CardTitle>
            <CardDescription>Pick (or drag) a source for each field; open a field for its transform pipeline and checks.</CardDescription>
          </CardHeader>
          <CardContent>
            <ul className="grid gap-2" data-testid="target-fields">
              {target.fields.map((f) => {
                const i = ruleFor(f.name);
                const rule = i >= 0 ? rules[i]! : null;
                const fieldErrors = i >= 0 ? errors(`rules.${i}`, false) : [];
                const known = sources.some((s) => s.path === rule?.source);
                const isOpen = open === f.name && rule !== null;
                return (
                  <li
                    key={f.name}
                    className={cn("grid gap-2 rounded-md border p-2", fieldErrors.length > 0 && "border-destructive/60")}
                    onDragOver={(e) => canManage && e.preventDefault()}
                    onDrop={() => dragged.current && connect(f.name, dragged.current)}
                    data-testid={`target-${f.name}`}
                  >
                    <div className="grid grid-cols-[1.5rem_minmax(0,11rem)_minmax(0,1fr)] items-center gap-2">
                      <Button type="button" size="icon" variant="ghost" className="size-6" disabled={!rule} aria-label={`${isOpen ? "Close" : "Open"} ${f.name}`} aria-expanded={isOpen} onClick={() => setOpen(isOpen ? null : f.name)}>
                        {isOpen ? <ChevronDown className="size-4" /> : <ChevronRight className="size-4" />}
                      </Button>
                      <div className="min-w-0">
                        <div className="truncate font-mono text-sm">
                          {f.name}
                          {f.required ? <span className="text-destructive"> *</span> : null}
                        </div>
                        <div className="truncate text-xs text-muted-foreground">
                          {f.type}
                          {rule && rule.transforms.length > 0 ? ` · ${rule.transforms.length} step${rule.transforms.length === 1 ? "" : "s"}` : ""}
                          {rule && rule.validations.length > 0 ? ` · ${rule.validations.length} check${rule.validations.length === 1 ? "" : "s"}` : ""}
                        </div>
                      </div>
                      <NativeSelect aria-label={`Source for ${f.name}`} value={rule?.source ?? ""} disabled={!canManage} onChange={(e) => connect(f.name, e.target.value)} aria-invalid={errors(`rules.${i}.source`).length > 0 || undefined}>
                        <option value="">— not mapped —</option>
                        {rule && !known ? <option value={rule.source}>{rule.source}</option> : null}
                        {sources.map((s) => (
                          <option key={s.path} value={s.path}>
                            {s.path} ({s.type}, {Math.round(s.coverage * 100)}%)
                          </option>
                        ))}
                      </NativeSelect>
                    </div>
                    {!isOpen && fieldErrors.length > 0 ? (
                      <p className="pl-8 text-xs text-destructive" data-testid="field-error">
                        {fieldErrors[0]}
                      </p>
                    ) : null}
                    {isOpen && rule ? <RuleEditor rule={rule} index={i} errors={errors} disabled={!canManage} onChange={(r) => update(rules.map((x, k) => (k === i ? r : x)))} /> : null}
                  </li>
                );
              })}
            </ul>
          </CardContent>
        </Card>
      </div>

      <Card>
        <CardHeader>
          <CardTitle>Preview</CardTitle>
          <CardDescription>This mapping, run in your browser on {preview.records.length || "no"} sample record{preview.records.length === 1 ? "" : "s"}; errors are shown on their field.</CardDescription>
        </CardHeader>
        <CardContent>
          <PreviewPanel target={target} records={preview.records} results={preview.results} invalidRules={preview.invalid} />
        </CardContent>
      </Card>

      <div className="grid gap-4 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <Card>
          <CardHeader>
            <CardTitle>Versions</CardTitle>
            <CardDescription>Every save is a version. Activating shows a dry run on the stored records first; activating an older one rolls back.</CardDescription>
          </CardHeader>
          <CardContent className="grid gap-4">
            <RemapProgress orgId={orgId} mappingId={mapping.id} initial={{ status: mapping.remapStatus, done: mapping.remapDone, total: mapping.remapTotal, error: mapping.remapError }} canManage={canManage} hasActive={hasActive} records={props.records} />
            <VersionsPanel
              orgId={orgId}
              mappingId={mapping.id}
              versions={versions}
              activeVersionId={mapping.activeVersionId}
              canManage={canManage}
              records={props.records}
              onLoad={(v) => {
                setRules(rulesOf(v.definition));
                setLoadedFrom(v.version);
                setDirty(true);
                setServerIssues([]);
                toast.info(`Loaded version ${v.version} into the editor. Save to make it a new version.`);
              }}
            />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Templates</CardTitle>
            <CardDescription>Start from a template for {target.name}: it is saved as a new version (activate it after its dry run).</CardDescription>
          </CardHeader>
          <CardContent className="grid gap-2">
            {props.templates.length === 0 ? <p className="text-sm text-muted-foreground">No templates for {target.name} yet.</p> : null}
            {canManage && props.templates.length > 0 ? (
              <div className="flex gap-2">
                <NativeSelect aria-label="Template to apply" value={applyId} onChange={(e) => setApplyId(e.target.value)}>
                  <option value="">Choose a template…</option>
                  {props.templates.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.name}
                      {t.builtin ? " (built-in)" : ""}
                    </option>
                  ))}
                </NativeSelect>
                <Button variant="outline" disabled={!applyId || applyTemplate.isPending} onClick={() => applyTemplate.execute({ orgId, mappingId: mapping.id, templateId: applyId })}>
                  Apply
                </Button>
              </div>
            ) : null}
          </CardContent>
        </Card>
      </div>
      {templateOpen ? <SaveTemplateDialog orgId={orgId} mappingId={mapping.id} definition={definition} onClose={() => setTemplateOpen(false)} /> : null}
    </div>
  );
}

function SaveTemplateDialog({ orgId, mappingId, definition, onClose }: { orgId: string; mappingId: string; definition: unknown; onClose: () => void }) {
  const router = useRouter();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const action = useAction(saveMappingTemplateAction, {
    onSuccess: ({ data }) => {
      if (data && "id" in data) {
        toast.success(`Saved the template "${name.trim()}".`);
        onClose();
        router.refresh();
      }
    },
  });
  const issues = action.result.data && "issues" in action.result.data ? action.result.data.issues : [];
  const nameError = action.result.validationErrors?.fieldErrors?.name;
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Save as template</DialogTitle>
          <DialogDescription>The rules as they are in the editor now, reusable for other streams of your organization.</DialogDescription>
        </DialogHeader>
        <form
          className="grid gap-4"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            action.execute({ orgId, mappingId, name, description, definition });
          }}
        >
          <FormError message={action.result.serverError ?? issues[0]?.message} />
          <FormField label="Template name" htmlFor="template-name" error={nameError} required>
            <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={80} />
          </FormField>
          <FormField label="Description" htmlFor="template-description">
            <Input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={300} />
          </FormField>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" disabled={action.isPending}>
              Save template
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
