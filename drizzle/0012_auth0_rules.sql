CREATE TABLE `auth0_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`script` text NOT NULL,
	`rule_order` integer NOT NULL,
	`enabled` integer NOT NULL,
	`stage` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `auth0_rules_name` ON `auth0_rules` (`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `auth0_rules_order` ON `auth0_rules` (`rule_order`);