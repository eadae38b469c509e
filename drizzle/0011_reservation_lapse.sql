ALTER TABLE `ip_failures` ADD `reserved_at` integer;--> statement-breakpoint
ALTER TABLE `login_failures` ADD `reserved_at` integer;