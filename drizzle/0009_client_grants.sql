CREATE TABLE `client_grants` (
	`id` text PRIMARY KEY NOT NULL,
	`client_id` text NOT NULL,
	`audience` text NOT NULL,
	`scope` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`client_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `client_grants_client_audience` ON `client_grants` (`client_id`,`audience`);--> statement-breakpoint
CREATE INDEX `client_grants_audience` ON `client_grants` (`audience`);