CREATE TABLE `refresh_token_families` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`client_id` text NOT NULL,
	`audience` text NOT NULL,
	`scope` text NOT NULL,
	`access_token_claims` text NOT NULL,
	`id_token_claims` text NOT NULL,
	`auth_time` integer NOT NULL,
	`current_token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`idle_expires_at` integer NOT NULL,
	`absolute_expires_at` integer NOT NULL,
	`revoked_at` integer,
	`revoked_reason` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`client_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `refresh_token_families_current_token_hash_unique` ON `refresh_token_families` (`current_token_hash`);--> statement-breakpoint
CREATE INDEX `refresh_token_families_user` ON `refresh_token_families` (`user_id`);--> statement-breakpoint
CREATE TABLE `retired_refresh_tokens` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`family_id` text NOT NULL,
	`retired_at` integer NOT NULL,
	FOREIGN KEY (`family_id`) REFERENCES `refresh_token_families`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `resource_servers` ADD `refresh_token_lifetime` integer DEFAULT 2592000 NOT NULL;--> statement-breakpoint
ALTER TABLE `resource_servers` ADD `refresh_token_idle_lifetime` integer DEFAULT 1296000 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `email_verified` integer DEFAULT false NOT NULL;