-- The configuration's version (src/db/config-cache.ts): every change to a configuration table
-- raises it, in the same transaction as the change, whoever makes the change (any node, the
-- CLI, an import, a hand-written statement). A token request reads it once and keeps using
-- the rows it holds in memory while it has not moved. The row triggers are deferred to the
-- commit, so a transaction takes the counter's row lock last: two transactions that change
-- configuration tables in different orders cannot deadlock on it. TRUNCATE's trigger cannot
-- be deferred: a transaction that truncates a configuration table and then changes another
-- may deadlock with a concurrent change, and PostgreSQL then aborts one of the two (its
-- commit fails; nothing acknowledged is lost). Truncate in a transaction of its own.
INSERT INTO "config_version" ("id", "version") VALUES (1, 0) ON CONFLICT DO NOTHING;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION rulegate_config_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE config_version SET version = version + 1 WHERE id = 1;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "tenant_settings_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "tenant_settings" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE TRIGGER "tenant_settings_config_truncated" AFTER TRUNCATE ON "tenant_settings" FOR EACH STATEMENT EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "clients_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "clients" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE TRIGGER "clients_config_truncated" AFTER TRUNCATE ON "clients" FOR EACH STATEMENT EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "client_grants_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "client_grants" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE TRIGGER "client_grants_config_truncated" AFTER TRUNCATE ON "client_grants" FOR EACH STATEMENT EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "resource_servers_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "resource_servers" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE TRIGGER "resource_servers_config_truncated" AFTER TRUNCATE ON "resource_servers" FOR EACH STATEMENT EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "signing_keys_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "signing_keys" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE TRIGGER "signing_keys_config_truncated" AFTER TRUNCATE ON "signing_keys" FOR EACH STATEMENT EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "rules_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "rules" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE TRIGGER "rules_config_truncated" AFTER TRUNCATE ON "rules" FOR EACH STATEMENT EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "rule_secrets_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "rule_secrets" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE TRIGGER "rule_secrets_config_truncated" AFTER TRUNCATE ON "rule_secrets" FOR EACH STATEMENT EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "auth0_rules_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "auth0_rules" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE TRIGGER "auth0_rules_config_truncated" AFTER TRUNCATE ON "auth0_rules" FOR EACH STATEMENT EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "actions_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "actions" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE TRIGGER "actions_config_truncated" AFTER TRUNCATE ON "actions" FOR EACH STATEMENT EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "action_versions_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "action_versions" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE TRIGGER "action_versions_config_truncated" AFTER TRUNCATE ON "action_versions" FOR EACH STATEMENT EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "action_triggers_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "action_triggers" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rulegate_config_changed();
--> statement-breakpoint
CREATE TRIGGER "action_triggers_config_truncated" AFTER TRUNCATE ON "action_triggers" FOR EACH STATEMENT EXECUTE FUNCTION rulegate_config_changed();
