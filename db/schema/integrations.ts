import { sql } from "drizzle-orm";
import { boolean, check, index, integer, jsonb, pgTable, primaryKey, real, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { organizations } from "./tenancy";

export const connectionStatuses = ["pending", "configuring", "active", "inactive", "error", "needs_reauth"] as const;
export type ConnectionStatus = (typeof connectionStatuses)[number];

/** A connection: one configured instance of a provider, for an organization or (org_id NULL) platform-wide. */
export const integrations = pgTable(
  "integrations",
  {
    id: text()
      .primaryKey()
      .$defaultFn(() => crypto.randomUUID()),
    orgId: text().references(() => organizations.id, { onDelete: "cascade" }),
    providerKey: text().notNull(),
    name: text().notNull(),
    status: text().$type<ConnectionStatus>().notNull().default("pending"),
    enabled: boolean().notNull().default(true),
    isDefault: boolean().notNull().default(false),
    /** Position in fallback lists (sendEmail tries lower numbers first); set by admins. */
    priority: integer().notNull().default(100),
    /** Non-secret settings only. Secrets live in integration_secrets, sealed. */
    config: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    healthStatus: text().notNull().default("unknown"),
    lastCheckedAt: timestamp({ withTimezone: true }),
    lastError: text(),
    lastSyncAt: timestamp({ withTimezone: true }),
    dataCount: integer().notNull().default(0),
    errorCount: integer().notNull().default(0),
    /** Proactive throttle for this connection's outbound calls (syncs, tests, clients); null: none. */
    requestsPerSecond: real(),
    createdBy: text().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index().on(t.orgId, t.providerKey),
    // One default per (organization or platform, provider).
    uniqueIndex("integrations_one_default").on(sql`coalesce(${t.orgId}, '')`, t.providerKey).where(sql`${t.isDefault}`),
    check("integrations_status_check", sql`${t.status} in ('pending','configuring','active','inactive','error','needs_reauth')`),
  ],
);

/**
 * One sealed value per (connection, field). `scope` repeats the owner (org id or 'platform') so a
 * data-key rotation can find its rows without a join; it is also part of the AAD.
 */
export const integrationSecrets = pgTable(
  "integration_secrets",
  {
    integrationId: text()
      .notNull()
      .references(() => integrations.id, { onDelete: "cascade" }),
    field: text().notNull(),
    scope: text().notNull(),
    ciphertext: text().notNull(),
    dekVersion: integer().notNull(),
    expiresAt: timestamp({ withTimezone: true }),
    rotatedAt: timestamp({ withTimezone: true }),
    updatedBy: text().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.integrationId, t.field] }), index().on(t.scope, t.dekVersion)],
);

export const keyStatuses = ["active", "decrypt_only", "retired"] as const;
export type KeyStatus = (typeof keyStatuses)[number];

/** Data-encryption keys, wrapped by a master key (KEK). scope = org id or 'platform'. */
export const encryptionKeys = pgTable(
  "encryption_keys",
  {
    scope: text().notNull(),
    orgId: text().references(() => organizations.id, { onDelete: "cascade" }),
    version: integer().notNull(),
    wrappedKey: text().notNull(),
    kekId: text().notNull(),
    status: text().$type<KeyStatus>().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    retiredAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.scope, t.version] }),
    uniqueIndex("encryption_keys_one_active").on(t.scope).where(sql`${t.status} = 'active'`),
    check("encryption_keys_status_check", sql`${t.status} in ('active','decrypt_only','retired')`),
  ],
);

export const keyRotations = pgTable(
  "key_rotations",
  {
    id: text()
      .primaryKey()
      .$defaultFn(() => crypto.randomUUID()),
    scope: text().notNull(),
    orgId: text().references(() => organizations.id, { onDelete: "cascade" }),
    fromVersion: integer().notNull(),
    toVersion: integer().notNull(),
    status: text().$type<"running" | "completed" | "failed">().notNull().default("running"),
    total: integer().notNull().default(0),
    processed: integer().notNull().default(0),
    error: text(),
    startedBy: text().references(() => users.id, { onDelete: "set null" }),
    startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    heartbeatAt: timestamp({ withTimezone: true }),
    finishedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index().on(t.scope, t.startedAt), index().on(t.status)],
);
