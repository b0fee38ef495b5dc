import { z } from "zod";
import { syncModes } from "@/db/schema/sync";

const orgId = z.string().min(1).max(100);
const id = z.string().min(1).max(100);
const dotPath = (label: string) =>
  z
    .string()
    .trim()
    .max(200)
    .regex(/^([A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*)?$/, `${label} must be a dot path such as data.items (letters, digits, _ - $ separated by dots).`);
const param = (label: string) =>
  z
    .string()
    .trim()
    .min(1, `Enter the ${label}.`)
    .max(100)
    .regex(/^[A-Za-z0-9_.\-[\]]+$/, `The ${label} may use letters, digits and _ . - [ ] only.`);

export const genericPaginationTypes = ["link", "cursor", "page", "offset", "none"] as const;

/**
 * A generic REST JSON stream: one endpoint under the connection's base URL that lists records.
 * Validated here for the form and again when a run reads it.
 */
const genericRestFields = {
    entity: z
      .string()
      .trim()
      .min(1, "Name the entity, e.g. tickets.")
      .max(60)
      .regex(/^[a-z][a-z0-9_-]*$/i, "The entity name starts with a letter and uses letters, digits, _ and - only."),
    path: z
      .string()
      .trim()
      .min(1, "Enter the endpoint path, e.g. /v1/tickets.")
      .max(500)
      .regex(/^\/[^\s#]*$/, "The path starts with / and has no spaces (it is appended to the connection's base URL)."),
    recordsPath: dotPath("The records path").default(""),
    idPath: dotPath("The id path").min(1, "Enter where each record's id is, e.g. id.").default("id"),
    updatedAtPath: dotPath("The updated-at path").default(""),
    updatedSinceParam: z.string().trim().max(100).regex(/^[A-Za-z0-9_.\-[\]]*$/, "The parameter may use letters, digits and _ . - [ ] only.").default(""),
    pagination: z.enum(genericPaginationTypes).default("link"),
    pageParam: z.string().trim().max(100).default("page"),
    pageSizeParam: z.string().trim().max(100).default("per_page"),
    pageSize: z.coerce.number().int("The page size is a whole number.").min(1, "The page size is at least 1.").max(1000, "The page size is at most 1000.").default(100),
    cursorPath: dotPath("The next-cursor path").default(""),
};

function refineGeneric(v: { pagination: string; cursorPath: string; pageParam: string; pageSizeParam: string; updatedSinceParam: string; updatedAtPath: string }, ctx: z.RefinementCtx) {
    if (v.pagination === "cursor" && !v.cursorPath) ctx.addIssue({ code: "custom", path: ["cursorPath"], message: "Cursor pagination needs the path of the next cursor in the response, e.g. meta.next_cursor." });
    if (v.pagination === "cursor" || v.pagination === "page" || v.pagination === "offset") {
      const p = param("page parameter").safeParse(v.pageParam);
      if (!p.success) ctx.addIssue({ code: "custom", path: ["pageParam"], message: p.error.issues[0]!.message });
    }
    if (v.pagination === "page" || v.pagination === "offset") {
      const p = param("page size parameter").safeParse(v.pageSizeParam);
      if (!p.success) ctx.addIssue({ code: "custom", path: ["pageSizeParam"], message: p.error.issues[0]!.message });
    }
    if (v.updatedSinceParam && !v.updatedAtPath) ctx.addIssue({ code: "custom", path: ["updatedAtPath"], message: "Incremental runs need the updated-at path too (the cursor is the newest updated-at seen)." });
}

export const genericRestStreamSchema = z.object(genericRestFields).superRefine(refineGeneric);
export type GenericRestStream = z.output<typeof genericRestStreamSchema>;

/** Minutes between scheduled runs; "" / "off" / null: no schedule. */
export const scheduleMinutesField = z.preprocess(
  (v) => (v === "" || v === "off" || v === undefined || v === null ? null : v),
  z.coerce.number().int("The schedule is a whole number of minutes.").min(5, "Schedule runs at least 5 minutes apart.").max(7 * 24 * 60, "Schedule runs at most a week apart.").nullable(),
);

/** Enable (or update) a built-in stream of a connection. */
export const saveSyncStreamSchema = z.object({
  orgId,
  connectionId: id,
  entity: z.string().trim().min(1).max(60),
  enabled: z.boolean(),
  scheduleMinutes: scheduleMinutesField,
});

/** Add or change a generic REST stream (the form's fields, flat). */
export const saveGenericStreamSchema = z
  .object({
    orgId,
    connectionId: id,
    streamId: z.preprocess((v) => (v === "" ? undefined : v), id.optional()),
    scheduleMinutes: scheduleMinutesField,
    ...genericRestFields,
  })
  .superRefine(refineGeneric);

/** Turn a stored stream (built-in or generic) on or off and set its schedule. */
export const setStreamScheduleSchema = z.object({ orgId, streamId: id, enabled: z.boolean(), scheduleMinutes: scheduleMinutesField });

export const deleteSyncStreamSchema = z.object({ orgId, streamId: id });
export const startSyncRunSchema = z.object({ orgId, streamId: id, mode: z.enum(syncModes) });
export const cancelSyncRunSchema = z.object({ orgId, runId: id });
export const setRequestsPerSecondSchema = z.object({
  orgId,
  connectionId: id,
  requestsPerSecond: z.preprocess(
    (v) => (v === "" || v === undefined ? null : v),
    z.coerce.number("Enter a number of requests per second.").positive("Requests per second must be above 0 (leave empty for no limit).").max(1000, "At most 1000 requests per second.").nullable(),
  ),
});

/** REST: POST /api/v1/connections/{id}/sync */
export const apiStartSyncSchema = z.object({
  entity: z.string().trim().min(1).max(60),
  mode: z.enum(syncModes).default("incremental"),
});
