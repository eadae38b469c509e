CREATE TABLE "action_triggers" (
	"trigger_id" text PRIMARY KEY NOT NULL,
	"bindings" jsonb NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "action_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"action_id" text NOT NULL,
	"number" integer NOT NULL,
	"supported_triggers" jsonb NOT NULL,
	"code" text NOT NULL,
	"runtime" text NOT NULL,
	"dependencies" jsonb NOT NULL,
	"secrets" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "actions" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"supported_triggers" jsonb NOT NULL,
	"code" text NOT NULL,
	"runtime" text NOT NULL,
	"dependencies" jsonb NOT NULL,
	"secrets" jsonb NOT NULL,
	"deployed_version_id" text,
	"deployed_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "action_versions" ADD CONSTRAINT "action_versions_action_id_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."actions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "action_versions_number" ON "action_versions" USING btree ("action_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "actions_name" ON "actions" USING btree ("name");