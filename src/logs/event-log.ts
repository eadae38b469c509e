import type { Clock } from "../clock.ts";
import type { Db } from "../db/database.ts";
import { insertLog, type NewLog } from "../db/logs.ts";
import type { LogRow } from "../db/schema.ts";
import { randomSecret } from "../security/random-secret.ts";
import type { Logger } from "./logger.ts";
import { redact } from "./redact.ts";

/** Auth0's event codes where one exists, and Rulegate's own for rule output. */
export type LogType =
  | "sepft"
  | "fepft"
  | "sertft"
  | "fertft"
  | "srrt"
  | "limit_wc"
  | "limit_mu"
  | "rule_log"
  | "rule_warning";

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
  /** Called after each event this node stores; returns the unsubscribe function. */
  subscribe(listener: (row: LogRow) => void): () => void;
}

export function createEventLog(db: Db, clock: Clock, log: Logger): EventLog {
  const listeners = new Set<(row: LogRow) => void>();
  return {
    async record(event) {
      try {
        const row = await insertLog(db, {
          logId: `log_${randomSecret(15)}`,
          date: clock.now(),
          ip: null,
          userAgent: null,
          clientId: null,
          clientName: null,
          userId: null,
          userName: null,
          audience: null,
          scope: null,
          requestId: null,
          ...event,
          details: event.details ? redact(event.details) : null,
        });
        for (const listener of listeners) listener(row);
      } catch (error) {
        log.error({ event: "log_store_failed", err: error, type: event.type }, "could not store a log event");
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
