-- The configuration's version (src/db/config-cache.ts): every insert, update or delete on a
-- configuration table raises it, in the same transaction as the change, whoever makes the
-- change (the Management API, the CLI, an import, a hand-written statement). A token request
-- reads it once and keeps using the rows it holds in memory while it has not moved.
INSERT INTO `config_version` (`id`, `version`) VALUES (1, 0) ON CONFLICT DO NOTHING;
--> statement-breakpoint
CREATE TRIGGER `tenant_settings_config_insert` AFTER INSERT ON `tenant_settings` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `tenant_settings_config_update` AFTER UPDATE ON `tenant_settings` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `tenant_settings_config_delete` AFTER DELETE ON `tenant_settings` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `clients_config_insert` AFTER INSERT ON `clients` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `clients_config_update` AFTER UPDATE ON `clients` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `clients_config_delete` AFTER DELETE ON `clients` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `client_grants_config_insert` AFTER INSERT ON `client_grants` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `client_grants_config_update` AFTER UPDATE ON `client_grants` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `client_grants_config_delete` AFTER DELETE ON `client_grants` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `resource_servers_config_insert` AFTER INSERT ON `resource_servers` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `resource_servers_config_update` AFTER UPDATE ON `resource_servers` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `resource_servers_config_delete` AFTER DELETE ON `resource_servers` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `signing_keys_config_insert` AFTER INSERT ON `signing_keys` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `signing_keys_config_update` AFTER UPDATE ON `signing_keys` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `signing_keys_config_delete` AFTER DELETE ON `signing_keys` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `rules_config_insert` AFTER INSERT ON `rules` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `rules_config_update` AFTER UPDATE ON `rules` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `rules_config_delete` AFTER DELETE ON `rules` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `rule_secrets_config_insert` AFTER INSERT ON `rule_secrets` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `rule_secrets_config_update` AFTER UPDATE ON `rule_secrets` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `rule_secrets_config_delete` AFTER DELETE ON `rule_secrets` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `auth0_rules_config_insert` AFTER INSERT ON `auth0_rules` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `auth0_rules_config_update` AFTER UPDATE ON `auth0_rules` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `auth0_rules_config_delete` AFTER DELETE ON `auth0_rules` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `actions_config_insert` AFTER INSERT ON `actions` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `actions_config_update` AFTER UPDATE ON `actions` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `actions_config_delete` AFTER DELETE ON `actions` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `action_versions_config_insert` AFTER INSERT ON `action_versions` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `action_versions_config_update` AFTER UPDATE ON `action_versions` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `action_versions_config_delete` AFTER DELETE ON `action_versions` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `action_triggers_config_insert` AFTER INSERT ON `action_triggers` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `action_triggers_config_update` AFTER UPDATE ON `action_triggers` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `action_triggers_config_delete` AFTER DELETE ON `action_triggers` BEGIN UPDATE `config_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
