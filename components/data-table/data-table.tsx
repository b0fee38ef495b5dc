"use client";

import * as React from "react";
import {
  createColumnHelper,
  metaHelper,
  rowPaginationFeature,
  rowSortingFeature,
  tableFeatures,
  useTable,
  type ColumnDef,
  type PaginationState,
  type RowData,
  type SortingState,
  type Updater,
} from "@tanstack/react-table";
import { debounce, useQueryStates, type Options } from "nuqs";
import {
  ArrowDownIcon,
  ArrowUpIcon,
  ChevronLeftIcon,
  ChevronRightIcon,
  ChevronsLeftIcon,
  ChevronsRightIcon,
  ChevronsUpDownIcon,
  XIcon,
} from "lucide-react";

import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import {
  Select,
  SelectContent,
  SelectItem,
  SelectTrigger,
  SelectValue,
} from "@/components/ui/select";
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import {
  PER_PAGE_OPTIONS,
  parseSort,
  serializeSort,
  tableSearchParamsParsers,
  type PerPage,
  type SortState,
} from "@/lib/data-table/search-params";
import { cn } from "@/lib/utils";

/* -------------------------------------------------------------------------------------------------
 * Features, column meta and column helper
 * -----------------------------------------------------------------------------------------------*/

/** Per-column presentation options, set via `meta` in a column definition. */
export type DataTableColumnMeta = {
  /** Extra classes for every body cell of the column (e.g. `"text-right tabular-nums"`). */
  className?: string;
  /** Extra classes for the header cell. */
  headerClassName?: string;
};

/**
 * The TanStack Table v9 feature set used by every DataTable. Sorting and pagination are
 * registered for their state/APIs only: both are `manual` (the server returns one sorted page),
 * so no client row models are included.
 */
export const dataTableFeatures = tableFeatures({
  rowSortingFeature,
  rowPaginationFeature,
  columnMeta: metaHelper<DataTableColumnMeta>(),
});

export type DataTableFeatures = typeof dataTableFeatures;

/** A column definition for a DataTable of `Row`s. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- heterogeneous column value types
export type DataTableColumnDef<Row extends RowData> = ColumnDef<DataTableFeatures, Row, any>;

/**
 * Column helper typed against `dataTableFeatures`. Call it at module scope in a "use client"
 * file and build the columns there too (columns contain functions, so they cannot be passed
 * from a Server Component).
 */
export function createDataTableColumnHelper<Row extends RowData>() {
  return createColumnHelper<DataTableFeatures, Row>();
}

/* -------------------------------------------------------------------------------------------------
 * Props
 * -----------------------------------------------------------------------------------------------*/

export type DataTableFilterOption = { label: string; value: string };

export type DataTableFilter = {
  /** URL search-param key and the key the server page reads (must not be page/perPage/sort). */
  id: string;
  label: string;
  type: "text" | "select";
  /** Options for `type: "select"`; an "All" entry is added automatically. */
  options?: DataTableFilterOption[];
  /** Placeholder for text filters (defaults to "Filter <label>…"). */
  placeholder?: string;
};

export type DataTableProps<Row extends RowData> = {
  /** Stable column array (module scope or memoized), built with `createDataTableColumnHelper`. */
  columns: ReadonlyArray<DataTableColumnDef<Row>>;
  /** The current page of rows, already filtered/sorted/paginated by the server. */
  data: ReadonlyArray<Row>;
  /** Total number of rows matching the current filters (all pages). */
  totalRows: number;
  /** Total number of pages for the current filters and page size. */
  pageCount: number;
  filters?: DataTableFilter[];
  emptyMessage?: string;
  /**
   * The sort the server applies when `?sort` is absent, so the header can show it.
   * Clicking back to this sort removes `?sort` from the URL.
   */
  defaultSort?: SortState;
  /** Stable row ids (defaults to the row index). */
  getRowId?: (row: Row, index: number) => string;
  /** Extra toolbar content rendered on the right (e.g. a "New" button). */
  toolbar?: React.ReactNode;
  /** Accessible name for the `<table>`. */
  "aria-label"?: string;
  className?: string;
};

/* -------------------------------------------------------------------------------------------------
 * Helpers
 * -----------------------------------------------------------------------------------------------*/

type UrlStateUpdate = {
  page?: number | null;
  perPage?: PerPage | null;
  sort?: string | null;
  [filterId: string]: string | number | null | undefined;
};

const ALL_VALUE = "__all__";
const TEXT_FILTER_DEBOUNCE_MS = 300;
const EMPTY_FILTERS: DataTableFilter[] = [];
const SORTING_OPT_IN = { enableSorting: false } as const;

function resolveUpdater<T>(updater: Updater<T>, previous: T): T {
  return typeof updater === "function" ? (updater as (old: T) => T)(previous) : updater;
}

function isPerPage(value: number): value is PerPage {
  return (PER_PAGE_OPTIONS as readonly number[]).includes(value);
}

/**
 * Ids of the leaf columns that opted into sorting (`enableSorting: true` on an accessor column),
 * resolved the same way TanStack Table resolves column ids.
 */
function sortableColumnIds<Row extends RowData>(
  columns: ReadonlyArray<DataTableColumnDef<Row>>,
): string[] {
  const ids: string[] = [];
  for (const column of columns) {
    const def = column as {
      id?: string;
      accessorKey?: unknown;
      accessorFn?: unknown;
      enableSorting?: boolean;
      columns?: ReadonlyArray<DataTableColumnDef<Row>>;
    };
    if (def.columns && def.columns.length > 0) {
      ids.push(...sortableColumnIds(def.columns));
      continue;
    }
    const hasAccessor = def.accessorFn !== undefined || def.accessorKey !== undefined;
    if (def.enableSorting !== true || !hasAccessor) continue;
    const id =
      def.id ?? (def.accessorKey !== undefined ? String(def.accessorKey).replaceAll(".", "_") : undefined);
    if (id) ids.push(id);
  }
  return ids;
}

/* -------------------------------------------------------------------------------------------------
 * DataTable
 * -----------------------------------------------------------------------------------------------*/

/**
 * Server-paginated table whose page, page size, sort and filters live in the URL
 * (nuqs, `shallow: false`), so every change re-renders the Server Component page
 * with fresh data. Requires `<NuqsAdapter>` (from `nuqs/adapters/next/app`) in the root layout.
 */
export function DataTable<Row extends RowData>({
  columns,
  data,
  totalRows,
  pageCount,
  filters = EMPTY_FILTERS,
  emptyMessage = "No results.",
  defaultSort,
  getRowId,
  toolbar,
  "aria-label": ariaLabel,
  className,
}: DataTableProps<Row>) {
  const [isPending, startTransition] = React.useTransition();
  const perPageLabelId = React.useId();

  const filterKey = filters.map((filter) => filter.id).join("\u0000");
  const parsers = React.useMemo(
    () => tableSearchParamsParsers(filterKey === "" ? [] : filterKey.split("\u0000")),
    [filterKey],
  );

  const [urlState, setRawUrlState] = useQueryStates(parsers, {
    shallow: false,
    startTransition,
  });
  const { page, perPage, sort: rawSort } = urlState;
  const filterValues = urlState as unknown as Record<string, string | null>;
  // Filter keys are only known at runtime, so widen the setter's value type.
  const setUrlState = setRawUrlState as unknown as (
    values: UrlStateUpdate,
    options?: Options,
  ) => Promise<URLSearchParams>;

  /* ----- table state derived from the URL ---------------------------------------------------- */

  const sortableIds = React.useMemo(() => sortableColumnIds(columns), [columns]);

  const sortState = parseSort(rawSort, sortableIds, defaultSort ?? null);
  const sortId = sortState?.id;
  const sortDesc = sortState?.desc;
  const sorting = React.useMemo<SortingState>(
    () => (sortId === undefined ? [] : [{ id: sortId, desc: sortDesc ?? false }]),
    [sortId, sortDesc],
  );
  const pagination = React.useMemo<PaginationState>(
    () => ({ pageIndex: page - 1, pageSize: perPage }),
    [page, perPage],
  );

  const onSortingChange = React.useCallback(
    (updater: Updater<SortingState>) => {
      const next = resolveUpdater(updater, sorting)[0];
      const isDefault =
        next !== undefined &&
        defaultSort !== undefined &&
        next.id === defaultSort.id &&
        next.desc === defaultSort.desc;
      void setUrlState({
        sort: next === undefined || isDefault ? null : serializeSort(next),
        page: null,
      });
    },
    [sorting, defaultSort, setUrlState],
  );

  const onPaginationChange = React.useCallback(
    (updater: Updater<PaginationState>) => {
      const next = resolveUpdater(updater, pagination);
      const nextPerPage = isPerPage(next.pageSize) ? next.pageSize : perPage;
      const perPageChanged = nextPerPage !== perPage;
      void setUrlState({
        perPage: nextPerPage,
        page: perPageChanged ? null : Math.max(1, next.pageIndex + 1),
      });
    },
    [pagination, perPage, setUrlState],
  );

  const table = useTable({
    features: dataTableFeatures,
    columns: columns as DataTableColumnDef<Row>[],
    data,
    getRowId,
    manualPagination: true,
    manualSorting: true,
    enableMultiSort: false,
    enableSortingRemoval: false,
    // Sorting is opt-in per column (`enableSorting: true`): the server must support the column.
    defaultColumn: SORTING_OPT_IN,
    autoResetPageIndex: false,
    rowCount: totalRows,
    pageCount: Math.max(1, pageCount),
    state: { sorting, pagination },
    onSortingChange,
    onPaginationChange,
  });

  /* ----- filters ------------------------------------------------------------------------------ */

  const setFilter = React.useCallback(
    (id: string, value: string, debounced: boolean) => {
      const normalized = value.trim() === "" ? null : value;
      void setUrlState(
        { [id]: normalized, page: null },
        // Debounce typing, but apply clears immediately.
        debounced && normalized !== null
          ? { limitUrlUpdates: debounce(TEXT_FILTER_DEBOUNCE_MS) }
          : undefined,
      );
    },
    [setUrlState],
  );

  const hasActiveFilters = filters.some((filter) => Boolean(filterValues[filter.id]));

  const resetFilters = React.useCallback(() => {
    const cleared: UrlStateUpdate = { page: null };
    for (const filter of filters) cleared[filter.id] = null;
    void setUrlState(cleared);
  }, [filters, setUrlState]);

  /* ----- render ------------------------------------------------------------------------------- */

  const leafColumnCount = Math.max(1, table.getAllLeafColumns().length);
  const rows = table.getRowModel().rows;
  const displayPageCount = Math.max(1, pageCount);
  const canPrevious = page > 1;
  const canNext = page < displayPageCount;

  return (
    <div data-slot="data-table" className={cn("flex flex-col gap-4", className)}>
      {filters.length > 0 || toolbar ? (
        <div
          data-slot="data-table-toolbar"
          className="flex flex-wrap items-end justify-between gap-2"
        >
          <div className="flex flex-1 flex-wrap items-center gap-2">
            {filters.map((filter) =>
              filter.type === "select" ? (
                <Select
                  key={filter.id}
                  value={filterValues[filter.id] ?? ALL_VALUE}
                  onValueChange={(value) =>
                    setFilter(filter.id, value === ALL_VALUE ? "" : value, false)
                  }
                >
                  <SelectTrigger
                    size="sm"
                    aria-label={filter.label}
                    data-filter={filter.id}
                    className="min-w-36 justify-start [&>svg:last-child]:ml-auto"
                  >
                    <span className="text-muted-foreground">{filter.label}:</span>
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    <SelectItem value={ALL_VALUE}>All</SelectItem>
                    {(filter.options ?? []).map((option) => (
                      <SelectItem key={option.value} value={option.value}>
                        {option.label}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              ) : (
                <Input
                  key={filter.id}
                  type="search"
                  aria-label={filter.label}
                  data-filter={filter.id}
                  placeholder={filter.placeholder ?? `Filter ${filter.label.toLowerCase()}…`}
                  value={filterValues[filter.id] ?? ""}
                  onChange={(event) => setFilter(filter.id, event.target.value, true)}
                  className="h-8 w-full sm:w-56"
                />
              ),
            )}
            {filters.length > 0 ? (
              <Button
                variant="ghost"
                size="sm"
                onClick={resetFilters}
                disabled={!hasActiveFilters}
              >
                Reset
                <XIcon />
              </Button>
            ) : null}
          </div>
          {toolbar ? <div className="flex items-center gap-2">{toolbar}</div> : null}
        </div>
      ) : null}

      <div
        className={cn(
          "rounded-md border transition-opacity",
          isPending && "pointer-events-none opacity-60",
        )}
        aria-busy={isPending || undefined}
      >
        <Table aria-label={ariaLabel}>
          <TableHeader>
            {table.getHeaderGroups().map((headerGroup) => (
              <TableRow key={headerGroup.id} className="hover:bg-transparent">
                {headerGroup.headers.map((header) => {
                  const column = header.column;
                  const canSort = !header.isPlaceholder && column.getCanSort();
                  const sorted = column.getIsSorted();
                  return (
                    <TableHead
                      key={header.id}
                      colSpan={header.colSpan > 1 ? header.colSpan : undefined}
                      aria-sort={
                        canSort
                          ? sorted === "asc"
                            ? "ascending"
                            : sorted === "desc"
                              ? "descending"
                              : "none"
                          : undefined
                      }
                      className={column.columnDef.meta?.headerClassName}
                    >
                      {header.isPlaceholder ? null : canSort ? (
                        <Button
                          variant="ghost"
                          size="sm"
                          className="-ml-3 h-8 data-[sorted=true]:text-foreground"
                          data-sorted={sorted ? "true" : undefined}
                          onClick={column.getToggleSortingHandler()}
                        >
                          <table.FlexRender header={header} />
                          {sorted === "asc" ? (
                            <ArrowUpIcon aria-hidden="true" />
                          ) : sorted === "desc" ? (
                            <ArrowDownIcon aria-hidden="true" />
                          ) : (
                            <ChevronsUpDownIcon
                              aria-hidden="true"
                              className="text-muted-foreground/70"
                            />
                          )}
                        </Button>
                      ) : (
                        <table.FlexRender header={header} />
                      )}
                    </TableHead>
                  );
                })}
              </TableRow>
            ))}
          </TableHeader>
          <TableBody>
            {rows.length > 0 ? (
              rows.map((row) => (
                <TableRow key={row.id}>
                  {row.getAllCells().map((cell) => (
                    <TableCell key={cell.id} className={cell.column.columnDef.meta?.className}>
                      <table.FlexRender cell={cell} />
                    </TableCell>
                  ))}
                </TableRow>
              ))
            ) : (
              <TableRow className="hover:bg-transparent">
                <TableCell
                  colSpan={leafColumnCount}
                  className="h-24 text-center whitespace-normal text-muted-foreground"
                >
                  {emptyMessage}
                </TableCell>
              </TableRow>
            )}
          </TableBody>
        </Table>
      </div>

      <div
        data-slot="data-table-pagination"
        className="flex flex-col-reverse items-center justify-between gap-3 text-sm sm:flex-row"
      >
        <p className="text-muted-foreground" aria-live="polite">
          {totalRows === 1 ? "1 row" : `${totalRows.toLocaleString("en-US")} rows`}
        </p>
        <div className="flex flex-wrap items-center gap-4 sm:gap-6">
          <div className="flex items-center gap-2">
            <span id={perPageLabelId} className="font-medium whitespace-nowrap">
              Rows per page
            </span>
            <Select
              value={String(perPage)}
              onValueChange={(value) => table.setPageSize(Number(value))}
            >
              <SelectTrigger
                size="sm"
                className="w-20"
                aria-labelledby={perPageLabelId}
              >
                <SelectValue />
              </SelectTrigger>
              <SelectContent side="top">
                {PER_PAGE_OPTIONS.map((option) => (
                  <SelectItem key={option} value={String(option)}>
                    {option}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          <p className="font-medium whitespace-nowrap">
            {`Page ${page} of ${displayPageCount}`}
          </p>
          <div className="flex items-center gap-1">
            <Button
              variant="outline"
              size="icon"
              className="size-8"
              aria-label="Go to first page"
              onClick={() => table.setPageIndex(0)}
              disabled={!canPrevious}
            >
              <ChevronsLeftIcon />
            </Button>
            <Button
              variant="outline"
              size="icon"
              className="size-8"
              aria-label="Go to previous page"
              onClick={() => table.setPageIndex(Math.min(page, displayPageCount) - 2)}
              disabled={!canPrevious}
            >
              <ChevronLeftIcon />
            </Button>
            <Button
              variant="outline"
              size="icon"
              className="size-8"
              aria-label="Go to next page"
              onClick={() => table.setPageIndex(page)}
              disabled={!canNext}
            >
              <ChevronRightIcon />
            </Button>
            <Button
              variant="outline"
              size="icon"
              className="size-8"
              aria-label="Go to last page"
              onClick={() => table.setPageIndex(displayPageCount - 1)}
              disabled={!canNext}
            >
              <ChevronsRightIcon />
            </Button>
          </div>
        </div>
      </div>
    </div>
  );
}
