-- Every statement that stores log events notifies the channel `rulegate_logs`, so the live
-- log stream of every node wakes at once (src/logs/event-log.ts LOG_CHANNEL). NOTIFY is
-- delivered at commit, and identical notifications of one transaction are folded into one.
CREATE OR REPLACE FUNCTION rulegate_logs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('rulegate_logs', '');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER logs_notify AFTER INSERT ON logs FOR EACH STATEMENT EXECUTE FUNCTION rulegate_logs_notify();
