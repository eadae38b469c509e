ALTER TABLE `clients` ADD `app_type` text;--> statement-breakpoint
ALTER TABLE `clients` ADD `is_first_party` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `clients` ADD `extras` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `resource_servers` ADD `extras` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `tenant_settings` ADD `extras` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `username` text;--> statement-breakpoint
ALTER TABLE `users` ADD `phone_number` text;--> statement-breakpoint
ALTER TABLE `users` ADD `phone_verified` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `logins_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `last_login` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `last_ip` text;--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (`username`);--> statement-breakpoint
CREATE INDEX `users_created_at` ON `users` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `users_name_lower` ON `users` (lower("name"));