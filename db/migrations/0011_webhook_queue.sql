ALTER TABLE "health_checks" DROP CONSTRAINT "health_checks_kind_check";--> statement-breakpoint
ALTER TABLE "webhook_events" ADD COLUMN "run_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_events" ADD COLUMN "next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE INDEX "webhook_events_due" ON "webhook_events" USING btree ("next_attempt_at") WHERE "webhook_events"."status" in ('received','failed','processing');--> statement-breakpoint
ALTER TABLE "health_checks" ADD CONSTRAINT "health_checks_kind_check" CHECK ("health_checks"."kind" in ('check','call','refresh','inbound'));