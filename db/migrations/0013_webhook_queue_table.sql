CREATE TABLE "webhook_queue" (
	"event_id" text PRIMARY KEY NOT NULL,
	"due_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "webhook_events_org_id_status_index";--> statement-breakpoint
DROP INDEX "webhook_events_due";--> statement-breakpoint
ALTER TABLE "webhook_queue" ADD CONSTRAINT "webhook_queue_event_id_webhook_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."webhook_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_queue_due" ON "webhook_queue" USING btree ("due_at");--> statement-breakpoint
-- The events still to process move to the queue (received, failed and waiting, or held by a worker), with their due time.
INSERT INTO "webhook_queue" ("event_id", "due_at") SELECT "id", "next_attempt_at" FROM "webhook_events" WHERE "status" IN ('received','failed','processing');--> statement-breakpoint
-- Room on each page for the claim's and the outcome's HOT updates (new pages only; drizzle has no table option for it).
ALTER TABLE "webhook_events" SET (fillfactor = 70);
