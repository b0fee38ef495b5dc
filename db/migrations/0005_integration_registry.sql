CREATE TABLE "integration_registry" (
	"provider_key" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"category" text NOT NULL,
	"description" text NOT NULL,
	"auth_modes" text[] NOT NULL,
	"capabilities" text[] NOT NULL,
	"required_fields" text[] NOT NULL,
	"optional_fields" text[] NOT NULL,
	"popular" boolean DEFAULT false NOT NULL,
	"builtin" boolean DEFAULT true NOT NULL,
	"definition" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
