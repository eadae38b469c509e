CREATE TABLE `logs` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`log_id` text NOT NULL,
	`date` integer NOT NULL,
	`type` text NOT NULL,
	`description` text NOT NULL,
	`ip` text,
	`user_agent` text,
	`client_id` text,
	`client_name` text,
	`user_id` text,
	`user_name` text,
	`audience` text,
	`scope` text,
	`request_id` text,
	`details` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `logs_log_id_unique` ON `logs` (`log_id`);--> statement-breakpoint
CREATE INDEX `logs_date` ON `logs` (`date`);--> statement-breakpoint
CREATE INDEX `logs_type` ON `logs` (`type`);--> statement-breakpoint
CREATE INDEX `logs_user_id` ON `logs` (`user_id`);--> statement-breakpoint
CREATE INDEX `logs_client_id` ON `logs` (`client_id`);--> statement-breakpoint
CREATE INDEX `logs_request_id` ON `logs` (`request_id`);