CREATE TABLE "encryption_keys" (
	"scope" text NOT NULL,
	"org_id" text,
	"version" integer NOT NULL,
	"wrapped_key" text NOT NULL,
	"kek_id" text NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone,
	CONSTRAINT "encryption_keys_scope_version_pk" PRIMARY KEY("scope","version"),
	CONSTRAINT "encryption_keys_status_check" CHECK ("encryption_keys"."status" in ('active','decrypt_only','retired'))
);
--> statement-breakpoint
CREATE TABLE "integration_secrets" (
	"integration_id" text NOT NULL,
	"field" text NOT NULL,
	"scope" text NOT NULL,
	"ciphertext" text NOT NULL,
	"dek_version" integer NOT NULL,
	"expires_at" timestamp with time zone,
	"rotated_at" timestamp with time zone,
	"updated_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "integration_secrets_integration_id_field_pk" PRIMARY KEY("integration_id","field")
);
--> statement-breakpoint
CREATE TABLE "integrations" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text,
	"provider_key" text NOT NULL,
	"name" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"health_status" text DEFAULT 'unknown' NOT NULL,
	"last_checked_at" timestamp with time zone,
	"last_error" text,
	"last_sync_at" timestamp with time zone,
	"data_count" integer DEFAULT 0 NOT NULL,
	"error_count" integer DEFAULT 0 NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "integrations_status_check" CHECK ("integrations"."status" in ('pending','configuring','active','inactive','error','needs_reauth'))
);
--> statement-breakpoint
CREATE TABLE "key_rotations" (
	"id" text PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"org_id" text,
	"from_version" integer NOT NULL,
	"to_version" integer NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"processed" integer DEFAULT 0 NOT NULL,
	"error" text,
	"started_by" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "encryption_keys" ADD CONSTRAINT "encryption_keys_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integration_secrets" ADD CONSTRAINT "integration_secrets_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integration_secrets" ADD CONSTRAINT "integration_secrets_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "key_rotations" ADD CONSTRAINT "key_rotations_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "key_rotations" ADD CONSTRAINT "key_rotations_started_by_users_id_fk" FOREIGN KEY ("started_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "encryption_keys_one_active" ON "encryption_keys" USING btree ("scope") WHERE "encryption_keys"."status" = 'active';--> statement-breakpoint
CREATE INDEX "integration_secrets_scope_dek_version_index" ON "integration_secrets" USING btree ("scope","dek_version");--> statement-breakpoint
CREATE INDEX "integrations_org_id_provider_key_index" ON "integrations" USING btree ("org_id","provider_key");--> statement-breakpoint
CREATE UNIQUE INDEX "integrations_one_default" ON "integrations" USING btree (coalesce("org_id", ''),"provider_key") WHERE "integrations"."is_default";--> statement-breakpoint
CREATE INDEX "key_rotations_scope_started_at_index" ON "key_rotations" USING btree ("scope","started_at");--> statement-breakpoint
CREATE INDEX "key_rotations_status_index" ON "key_rotations" USING btree ("status");