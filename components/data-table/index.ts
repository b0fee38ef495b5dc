export {
  DataTable,
  createDataTableColumnHelper,
  dataTableFeatures,
  type DataTableColumnDef,
  type DataTableColumnMeta,
  type DataTableFeatures,
  type DataTableFilter,
  type DataTableFilterOption,
  type DataTableProps,
} from "./data-table";
