import { index, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { organizations } from "./tenancy";

/**
 * Private hosts and CIDRs an owner allows outbound calls to (self-hosted SMTP, Jira…).
 * org_id NULL: platform-wide entries, set by platform admins, used by platform-wide connections.
 */
export const egressAllowlist = pgTable(
  "egress_allowlist",
  {
    id: text()
      .primaryKey()
      .$defaultFn(() => crypto.randomUUID()),
    orgId: text().references(() => organizations.id, { onDelete: "cascade" }),
    entry: text().notNull(),
    note: text(),
    createdBy: text().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.orgId)],
);
