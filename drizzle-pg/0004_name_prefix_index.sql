DROP INDEX "users_name_lower";--> statement-breakpoint
CREATE INDEX "users_name_lower" ON "users" USING btree (lower("name") text_pattern_ops);