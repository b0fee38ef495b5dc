import { sql } from "drizzle-orm";
import { bigserial, boolean, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { integrations } from "./integrations";
import { organizations } from "./tenancy";

export const syncModes = ["full", "incremental"] as const;
export type SyncMode = (typeof syncModes)[number];

/**
 * One entity stream of a connection that an admin turned on (HubSpot contacts, a Salesforce SOQL
 * object, a generic REST endpoint). `cursor` is the incremental high-water mark (max updated-at
 * seen by a successful run); `config` holds the generic REST stream's endpoint description.
 */
export const syncStreams = pgTable(
  "sync_streams",
  {
    id: text()
      .primaryKey()
      .$defaultFn(() => crypto.randomUUID()),
    orgId: text().references(() => organizations.id, { onDelete: "cascade" }),
    integrationId: text()
      .notNull()
      .references(() => integrations.id, { onDelete: "cascade" }),
    /** The stream's entity name, e.g. "contacts", "Account", or a custom name for generic REST. */
    entity: text().notNull(),
    enabled: boolean().notNull().default(true),
    /** Minutes between scheduled incremental runs; null: only "Sync now" and webhooks. */
    scheduleMinutes: integer(),
    config: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    cursor: text(),
    lastRunAt: timestamp({ withTimezone: true }),
    nextRunAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("sync_streams_entity").on(t.integrationId, t.entity), index().on(t.orgId), index().on(t.nextRunAt)],
);

export const syncRunStatuses = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type SyncRunStatus = (typeof syncRunStatuses)[number];
export const syncTriggers = ["manual", "schedule", "webhook", "api"] as const;
export type SyncTrigger = (typeof syncTriggers)[number];

/**
 * One run of a stream. `checkpoint` is where a killed run resumes (the next page token/offset/URL),
 * written in the same transaction as that page's upserts, so a resume has no duplicates and no gaps.
 */
export const syncRuns = pgTable(
  "sync_runs",
  {
    id: text()
      .primaryKey()
      .$defaultFn(() => crypto.randomUUID()),
    orgId: text().references(() => organizations.id, { onDelete: "cascade" }),
    integrationId: text()
      .notNull()
      .references(() => integrations.id, { onDelete: "cascade" }),
    streamId: text()
      .notNull()
      .references(() => syncStreams.id, { onDelete: "cascade" }),
    entity: text().notNull(),
    mode: text().$type<SyncMode>().notNull(),
    trigger: text().$type<SyncTrigger>().notNull().default("manual"),
    status: text().$type<SyncRunStatus>().notNull().default("queued"),
    /** The stream cursor when the run started (incremental lower bound) and the max updated-at seen so far. */
    cursorStart: text(),
    cursor: text(),
    checkpoint: jsonb().$type<Record<string, unknown> | null>(),
    pages: integer().notNull().default(0),
    processed: integer().notNull().default(0),
    created: integer().notNull().default(0),
    updated: integer().notNull().default(0),
    unchanged: integer().notNull().default(0),
    deleted: integer().notNull().default(0),
    /** Updated records that had been marked deleted (they count as live again: the connection's dataCount). */
    revived: integer().notNull().default(0),
    /** Records kept with mapping errors flagged. */
    failed: integer().notNull().default(0),
    cancelRequested: boolean().notNull().default(false),
    error: text(),
    requestedBy: text().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp({ withTimezone: true }),
    finishedAt: timestamp({ withTimezone: true }),
    durationMs: integer(),
  },
  (t) => [
    index().on(t.streamId, t.createdAt.desc()),
    index().on(t.orgId, t.createdAt.desc()),
    // At most one queued or running run per stream.
    uniqueIndex("sync_runs_one_active").on(t.streamId).where(sql`${t.status} in ('queued','running')`),
    check("sync_runs_mode_check", sql`${t.mode} in ('full','incremental')`),
    check("sync_runs_status_check", sql`${t.status} in ('queued','running','succeeded','failed','cancelled')`),
  ],
);

/** External ids seen by a full run, for delete detection at its successful end (then deleted). */
export const syncRunSeen = pgTable(
  "sync_run_seen",
  {
    runId: text()
      .notNull()
      .references(() => syncRuns.id, { onDelete: "cascade" }),
    externalId: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.externalId] })],
);

/**
 * Synced records: the provider's raw record, its mapped form under the stream's active mapping
 * version, and the per-field mapping errors (a record with errors is kept, flagged). `hash` is of
 * the raw record: an unchanged hash means no write.
 */
export const integrationData = pgTable(
  "integration_data",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    /**
     * The connection's organization, copied for scoping. No foreign key of its own: the connection's
     * cascades it (an organization's connections go with it), and a second per-row check cost the
     * bulk upsert about a tenth of its time.
     */
    orgId: text(),
    integrationId: text()
      .notNull()
      .references(() => integrations.id, { onDelete: "cascade" }),
    entityType: text().notNull(),
    externalId: text().notNull(),
    raw: jsonb().$type<unknown>().notNull(),
    mapped: jsonb().$type<Record<string, unknown> | null>(),
    /** [{ field, path?, message }] from the last mapping; [] when clean. */
    errors: jsonb().$type<{ field: string; path?: string; message: string }[]>().notNull().default([]),
    hasErrors: boolean().notNull().default(false),
    hash: text().notNull(),
    mappingVersionId: text(),
    sourceUpdatedAt: timestamp({ withTimezone: true }),
    syncedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex("integration_data_record").on(t.integrationId, t.entityType, t.externalId),
    index().on(t.orgId, t.entityType, t.syncedAt.desc()),
  ],
);

export const fieldTypes = ["string", "number", "boolean", "date", "email", "url", "enum", "array", "object"] as const;
export type FieldType = (typeof fieldTypes)[number];

/** A custom target schema an admin defined (the built-in Contact, Company and Deal live in code). */
export const targetSchemas = pgTable(
  "target_schemas",
  {
    id: text()
      .primaryKey()
      .$defaultFn(() => crypto.randomUUID()),
    orgId: text()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    /** Slug used in mappings, e.g. "ticket". */
    key: text().notNull(),
    name: text().notNull(),
    /** [{ name, type, required, description?, values? (enum) }] */
    fields: jsonb().$type<{ name: string; type: FieldType; required: boolean; description?: string; values?: string[] }[]>().notNull(),
    createdBy: text().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("target_schemas_key").on(t.orgId, t.key)],
);

/**
 * A stream's mapping to a target schema. Every save is a new row in data_mapping_versions;
 * `activeVersionId` is what syncs apply. `remap*` track the background re-map of stored records.
 */
export const dataMappings = pgTable(
  "data_mappings",
  {
    id: text()
      .primaryKey()
      .$defaultFn(() => crypto.randomUUID()),
    orgId: text().references(() => organizations.id, { onDelete: "cascade" }),
    integrationId: text()
      .notNull()
      .references(() => integrations.id, { onDelete: "cascade" }),
    streamId: text()
      .notNull()
      .references(() => syncStreams.id, { onDelete: "cascade" }),
    entity: text().notNull(),
    /** "contact", "company", "deal" or a custom target schema key. */
    targetSchema: text().notNull(),
    activeVersionId: text(),
    remapStatus: text().$type<"idle" | "running" | "failed">().notNull().default("idle"),
    remapTotal: integer().notNull().default(0),
    remapDone: integer().notNull().default(0),
    remapError: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("data_mappings_stream").on(t.streamId), index().on(t.orgId)],
);

export const dataMappingVersions = pgTable(
  "data_mapping_versions",
  {
    id: text()
      .primaryKey()
      .$defaultFn(() => crypto.randomUUID()),
    mappingId: text()
      .notNull()
      .references(() => dataMappings.id, { onDelete: "cascade" }),
    version: integer().notNull(),
    /** The mapping definition (lib/mapping mappingSchema), validated before it is stored. */
    definition: jsonb().$type<Record<string, unknown>>().notNull(),
    note: text(),
    createdBy: text().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("data_mapping_versions_version").on(t.mappingId, t.version)],
);

/** Saved mapping templates of an organization (built-in templates live in code). */
export const mappingTemplates = pgTable(
  "mapping_templates",
  {
    id: text()
      .primaryKey()
      .$defaultFn(() => crypto.randomUUID()),
    orgId: text()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text().notNull(),
    description: text(),
    providerKey: text(),
    entity: text(),
    targetSchema: text().notNull(),
    definition: jsonb().$type<Record<string, unknown>>().notNull(),
    createdBy: text().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("mapping_templates_name").on(t.orgId, t.name)],
);
