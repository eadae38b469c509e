CREATE TABLE `ip_failures` (
	`ip` text PRIMARY KEY NOT NULL,
	`window_started_at` integer NOT NULL,
	`failures` integer NOT NULL,
	`blocked_until` integer
);
--> statement-breakpoint
CREATE TABLE `login_failures` (
	`login` text NOT NULL,
	`ip` text NOT NULL,
	`failures` integer NOT NULL,
	`last_failure_at` integer NOT NULL,
	`blocked_at` integer,
	PRIMARY KEY(`login`, `ip`)
);
--> statement-breakpoint
ALTER TABLE `clients` ADD `is_token_endpoint_ip_header_trusted` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `signing_keys` ADD `retire_after` integer;--> statement-breakpoint
ALTER TABLE `tenant_settings` ADD `brute_force_enabled` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `tenant_settings` ADD `brute_force_max_attempts` integer DEFAULT 10 NOT NULL;--> statement-breakpoint
ALTER TABLE `tenant_settings` ADD `ip_max_failures` integer DEFAULT 100 NOT NULL;--> statement-breakpoint
ALTER TABLE `tenant_settings` ADD `ip_block_seconds` integer DEFAULT 900 NOT NULL;