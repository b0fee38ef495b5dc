import { index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { integrations } from "./integrations";
import { organizations } from "./tenancy";

/**
 * One row per started authorization. Only hashes of the state and of the browser-binding nonce are
 * stored; the PKCE verifier is sealed. A row is used once (used_at) and expires after 10 minutes.
 */
export const oauthStates = pgTable(
  "oauth_states",
  {
    stateHash: text().primaryKey(),
    browserHash: text().notNull(),
    orgId: text()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    integrationId: text()
      .notNull()
      .references(() => integrations.id, { onDelete: "cascade" }),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    providerKey: text().notNull(),
    codeVerifier: text().notNull(),
    dekVersion: integer().notNull(),
    redirectUri: text().notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.expiresAt)],
);

/** Cross-process token-refresh leases: one refresher per connection at a time. */
export const tokenLeases = pgTable("token_leases", {
  integrationId: text()
    .primaryKey()
    .references(() => integrations.id, { onDelete: "cascade" }),
  owner: text().notNull(),
  until: timestamp({ withTimezone: true }).notNull(),
});
