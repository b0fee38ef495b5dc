import type { z } from "zod";
import type { ProviderDefinition } from "./define-provider";

export type FieldKind = "string" | "text" | "number" | "boolean" | "enum" | "url" | "email";

export type FieldDescriptor = {
  name: string;
  group: "config" | "credentials";
  label: string;
  help?: string;
  placeholder?: string;
  kind: FieldKind;
  secret: boolean;
  required: boolean;
  defaultValue?: string | number | boolean;
  options?: string[];
};

type Def = { type: string; innerType?: z.ZodType; defaultValue?: unknown; format?: string; entries?: Record<string, string> };
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

function describe(name: string, schema: z.ZodType, group: FieldDescriptor["group"]): FieldDescriptor {
  const meta = schema.meta() ?? {};
  let inner = schema;
  let required = true;
  let defaultValue: unknown;
  // Peel optional/default/nullable wrappers to find the base type.
  for (let d = defOf(inner); ["optional", "default", "nullable", "prefault"].includes(d.type); d = defOf(inner)) {
    if (d.type === "default" || d.type === "prefault") defaultValue = d.defaultValue;
    required = false;
    inner = d.innerType!;
  }
  const d = defOf(inner);
  let kind: FieldKind = "string";
  if (d.type === "number" || d.type === "int") kind = "number";
  else if (d.type === "boolean") kind = "boolean";
  else if (d.type === "enum") kind = "enum";
  else if (d.format === "url") kind = "url";
  else if (d.format === "email") kind = "email";
  else if (meta.multiline) kind = "text";
  return {
    name,
    group,
    label: meta.label ?? name,
    help: meta.help,
    placeholder: meta.placeholder,
    kind,
    secret: Boolean(meta.secret),
    required,
    defaultValue: typeof defaultValue === "string" || typeof defaultValue === "number" || typeof defaultValue === "boolean" ? defaultValue : undefined,
    options: d.entries ? Object.values(d.entries) : undefined,
  };
}

/** The fields of a provider, in declaration order: configuration first, then credentials. */
export function describeFields(provider: ProviderDefinition): FieldDescriptor[] {
  return [
    ...Object.entries(provider.configSchema.shape).map(([n, s]) => describe(n, s as z.ZodType, "config")),
    ...Object.entries(provider.credentialsSchema.shape).map(([n, s]) => describe(n, s as z.ZodType, "credentials")),
  ];
}

export function secretFieldNames(provider: ProviderDefinition): string[] {
  return describeFields(provider)
    .filter((f) => f.group === "credentials")
    .map((f) => f.name);
}
