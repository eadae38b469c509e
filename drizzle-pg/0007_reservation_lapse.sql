ALTER TABLE "ip_failures" ADD COLUMN "reserved_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "login_failures" ADD COLUMN "reserved_at" timestamp (3) with time zone;