import type { z } from "zod";
import type { ProviderDefinition } from "@/lib/catalog/define-provider";
import { describeFields, type FieldDescriptor } from "@/lib/catalog/fields";

export type ParsedValues = {
  config: Record<string, unknown>;
  /** Credential values the admin typed; a field left empty keeps its stored value. */
  secrets: Record<string, string>;
  /** Credential fields to erase (an optional field the admin asked to clear). */
  clear: string[];
  fieldErrors: Record<string, string[]>;
};

function fromForm(f: FieldDescriptor, raw: unknown): unknown {
  if (f.kind === "boolean") return raw === true || raw === "on" || raw === "true";
  if (typeof raw !== "string") return raw === null ? undefined : raw;
  const v = f.kind === "text" ? raw : raw.trim();
  if (v === "") return undefined;
  if (f.kind === "number") return Number.isFinite(Number(v)) ? Number(v) : v;
  return v;
}

/**
 * Turn submitted form values (strings) into a provider's config and credentials, with messages
 * per field. Only the provider's own fields are read; anything else in the input is ignored.
 */
export function parseConnectionValues(provider: ProviderDefinition, raw: Record<string, unknown>, existingSecretFields: ReadonlySet<string> = new Set()): ParsedValues {
  const fields = describeFields(provider);
  const fieldErrors: Record<string, string[]> = {};
  const configInput: Record<string, unknown> = {};
  for (const f of fields.filter((x) => x.group === "config")) {
    const v = fromForm(f, raw[f.name]);
    if (v !== undefined) configInput[f.name] = v;
  }
  const parsed = provider.configSchema.safeParse(configInput);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? "");
      const label = fields.find((f) => f.name === name)?.label ?? name;
      const msg = issue.code === "invalid_type" && configInput[name] === undefined ? `${label} is required.` : issue.message;
      (fieldErrors[name] ??= []).push(msg);
    }
  }
  const secrets: Record<string, string> = {};
  const clear: string[] = [];
  for (const f of fields.filter((x) => x.group === "credentials")) {
    if (raw[`${f.name}__clear`] === "on" || raw[`${f.name}__clear`] === true) {
      if (f.required) (fieldErrors[f.name] ??= []).push(`${f.label} is required and cannot be cleared.`);
      else clear.push(f.name);
      continue;
    }
    const v = fromForm(f, raw[f.name]);
    if (v === undefined) {
      if (f.required && !existingSecretFields.has(f.name)) (fieldErrors[f.name] ??= []).push(`${f.label} is required.`);
      continue;
    }
    const one = (provider.credentialsSchema.shape[f.name] as z.ZodType).safeParse(v);
    if (!one.success) (fieldErrors[f.name] ??= []).push(one.error.issues[0]!.message);
    else secrets[f.name] = String(one.data);
  }
  // Keep only what the admin typed (defaults are applied at read time, so a later change of a
  // default reaches connections that never set the field).
  const config: Record<string, unknown> = {};
  if (parsed.success) for (const k of Object.keys(configInput)) config[k] = (parsed.data as Record<string, unknown>)[k];
  return { config, secrets, clear, fieldErrors };
}
