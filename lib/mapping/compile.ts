import { coercerFor, type Coercer } from "./coerce";
import { compileGetter, parsePath } from "./paths";
import { checkAgainstTarget, type DefinitionIssue, type FieldType, type MappingDefinition, type TargetSchemaDef } from "./schema";
import { compileTransform, StepFailure, type Step } from "./transforms";
import type { FieldError, Mapper, MapResult } from "./types";
import { compileValidation, type Validator } from "./validate";

type CompiledRule = {
  target: string;
  source: string;
  get: (raw: unknown) => unknown;
  steps: Step[];
  coerce: Coercer;
  validators: Validator[];
  required: boolean;
  hasDefault: boolean;
  defaultValue: unknown;
  /** Set when the rule itself could not be compiled: every record reports it on this field. */
  broken: string | null;
};

export type MapFn = (raw: unknown) => MapResult;

function isMissing(v: unknown): boolean {
  return v === undefined || v === null || v === "";
}

function compileRule(rule: MappingDefinition["rules"][number], enumValues: readonly string[] | undefined): CompiledRule {
  const base: CompiledRule = {
    target: rule.target,
    source: rule.source,
    get: () => undefined,
    steps: [],
    coerce: (v) => v,
    validators: [],
    required: rule.required ?? false,
    hasDefault: false,
    defaultValue: null,
    broken: null,
  };
  try {
    const p = parsePath(rule.source);
    if (!p.ok) throw new Error(`Source path "${rule.source}": ${p.message}`);
    base.get = compileGetter(p.segments);
    base.steps = (rule.transforms ?? []).map(compileTransform);
    const steps = rule.transforms ?? [];
    // A date step already produced a checked ISO string: no need to parse it a second time.
    base.coerce = rule.type === "date" && steps.length > 0 && steps[steps.length - 1]!.op === "parseDate" ? (v) => v : coercerFor(rule.type as FieldType, enumValues);
    base.validators = (rule.validations ?? []).map(compileValidation);
    if (rule.default !== undefined && rule.default !== "") {
      const d = base.coerce(rule.default);
      if (d instanceof StepFailure) throw new Error(`Default value: ${d.message}`);
      base.hasDefault = true;
      base.defaultValue = d;
    }
  } catch (e) {
    base.broken = `This rule cannot run: ${(e as Error).message}`;
  }
  return base;
}

/**
 * Compile a definition once into a function applied per record. The function never throws: every
 * problem of a record becomes a FieldError on the field, and the record is kept. Required target
 * fields without a rule are reported on every record, so they are never silently missing.
 */
export function compileMapping(definition: MappingDefinition, target?: TargetSchemaDef | null): MapFn {
  try {
    const fields = new Map((target?.fields ?? []).map((f) => [f.name, f]));
    const rules = definition.rules.map((r) => {
      const f = fields.get(r.target);
      const c = compileRule(r, r.type === "enum" ? f?.values : undefined);
      if (f?.required) c.required = true;
      return c;
    });
    const mappedTargets = new Set(rules.map((r) => r.target));
    const unmappedRequired = (target?.fields ?? []).filter((f) => f.required && !mappedTargets.has(f.name)).map((f) => f.name);
    const n = rules.length;

    return (raw) => {
      const mapped: Record<string, unknown> = {};
      let errors: FieldError[] | null = null;
      try {
        for (let i = 0; i < n; i++) {
          const r = rules[i]!;
          if (r.broken !== null) {
            mapped[r.target] = null;
            (errors ??= []).push({ field: r.target, path: r.source, message: r.broken });
            continue;
          }
          let v = r.get(raw);
          let failure: StepFailure | null = null;
          for (let k = 0; k < r.steps.length; k++) {
            v = r.steps[k]!(v, raw);
            if (v instanceof StepFailure) {
              failure = v;
              break;
            }
          }
          if (failure === null && isMissing(v)) {
            if (r.hasDefault) v = r.defaultValue;
            else {
              mapped[r.target] = null;
              if (r.required) (errors ??= []).push({ field: r.target, path: r.source, message: `Required, but ${r.source} is empty or missing.` });
              continue;
            }
          } else if (failure === null) {
            v = r.coerce(v);
            if (v instanceof StepFailure) failure = v;
          }
          if (failure !== null) {
            mapped[r.target] = null;
            (errors ??= []).push({ field: r.target, path: r.source, message: failure.message });
            continue;
          }
          mapped[r.target] = v;
          for (let k = 0; k < r.validators.length; k++) {
            const msg = r.validators[k]!(v);
            if (msg !== null) (errors ??= []).push({ field: r.target, path: r.source, message: msg });
          }
        }
        for (const f of unmappedRequired) {
          mapped[f] = null;
          (errors ??= []).push({ field: f, message: "Required, but no rule maps this field." });
        }
      } catch (e) {
        (errors ??= []).push({ field: "*", message: `The mapping failed on this record: ${(e as Error)?.message ?? String(e)}` });
      }
      return { mapped, errors: errors ?? [] };
    };
  } catch (e) {
    const message = `The mapping cannot be compiled: ${(e as Error)?.message ?? String(e)}`;
    return () => ({ mapped: {}, errors: [{ field: "*", message }] });
  }
}

export function createMapper(versionId: string, definition: MappingDefinition, target?: TargetSchemaDef | null): Mapper {
  return { versionId, apply: compileMapping(definition, target) };
}

/**
 * Everything wrong with a schema-valid definition before it is saved: target mismatches, rules
 * that cannot compile (bad default), and checks that cannot apply to the rule's type.
 * Paths are zod-style so the editor shows each message on its field.
 */
export function checkDefinition(def: MappingDefinition, target: TargetSchemaDef | null): DefinitionIssue[] {
  const issues: DefinitionIssue[] = target ? checkAgainstTarget(def, target) : [];
  def.rules.forEach((r, i) => {
    if (r.default !== undefined && r.default !== "") {
      const d = coercerFor(r.type, r.type === "enum" ? target?.fields.find((f) => f.name === r.target)?.values : undefined)(r.default);
      if (d instanceof StepFailure) issues.push({ path: ["rules", i, "default"], message: d.message });
    }
    (r.validations ?? []).forEach((v, k) => {
      if ((v.kind === "min" || v.kind === "max") && r.type !== "number") issues.push({ path: ["rules", i, "validations", k], message: `${v.kind} applies to number fields; use length for text.` });
      if (v.kind === "length" && !["string", "email", "url", "enum", "array"].includes(r.type)) issues.push({ path: ["rules", i, "validations", k], message: "Length applies to text and lists." });
      if (v.kind === "length" && v.min !== undefined && v.max !== undefined && v.min > v.max) issues.push({ path: ["rules", i, "validations", k], message: "The minimum is above the maximum." });
    });
  });
  return issues;
}
