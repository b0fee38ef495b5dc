// The pure mapping library: safe in client components (no server-only, no node APIs).
export * from "./schema";
export * from "./paths";
export { compileMapping, createMapper, checkDefinition, type MapFn } from "./compile";
export { discoverSourceFields, type SourceField } from "./discover";
export { diffMappings, type DiffRecord, type MappingDiff } from "./diff";
export { builtinTargets, getBuiltinTarget, isBuiltinTargetKey } from "./targets";
export { builtinTemplates, getBuiltinTemplate, type BuiltinTemplate } from "./templates";
export { transformLabels } from "./transforms";
export { dateFormatLabels } from "./dates";
export { checkRegex } from "./regex";
export type { FieldError, MapResult, Mapper } from "./types";
