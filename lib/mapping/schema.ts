import { z } from "zod";
import { parsePath } from "./paths";
import { checkRegex } from "./regex";

/** Field types of target schemas (same list as db/schema/sync.ts fieldTypes; kept here so the client bundle has no db import). */
export const fieldTypes = ["string", "number", "boolean", "date", "email", "url", "enum", "array", "object"] as const;
export type FieldType = (typeof fieldTypes)[number];

export const dateFormats = ["auto", "iso", "yyyy-MM-dd", "dd/MM/yyyy", "MM/dd/yyyy", "dd.MM.yyyy", "yyyy-MM-dd HH:mm:ss", "epoch_ms", "epoch_s"] as const;
export type DateFormat = (typeof dateFormats)[number];

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const RESERVED = new Set(["__proto__", "constructor", "prototype"]);

export const fieldNameSchema = z
  .string()
  .trim()
  .regex(FIELD_NAME, "Use letters, digits and underscores, starting with a letter (at most 64).")
  .refine((s) => !RESERVED.has(s), "This name is reserved.");

export const sourcePathSchema = z
  .string()
  .trim()
  .min(1, "Choose a source field.")
  .superRefine((s, ctx) => {
    const p = parsePath(s);
    if (!p.ok) ctx.addIssue({ code: "custom", message: p.message });
  });

const regexPattern = z
  .string()
  .min(1, "Enter a pattern.")
  .superRefine((s, ctx) => {
    const problem = checkRegex(s, "");
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
/** Only flags without state: no g or y (a shared lastIndex would make results depend on the previous record). */
const regexFlags = z
  .string()
  .regex(/^[imsu]{0,4}$/, "Allowed flags: i, m, s, u.")
  .default("");

// PostgreSQL's jsonb refuses \u0000: a NUL typed into a rule would make every write of its records fail.
const noNul = (s: string) => !s.includes("\u0000");
const shortText = z.string().max(200).refine(noNul, "Remove the NUL character.");

export const transformSchema = z.discriminatedUnion("op", [
  z.object({ op: z.literal("trim") }),
  z.object({ op: z.literal("lower") }),
  z.object({ op: z.literal("upper") }),
  z.object({ op: z.literal("split"), separator: z.string().min(1, "Enter a separator.").max(20).refine(noNul, "Remove the NUL character.") }),
  z.object({ op: z.literal("join"), separator: z.string().max(20).refine(noNul, "Remove the NUL character.") }),
  z.object({ op: z.literal("concat"), paths: z.array(sourcePathSchema).min(1, "Add at least one path.").max(10), separator: z.string().max(20).refine(noNul, "Remove the NUL character.").default(" ") }),
  z.object({ op: z.literal("replace"), pattern: regexPattern, flags: regexFlags, replacement: shortText, all: z.boolean().default(true) }),
  z.object({ op: z.literal("regexExtract"), pattern: regexPattern, flags: regexFlags, group: z.number().int().min(0).max(20).default(1) }),
  z.object({ op: z.literal("parseNumber"), decimal: z.enum([".", ","]).default(".") }),
  z.object({ op: z.literal("parseBoolean"), trueValues: z.array(shortText).max(20).optional(), falseValues: z.array(shortText).max(20).optional() }),
  z.object({ op: z.literal("parseDate"), format: z.enum(dateFormats).default("auto") }),
  z.object({
    op: z.literal("lookup"),
    table: z.record(shortText, z.union([shortText, z.number(), z.boolean(), z.null()])).refine((t) => Object.keys(t).length <= 1000, "At most 1000 entries."),
    caseInsensitive: z.boolean().default(false),
    onMissing: z.enum(["keep", "null", "error"]).default("keep"),
  }),
  z.object({ op: z.literal("coalesce"), paths: z.array(sourcePathSchema).min(1, "Add at least one path.").max(10) }),
  z.object({ op: z.literal("template"), template: z.string().min(1, "Enter a template.").max(1000).refine(noNul, "Remove the NUL character.") }),
]);
export type Transform = z.infer<typeof transformSchema>;
export type TransformOp = Transform["op"];
export const transformOps = ["trim", "lower", "upper", "split", "join", "concat", "replace", "regexExtract", "parseNumber", "parseBoolean", "parseDate", "lookup", "coalesce", "template"] as const satisfies readonly TransformOp[];

export const validationSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("regex"), pattern: regexPattern, flags: regexFlags, message: shortText.optional() }),
  z.object({ kind: z.literal("min"), value: z.number() }),
  z.object({ kind: z.literal("max"), value: z.number() }),
  z.object({ kind: z.literal("length"), min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() }),
  z.object({ kind: z.literal("enum"), values: z.array(shortText).min(1, "Add at least one value.").max(500) }),
  z.object({ kind: z.literal("email") }),
  z.object({ kind: z.literal("url") }),
]);
export type Validation = z.infer<typeof validationSchema>;
export type ValidationKind = Validation["kind"];
export const validationKinds = ["regex", "min", "max", "length", "enum", "email", "url"] as const satisfies readonly ValidationKind[];

export const defaultValueSchema = z.union([z.string().max(1000).refine(noNul, "Remove the NUL character."), z.number(), z.boolean()]);

export const ruleSchema = z.object({
  id: z.string().min(1).max(64),
  source: sourcePathSchema,
  target: fieldNameSchema,
  type: z.enum(fieldTypes),
  required: z.boolean().default(false),
  default: defaultValueSchema.optional(),
  transforms: z.array(transformSchema).max(20).default([]),
  validations: z.array(validationSchema).max(20).default([]),
});
export type MappingRule = z.infer<typeof ruleSchema>;

/** The definition stored in data_mapping_versions.definition and mapping_templates.definition. */
export const mappingSchema = z
  .object({
    targetSchema: z.string().trim().min(1).max(64),
    rules: z.array(ruleSchema).max(200),
  })
  .superRefine((d, ctx) => {
    const seen = new Map<string, number>();
    d.rules.forEach((r, i) => {
      const prev = seen.get(r.target);
      if (prev !== undefined) ctx.addIssue({ code: "custom", path: ["rules", i, "target"], message: `"${r.target}" is already mapped by rule ${prev + 1}.` });
      else seen.set(r.target, i);
    });
  });
export type MappingDefinition = z.infer<typeof mappingSchema>;
export type MappingDefinitionInput = z.input<typeof mappingSchema>;

export const targetFieldSchema = z.object({
  name: fieldNameSchema,
  type: z.enum(fieldTypes),
  required: z.boolean().default(false),
  description: z.string().max(300).optional(),
  values: z.array(shortText).max(500).optional(),
});
export type TargetField = z.infer<typeof targetFieldSchema>;

export const targetSchemaKeySchema = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, "Use lowercase letters, digits, - and _ (at most 40), starting with a letter.");

export const targetSchemaDefSchema = z
  .object({
    key: targetSchemaKeySchema,
    name: z.string().trim().min(1, "Enter a name.").max(80),
    fields: z.array(targetFieldSchema).min(1, "Add at least one field.").max(200),
  })
  .superRefine((d, ctx) => {
    const seen = new Set<string>();
    d.fields.forEach((f, i) => {
      if (seen.has(f.name)) ctx.addIssue({ code: "custom", path: ["fields", i, "name"], message: `"${f.name}" is defined twice.` });
      seen.add(f.name);
      if (f.type === "enum" && (!f.values || f.values.length === 0)) ctx.addIssue({ code: "custom", path: ["fields", i, "values"], message: "An enum field needs its values." });
    });
  });
export type TargetSchemaDef = z.infer<typeof targetSchemaDefSchema>;

/** Problems of a (schema-valid) definition against its target schema, addressed like zod issues for the editor. */
export type DefinitionIssue = { path: (string | number)[]; message: string };

export function checkAgainstTarget(def: MappingDefinition, target: TargetSchemaDef): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const fields = new Map(target.fields.map((f) => [f.name, f]));
  def.rules.forEach((r, i) => {
    const f = fields.get(r.target);
    if (!f) issues.push({ path: ["rules", i, "target"], message: `${target.name} has no field "${r.target}".` });
    else if (!typeCompatible(r.type, f.type)) issues.push({ path: ["rules", i, "type"], message: `${target.name}.${f.name} is ${/^[aeiou]/.test(f.type) ? "an" : "a"} ${f.type} field; this rule produces ${r.type}.` });
  });
  return issues;
}

/** A rule's type fits a target field of the same type, or a string field when the rule produces a string. */
export function typeCompatible(ruleType: FieldType, fieldType: FieldType): boolean {
  return ruleType === fieldType || (fieldType === "string" && (ruleType === "email" || ruleType === "url" || ruleType === "enum" || ruleType === "date"));
}
