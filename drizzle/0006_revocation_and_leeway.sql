CREATE TABLE `revoked_access_tokens` (
	`jti` text PRIMARY KEY NOT NULL,
	`client_id` text NOT NULL,
	`revoked_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `revoked_access_tokens_expires_at` ON `revoked_access_tokens` (`expires_at`);--> statement-breakpoint
ALTER TABLE `clients` ADD `refresh_token_leeway` integer DEFAULT 0 NOT NULL;