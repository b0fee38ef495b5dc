import { sql } from "drizzle-orm";
import { bigserial, boolean, check, index, integer, jsonb, pgTable, real, text, timestamp } from "drizzle-orm/pg-core";
import { integrations } from "./integrations";
import { organizations } from "./tenancy";

export const healthStatuses = ["healthy", "degraded", "failing", "disconnected", "unknown"] as const;
export type HealthStatus = (typeof healthStatuses)[number];

export const breakerStates = ["closed", "open", "half-open"] as const;
export type BreakerStateValue = (typeof breakerStates)[number];

/**
 * One row per connection: its check schedule and the rolled-up figures the dashboard sorts on
 * (recomputed from health_checks after every check, so the dashboard never aggregates 24 h of
 * rows for every connection on every render). The status itself is integrations.health_status.
 */
export const connectionHealth = pgTable(
  "connection_health",
  {
    integrationId: text()
      .primaryKey()
      .references(() => integrations.id, { onDelete: "cascade" }),
    orgId: text().references(() => organizations.id, { onDelete: "cascade" }),
    intervalSeconds: integer().notNull().default(300),
    nextCheckAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastCheckAt: timestamp({ withTimezone: true }),
    lastOk: boolean(),
    lastLatencyMs: integer(),
    lastMessage: text(),
    consecutiveFailures: integer().notNull().default(0),
    statusSince: timestamp({ withTimezone: true }).notNull().defaultNow(),
    latencyP50Ms: integer("latency_p50_ms"),
    latencyP95Ms: integer("latency_p95_ms"),
    errorRate24h: real("error_rate_24h"),
    checks24h: integer("checks_24h").notNull().default(0),
    breakerState: text().$type<BreakerStateValue>().notNull().default("closed"),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index().on(t.nextCheckAt),
    index().on(t.orgId),
    check("connection_health_interval_check", sql`${t.intervalSeconds} between 60 and 86400`),
    check("connection_health_breaker_check", sql`${t.breakerState} in ('closed','open','half-open')`),
  ],
);

export const healthSignalKinds = ["check", "call", "refresh", "inbound"] as const;
export type HealthSignalKind = (typeof healthSignalKinds)[number];

/**
 * Every health signal: scheduled or manual checks (kind 'check'), the outcome of ordinary egress
 * calls (kind 'call', passive), token refreshes, and verified inbound webhook deliveries (kind
 * 'inbound', passive, one row per connection per flush with the count in its message). job_id makes a check idempotent: a job that
 * reruns after its worker died records its check once.
 */
export const healthChecks = pgTable(
  "health_checks",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    integrationId: text()
      .notNull()
      .references(() => integrations.id, { onDelete: "cascade" }),
    orgId: text().references(() => organizations.id, { onDelete: "cascade" }),
    kind: text().$type<HealthSignalKind>().notNull().default("check"),
    trigger: text().$type<"scheduled" | "manual" | "passive">().notNull().default("scheduled"),
    ok: boolean().notNull(),
    /** ok | error | auth | timeout | unavailable: what kind of failure, for the status rules. */
    status: text().notNull(),
    latencyMs: integer().notNull(),
    message: text(),
    jobId: text().unique(),
    checkedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.integrationId, t.checkedAt.desc()), index().on(t.checkedAt), check("health_checks_kind_check", sql`${t.kind} in ('check','call','refresh','inbound')`)],
);

/** Status transitions, for history, the home page and alerts (one alert per transition). */
export const healthStatusChanges = pgTable(
  "health_status_changes",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    integrationId: text()
      .notNull()
      .references(() => integrations.id, { onDelete: "cascade" }),
    orgId: text().references(() => organizations.id, { onDelete: "cascade" }),
    fromStatus: text().$type<HealthStatus>().notNull(),
    toStatus: text().$type<HealthStatus>().notNull(),
    reason: text(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    alertedAt: timestamp({ withTimezone: true }),
    alertError: text(),
    /** Alert channel id → when it got this alert: a retried delivery skips the channels already served. */
    alertDeliveries: jsonb().$type<Record<string, string>>().notNull().default({}),
  },
  (t) => [index().on(t.orgId, t.at.desc()), index().on(t.integrationId, t.at.desc())],
);

/** Where an organization's health alerts go: an email-capable connection, Slack, or an outbound webhook. */
export const alertChannels = pgTable(
  "alert_channels",
  {
    id: text()
      .primaryKey()
      .$defaultFn(() => crypto.randomUUID()),
    orgId: text()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    integrationId: text()
      .notNull()
      .references(() => integrations.id, { onDelete: "cascade" }),
    /** Email: comma-separated recipients. Slack: the channel. Outbound webhook: unused. */
    target: text().notNull().default(""),
    enabled: boolean().notNull().default(true),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.orgId)],
);

/** Live worker processes (npm start or npm run worker); the ready check wants one seen recently. */
export const workerHeartbeats = pgTable("worker_heartbeats", {
  id: text().primaryKey(),
  host: text().notNull(),
  pid: integer().notNull(),
  queues: text().array().notNull(),
  startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  seenAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
