ALTER TABLE "integration_data" DROP CONSTRAINT "integration_data_org_id_organizations_id_fk";
--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "revived" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- data_count is maintained by each run from here on: start it from an exact count.
UPDATE "integrations" SET "data_count" = (SELECT count(*) FROM "integration_data" d WHERE d."integration_id" = "integrations"."id" AND d."deleted_at" IS NULL);
