CREATE TABLE "data_mapping_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"mapping_id" text NOT NULL,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"note" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "data_mappings" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text,
	"integration_id" text NOT NULL,
	"stream_id" text NOT NULL,
	"entity" text NOT NULL,
	"target_schema" text NOT NULL,
	"active_version_id" text,
	"remap_status" text DEFAULT 'idle' NOT NULL,
	"remap_total" integer DEFAULT 0 NOT NULL,
	"remap_done" integer DEFAULT 0 NOT NULL,
	"remap_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "integration_data" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"org_id" text,
	"integration_id" text NOT NULL,
	"entity_type" text NOT NULL,
	"external_id" text NOT NULL,
	"raw" jsonb NOT NULL,
	"mapped" jsonb,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"has_errors" boolean DEFAULT false NOT NULL,
	"hash" text NOT NULL,
	"mapping_version_id" text,
	"source_updated_at" timestamp with time zone,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "mapping_templates" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"provider_key" text,
	"entity" text,
	"target_schema" text NOT NULL,
	"definition" jsonb NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_run_seen" (
	"run_id" text NOT NULL,
	"external_id" text NOT NULL,
	CONSTRAINT "sync_run_seen_run_id_external_id_pk" PRIMARY KEY("run_id","external_id")
);
--> statement-breakpoint
CREATE TABLE "sync_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text,
	"integration_id" text NOT NULL,
	"stream_id" text NOT NULL,
	"entity" text NOT NULL,
	"mode" text NOT NULL,
	"trigger" text DEFAULT 'manual' NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"cursor_start" text,
	"cursor" text,
	"checkpoint" jsonb,
	"pages" integer DEFAULT 0 NOT NULL,
	"processed" integer DEFAULT 0 NOT NULL,
	"created" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"unchanged" integer DEFAULT 0 NOT NULL,
	"deleted" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"cancel_requested" boolean DEFAULT false NOT NULL,
	"error" text,
	"requested_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"duration_ms" integer,
	CONSTRAINT "sync_runs_mode_check" CHECK ("sync_runs"."mode" in ('full','incremental')),
	CONSTRAINT "sync_runs_status_check" CHECK ("sync_runs"."status" in ('queued','running','succeeded','failed','cancelled'))
);
--> statement-breakpoint
CREATE TABLE "sync_streams" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text,
	"integration_id" text NOT NULL,
	"entity" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"schedule_minutes" integer,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"cursor" text,
	"last_run_at" timestamp with time zone,
	"next_run_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "target_schemas" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"fields" jsonb NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "requests_per_second" real;--> statement-breakpoint
ALTER TABLE "data_mapping_versions" ADD CONSTRAINT "data_mapping_versions_mapping_id_data_mappings_id_fk" FOREIGN KEY ("mapping_id") REFERENCES "public"."data_mappings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_mapping_versions" ADD CONSTRAINT "data_mapping_versions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_mappings" ADD CONSTRAINT "data_mappings_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_mappings" ADD CONSTRAINT "data_mappings_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_mappings" ADD CONSTRAINT "data_mappings_stream_id_sync_streams_id_fk" FOREIGN KEY ("stream_id") REFERENCES "public"."sync_streams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integration_data" ADD CONSTRAINT "integration_data_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integration_data" ADD CONSTRAINT "integration_data_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mapping_templates" ADD CONSTRAINT "mapping_templates_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mapping_templates" ADD CONSTRAINT "mapping_templates_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_run_seen" ADD CONSTRAINT "sync_run_seen_run_id_sync_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."sync_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_stream_id_sync_streams_id_fk" FOREIGN KEY ("stream_id") REFERENCES "public"."sync_streams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_streams" ADD CONSTRAINT "sync_streams_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_streams" ADD CONSTRAINT "sync_streams_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "target_schemas" ADD CONSTRAINT "target_schemas_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "target_schemas" ADD CONSTRAINT "target_schemas_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "data_mapping_versions_version" ON "data_mapping_versions" USING btree ("mapping_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "data_mappings_stream" ON "data_mappings" USING btree ("stream_id");--> statement-breakpoint
CREATE INDEX "data_mappings_org_id_index" ON "data_mappings" USING btree ("org_id");--> statement-breakpoint
CREATE UNIQUE INDEX "integration_data_record" ON "integration_data" USING btree ("integration_id","entity_type","external_id");--> statement-breakpoint
CREATE INDEX "integration_data_org_id_entity_type_synced_at_index" ON "integration_data" USING btree ("org_id","entity_type","synced_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "mapping_templates_name" ON "mapping_templates" USING btree ("org_id","name");--> statement-breakpoint
CREATE INDEX "sync_runs_stream_id_created_at_index" ON "sync_runs" USING btree ("stream_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "sync_runs_org_id_created_at_index" ON "sync_runs" USING btree ("org_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "sync_runs_one_active" ON "sync_runs" USING btree ("stream_id") WHERE "sync_runs"."status" in ('queued','running');--> statement-breakpoint
CREATE UNIQUE INDEX "sync_streams_entity" ON "sync_streams" USING btree ("integration_id","entity");--> statement-breakpoint
CREATE INDEX "sync_streams_org_id_index" ON "sync_streams" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "sync_streams_next_run_at_index" ON "sync_streams" USING btree ("next_run_at");--> statement-breakpoint
CREATE UNIQUE INDEX "target_schemas_key" ON "target_schemas" USING btree ("org_id","key");