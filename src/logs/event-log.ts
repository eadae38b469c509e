import type { Clock } from "../clock.ts";
import type { Db } from "../db/database.ts";
import { insertLog, type NewLog, newLog } from "../db/logs.ts";
import { randomSecret } from "../security/random-secret.ts";
import type { Logger } from "./logger.ts";
import { redact } from "./redact.ts";

/** Auth0's event codes where one exists, and Rulegate's own for rule output. */
export type LogType =
  | "sepft"
  | "fepft"
  | "sertft"
  | "fertft"
  | "seccft"
  | "feccft"
  | "srrt"
  | "limit_wc"
  | "limit_mu"
  | "rule_log"
  | "rule_warning"
  | "mfar"
  | "seotpft"
  | "feotpft"
  | "sercft"
  | "fercft"
  | "gd_start_enroll"
  | "gd_enrollment_complete"
  | "gd_auth_succeed"
  | "gd_auth_failed"
  | "gd_recovery_succeed"
  | "gd_recovery_failed"
  | "gd_otp_rate_limit_exceed"
  | "gd_unenroll"
  | "ss"
  | "fs"
  | "scpr"
  | "fcpr"
  | "scp"
  | "fcp"
  | "svr"
  | "fvr"
  | "sv"
  | "fv"
  | "fn";

/** What a caller records; the log adds the id and the date. */
export type LogEvent = { type: LogType; description: string } & Partial<
  Omit<NewLog, "logId" | "date" | "type" | "description">
>;

/**
 * The stored event log behind `/api/v2/logs`: SQLite rows plus a wake-up for this node's
 * live streams.
 */
export interface EventLog {
  /** Stores an event; never throws (a failure is reported to the operational log). */
  record(event: LogEvent): Promise<void>;
  /**
   * Calls `listener` after each event this node stores and, on PostgreSQL, after events any
   * node stores (LISTEN on {@link LOG_CHANNEL}); returns the unsubscribe function.
   */
  subscribe(listener: () => void): () => void;
}

/**
 * The NOTIFY channel of stored events: a statement-level trigger on `logs` notifies it
 * (drizzle-pg/0001_log_notify.sql), so storing an event costs no extra round trip.
 */
export const LOG_CHANNEL = "rulegate_logs";

export function createEventLog(db: Db, clock: Clock, log: Logger): EventLog {
  const listeners = new Set<() => void>();
  const wake = () => {
    for (const listener of listeners) listener();
  };
  // One LISTEN per node, from the first subscriber on; the connection is the pool's own.
  let listening: Promise<unknown> | undefined;
  const listenOnce = () => {
    if (listening || !db.listen) return;
    listening = db.listen(LOG_CHANNEL, wake).catch((error) => {
      listening = undefined;
      log.warn({ event: "log_listen_failed", err: error }, "cannot LISTEN for other nodes' events; polling");
    });
  };
  return {
    async record(event) {
      try {
        const stored = newLog({ logId: `log_${randomSecret(15)}`, date: clock.now(), ...event });
        await insertLog(db, { ...stored, details: event.details ? redact(event.details) : null });
        wake();
      } catch (error) {
        log.error({ event: "log_store_failed", err: error, type: event.type }, "could not store a log event");
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      listenOnce();
      return () => listeners.delete(listener);
    },
  };
}
