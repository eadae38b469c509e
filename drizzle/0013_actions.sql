CREATE TABLE `action_triggers` (
	`trigger_id` text PRIMARY KEY NOT NULL,
	`bindings` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `action_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`action_id` text NOT NULL,
	`number` integer NOT NULL,
	`supported_triggers` text NOT NULL,
	`code` text NOT NULL,
	`runtime` text NOT NULL,
	`dependencies` text NOT NULL,
	`secrets` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`action_id`) REFERENCES `actions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `action_versions_number` ON `action_versions` (`action_id`,`number`);--> statement-breakpoint
CREATE TABLE `actions` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`supported_triggers` text NOT NULL,
	`code` text NOT NULL,
	`runtime` text NOT NULL,
	`dependencies` text NOT NULL,
	`secrets` text NOT NULL,
	`deployed_version_id` text,
	`deployed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `actions_name` ON `actions` (`name`);