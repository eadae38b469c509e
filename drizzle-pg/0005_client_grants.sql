CREATE TABLE "client_grants" (
	"id" text PRIMARY KEY NOT NULL,
	"client_id" text NOT NULL,
	"audience" text NOT NULL,
	"scope" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "client_grants" ADD CONSTRAINT "client_grants_client_id_clients_client_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("client_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "client_grants_client_audience" ON "client_grants" USING btree ("client_id","audience");--> statement-breakpoint
CREATE INDEX "client_grants_audience" ON "client_grants" USING btree ("audience");