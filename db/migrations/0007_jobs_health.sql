CREATE TABLE "alert_channels" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"integration_id" text NOT NULL,
	"target" text DEFAULT '' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "connection_health" (
	"integration_id" text PRIMARY KEY NOT NULL,
	"org_id" text,
	"interval_seconds" integer DEFAULT 300 NOT NULL,
	"next_check_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_check_at" timestamp with time zone,
	"last_ok" boolean,
	"last_latency_ms" integer,
	"last_message" text,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"status_since" timestamp with time zone DEFAULT now() NOT NULL,
	"latency_p50_ms" integer,
	"latency_p95_ms" integer,
	"error_rate_24h" real,
	"checks_24h" integer DEFAULT 0 NOT NULL,
	"breaker_state" text DEFAULT 'closed' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "connection_health_interval_check" CHECK ("connection_health"."interval_seconds" between 60 and 86400),
	CONSTRAINT "connection_health_breaker_check" CHECK ("connection_health"."breaker_state" in ('closed','open','half-open'))
);
--> statement-breakpoint
CREATE TABLE "health_checks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"integration_id" text NOT NULL,
	"org_id" text,
	"kind" text DEFAULT 'check' NOT NULL,
	"trigger" text DEFAULT 'scheduled' NOT NULL,
	"ok" boolean NOT NULL,
	"status" text NOT NULL,
	"latency_ms" integer NOT NULL,
	"message" text,
	"job_id" text,
	"checked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "health_checks_jobId_unique" UNIQUE("job_id"),
	CONSTRAINT "health_checks_kind_check" CHECK ("health_checks"."kind" in ('check','call','refresh'))
);
--> statement-breakpoint
CREATE TABLE "health_status_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"integration_id" text NOT NULL,
	"org_id" text,
	"from_status" text NOT NULL,
	"to_status" text NOT NULL,
	"reason" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"alerted_at" timestamp with time zone,
	"alert_error" text
);
--> statement-breakpoint
CREATE TABLE "worker_heartbeats" (
	"id" text PRIMARY KEY NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"queues" text[] NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alert_channels" ADD CONSTRAINT "alert_channels_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_channels" ADD CONSTRAINT "alert_channels_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connection_health" ADD CONSTRAINT "connection_health_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connection_health" ADD CONSTRAINT "connection_health_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "health_checks" ADD CONSTRAINT "health_checks_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "health_checks" ADD CONSTRAINT "health_checks_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "health_status_changes" ADD CONSTRAINT "health_status_changes_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "health_status_changes" ADD CONSTRAINT "health_status_changes_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_channels_org_id_index" ON "alert_channels" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "connection_health_next_check_at_index" ON "connection_health" USING btree ("next_check_at");--> statement-breakpoint
CREATE INDEX "connection_health_org_id_index" ON "connection_health" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "health_checks_integration_id_checked_at_index" ON "health_checks" USING btree ("integration_id","checked_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "health_checks_checked_at_index" ON "health_checks" USING btree ("checked_at");--> statement-breakpoint
CREATE INDEX "health_status_changes_org_id_at_index" ON "health_status_changes" USING btree ("org_id","at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "health_status_changes_integration_id_at_index" ON "health_status_changes" USING btree ("integration_id","at" DESC NULLS LAST);--> statement-breakpoint
INSERT INTO "connection_health" ("integration_id", "org_id", "next_check_at") SELECT "id", "org_id", now() + random() * interval '5 minutes' FROM "integrations" ON CONFLICT DO NOTHING;
