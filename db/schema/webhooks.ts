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
     * The row is its own queue entry. received/failed: when a worker may take it (failed: after its
     * backoff); processing: when its lease runs out (a worker that died without finishing).
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
    index().on(t.orgId, t.status),
    // What the workers claim: only the rows still waiting or running, in due order.
    index("webhook_events_due").on(t.nextAttemptAt).where(sql`${t.status} in ('received','failed','processing')`),
    check("webhook_events_status_check", sql`${t.status} in ('received','processing','processed','failed','dead')`),
  ],
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
