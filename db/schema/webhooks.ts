import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { integrations } from "./integrations";
import { organizations } from "./tenancy";

export const webhookEventStatuses = ["received", "processing", "processed", "failed", "dead"] as const;
export type WebhookEventStatus = (typeof webhookEventStatuses)[number];

/**
 * Inbound webhook events, stored before the sender gets its 2xx. (integration_id, delivery_id) is
 * unique: a redelivery (or two concurrent copies) is acknowledged but stored and processed once.
 * delivery_id is the sender's id (X-GitHub-Delivery, webhook-id, Stripe event id, …) or, when the
 * sender gives none, a hash of the body.
 *
 * No index covers a column that processing changes (status, attempts, next_attempt_at, …), so the
 * claim and the outcome are HOT updates: the row version stays on its page and no index gets a new
 * entry. What is still to process is listed by `webhook_queue` instead. The fillfactor leaves room
 * on each page for those updates (fillfactor 70, set in migration 0013: drizzle has no table option for it).
 */
export const webhookEvents = pgTable(
  "webhook_events",
  {
    id: text()
      .primaryKey()
      .$defaultFn(() => crypto.randomUUID()),
    orgId: text().references(() => organizations.id, { onDelete: "cascade" }),
    integrationId: text()
      .notNull()
      .references(() => integrations.id, { onDelete: "cascade" }),
    providerKey: text().notNull(),
    deliveryId: text().notNull(),
    eventType: text().notNull(),
    /** Request headers with signatures and credentials redacted. */
    headers: jsonb().$type<Record<string, string>>().notNull().default({}),
    /** The raw body as received (UTF-8), and its JSON (or form) parse when it has one. */
    body: text().notNull(),
    payload: jsonb().$type<unknown>(),
    status: text().$type<WebhookEventStatus>().notNull().default("received"),
    /** Every processing attempt, replays included (shown in the table). */
    attempts: integer().notNull().default(0),
    /** Attempts since the event was received or last replayed: dead after MAX_PROCESS_ATTEMPTS. */
    runAttempts: integer().notNull().default(0),
    /**
     * Shown with the event; the queue's `due_at` is what workers go by. received/failed: when a
     * worker may take it (failed: after its backoff); processing: when its lease runs out.
     */
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastError: text(),
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp({ withTimezone: true }),
    /** Receipt to processed, in ms. */
    latencyMs: integer(),
  },
  (t) => [
    uniqueIndex("webhook_events_delivery").on(t.integrationId, t.deliveryId),
    index().on(t.orgId, t.receivedAt.desc()),
    check("webhook_events_status_check", sql`${t.status} in ('received','processing','processed','failed','dead')`),
  ],
);

/**
 * The inbound events still to process: received, failed and waiting for a retry, or held by a
 * worker. A row is added in the statement that stores the event and deleted with the outcome that
 * ends it (processed, dead); a replay adds it again. Workers claim from here in due order, so a
 * claim reads the queue, not the event history, and its updates touch this narrow row's index.
 */
export const webhookQueue = pgTable(
  "webhook_queue",
  {
    eventId: text()
      .primaryKey()
      .references(() => webhookEvents.id, { onDelete: "cascade" }),
    /** When a worker may take the event: now, after a failure's backoff, or when a claim's lease runs out. */
    dueAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("webhook_queue_due").on(t.dueAt)],
);

export const webhookDeliveryStatuses = ["pending", "succeeded", "failed", "dead", "cancelled"] as const;
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatuses)[number];

/**
 * Outbound deliveries: one message (a stable webhook-id across retries) to one endpoint (an
 * "outbound-webhook" connection). Retried on a schedule until it succeeds or runs out of attempts.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: text()
      .primaryKey()
      .$defaultFn(() => crypto.randomUUID()),
    orgId: text().references(() => organizations.id, { onDelete: "cascade" }),
    integrationId: text()
      .notNull()
      .references(() => integrations.id, { onDelete: "cascade" }),
    messageId: text().notNull(),
    eventType: text().notNull(),
    payload: jsonb().$type<Record<string, unknown>>().notNull(),
    status: text().$type<WebhookDeliveryStatus>().notNull().default("pending"),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }),
    lastStatus: integer(),
    lastError: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_message").on(t.integrationId, t.messageId),
    index().on(t.orgId, t.createdAt.desc()),
    index().on(t.integrationId, t.createdAt.desc()),
    check("webhook_deliveries_status_check", sql`${t.status} in ('pending','succeeded','failed','dead','cancelled')`),
  ],
);

/** Every attempt of an outbound delivery: what the endpoint answered, and how fast. */
export const webhookDeliveryAttempts = pgTable(
  "webhook_delivery_attempts",
  {
    deliveryId: text()
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    attempt: integer().notNull(),
    status: integer(),
    ok: text().$type<"ok" | "failed">().notNull(),
    error: text(),
    responseExcerpt: text(),
    ms: integer().notNull(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("webhook_delivery_attempts_pk").on(t.deliveryId, t.attempt)],
);
