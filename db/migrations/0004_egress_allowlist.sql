CREATE TABLE "egress_allowlist" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text,
	"entry" text NOT NULL,
	"note" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "egress_allowlist" ADD CONSTRAINT "egress_allowlist_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "egress_allowlist" ADD CONSTRAINT "egress_allowlist_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "egress_allowlist_org_id_index" ON "egress_allowlist" USING btree ("org_id");