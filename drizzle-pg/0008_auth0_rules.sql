CREATE TABLE "auth0_rules" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"script" text NOT NULL,
	"rule_order" integer NOT NULL,
	"enabled" boolean NOT NULL,
	"stage" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "auth0_rules_name" ON "auth0_rules" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "auth0_rules_order" ON "auth0_rules" USING btree ("rule_order");