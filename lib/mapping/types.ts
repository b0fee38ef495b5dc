/** What applying a mapping to one raw record gives: the mapped record and every field's error. */
export type FieldError = { field: string; path?: string; message: string };
export type MapResult = { mapped: Record<string, unknown>; errors: FieldError[] };

/** A compiled mapping version, applied per record by syncs and re-maps. Never throws. */
export type Mapper = { versionId: string; apply(raw: unknown): MapResult };
