CREATE TABLE `mfa_attempts` (
	`user_id` text PRIMARY KEY NOT NULL,
	`attempts` integer NOT NULL,
	`window_started_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `mfa_authenticators` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`type` text NOT NULL,
	`secret` text,
	`code_hash` text,
	`confirmed` integer DEFAULT false NOT NULL,
	`last_counter` integer,
	`created_at` integer NOT NULL,
	`confirmed_at` integer,
	`last_auth_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mfa_authenticators_user_type` ON `mfa_authenticators` (`user_id`,`type`);--> statement-breakpoint
CREATE TABLE `mfa_tokens` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`client_id` text NOT NULL,
	`audience` text NOT NULL,
	`scope` text NOT NULL,
	`access_token_claims` text NOT NULL,
	`id_token_claims` text NOT NULL,
	`auth_time` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`spent_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`client_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `mfa_tokens_expires_at` ON `mfa_tokens` (`expires_at`);--> statement-breakpoint
ALTER TABLE `refresh_token_families` ADD `amr` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `tenant_settings` ADD `mfa_policies` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `tenant_settings` ADD `otp_enabled` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `tenant_settings` ADD `recovery_code_enabled` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `tenant_settings` ADD `development_mfa_key` text;