import { boolean, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * The provider catalog as data: built-ins are upserted from code at every start (so SQL, reports
 * and other services can read what this version offers); `definition` holds the field list.
 */
export const integrationRegistry = pgTable("integration_registry", {
  providerKey: text().primaryKey(),
  name: text().notNull(),
  category: text().notNull(),
  description: text().notNull(),
  authModes: text().array().notNull(),
  capabilities: text().array().notNull(),
  requiredFields: text().array().notNull(),
  optionalFields: text().array().notNull(),
  popular: boolean().notNull().default(false),
  builtin: boolean().notNull().default(true),
  definition: jsonb().$type<Record<string, unknown>>().notNull().default({}),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
