/**
 * URL search-param state shared by server-paginated data tables.
 *
 * No "use client": this module is imported by Server Components (to parse the
 * page's `searchParams` and query one page of data) AND by the client
 * `DataTable` (to read/write the same keys with nuqs hooks). `nuqs/server`
 * contains no `server-only` guard, so it is safe in both environments.
 *
 * URL shape: `?page=2&perPage=50&sort=at.desc&<filterKey>=<value>...`
 * - `page` is 1-based; omitted when 1.
 * - `perPage` is one of PER_PAGE_OPTIONS; omitted when DEFAULT_PER_PAGE.
 * - `sort` is `<columnId>.<asc|desc>`; omitted means "the page's default sort".
 * - every filter is a plain string; omitted/empty means "no filter".
 */
import {
  createLoader,
  createParser,
  createSearchParamsCache,
  parseAsInteger,
  parseAsNumberLiteral,
  type inferParserType,
} from "nuqs/server";

export const PER_PAGE_OPTIONS = [10, 20, 50, 100] as const;
export type PerPage = (typeof PER_PAGE_OPTIONS)[number];
export const DEFAULT_PAGE = 1;
export const DEFAULT_PER_PAGE: PerPage = 20;

/** Keys used by the table itself; filter keys must not collide with these. */
export const RESERVED_TABLE_KEYS = ["page", "perPage", "sort"] as const;

export type SortState = { id: string; desc: boolean };

/** 1-based page number; anything that is not an integer >= 1 falls back to 1. */
export const pageParser = createParser<number>({
  parse: (value) => {
    const parsed = parseAsInteger.parse(value);
    return parsed !== null && Number.isSafeInteger(parsed) && parsed >= 1 ? parsed : null;
  },
  serialize: (value) => String(value),
}).withDefault(DEFAULT_PAGE);

/** Page size restricted to PER_PAGE_OPTIONS; anything else falls back to 20. */
export const perPageParser = parseAsNumberLiteral(PER_PAGE_OPTIONS).withDefault(DEFAULT_PER_PAGE);

const SORT_PATTERN = /^(.+)\.(asc|desc)$/;

/**
 * Raw `sort` value (`"<id>.<asc|desc>"`). Malformed values parse to `null`.
 * Whether the column id is allowed is checked later with `parseSort`.
 */
export const sortParser = createParser<string>({
  parse: (value) => (SORT_PATTERN.test(value) ? value : null),
  serialize: (value) => value,
});

/** A free-text / select filter value. Empty strings are treated as "no filter". */
export const filterParser = createParser<string>({
  parse: (value) => (value.trim() === "" ? null : value),
  serialize: (value) => value,
});

/**
 * Turn a raw `sort` value into `{ id, desc }`.
 * Returns `fallback` when the value is missing, malformed, or names a column
 * that is not in `allowedIds` (never trust the URL for an ORDER BY column).
 */
export function parseSort(
  value: string | null | undefined,
  allowedIds: readonly string[],
  fallback: SortState,
): SortState;
export function parseSort(
  value: string | null | undefined,
  allowedIds: readonly string[],
  fallback?: SortState | null,
): SortState | null;
export function parseSort(
  value: string | null | undefined,
  allowedIds: readonly string[],
  fallback: SortState | null = null,
): SortState | null {
  if (!value) return fallback;
  const match = SORT_PATTERN.exec(value);
  if (!match) return fallback;
  const [, id, direction] = match;
  if (!id || !allowedIds.includes(id)) return fallback;
  return { id, desc: direction === "desc" };
}

/** Inverse of `parseSort`: `{ id: "at", desc: true }` → `"at.desc"`. */
export function serializeSort(sort: SortState): string {
  return `${sort.id}.${sort.desc ? "desc" : "asc"}`;
}

/** The parser map for a table with the given filter keys (usable with nuqs hooks, loaders and caches). */
export function tableSearchParamsParsers<const K extends string>(filterKeys: readonly K[]) {
  const filters = {} as Record<K, typeof filterParser>;
  for (const key of filterKeys) {
    if ((RESERVED_TABLE_KEYS as readonly string[]).includes(key)) {
      throw new Error(`Data table filter key "${key}" collides with a reserved table search param.`);
    }
    filters[key] = filterParser;
  }
  return {
    page: pageParser,
    perPage: perPageParser,
    sort: sortParser,
    ...filters,
  };
}

export type TableSearchParamsParsers<K extends string = string> = ReturnType<
  typeof tableSearchParamsParsers<K>
>;
/** Parsed table state: `{ page: number; perPage: PerPage; sort: string | null } & Record<K, string | null>`. */
export type TableSearchParams<K extends string = string> = inferParserType<
  TableSearchParamsParsers<K>
>;

/**
 * Request-scoped cache (React `cache`) for a table's search params. Create it at
 * MODULE scope, then in the page: `const state = await cache.parse(searchParams)`.
 * Nested server components of the same request can call `cache.all()` / `cache.get(key)`.
 * Note: nuqs throws if `parse` is called twice in one request with different input.
 */
export function createTableSearchParamsCache<const K extends string>(filterKeys: readonly K[]) {
  return createSearchParamsCache(tableSearchParamsParsers(filterKeys));
}

/**
 * Stateless alternative to the cache: `const state = await load(searchParams)`.
 * Accepts a `searchParams` object/promise, URLSearchParams, URL, Request or string.
 */
export function createTableSearchParamsLoader<const K extends string>(filterKeys: readonly K[]) {
  return createLoader(tableSearchParamsParsers(filterKeys));
}

/** SQL-style window for the current page: `{ limit, offset }`. */
export function pageWindow(state: { page: number; perPage: number }): {
  limit: number;
  offset: number;
} {
  return { limit: state.perPage, offset: (state.page - 1) * state.perPage };
}

/** Number of pages for `totalRows` rows (at least 1, so "Page 1 of 1" for an empty table). */
export function pageCountFor(totalRows: number, perPage: number): number {
  return Math.max(1, Math.ceil(totalRows / perPage));
}
