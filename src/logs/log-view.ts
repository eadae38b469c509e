import { t } from "elysia";
import type { LogRow } from "../db/schema.ts";

const Text = t.Union([t.String(), t.Null()]);

/** A log event as the Management API shows it (Auth0's field names). */
export const LogEntry = t.Object({
  log_id: t.String(),
  date: t.String(),
  type: t.String(),
  description: t.String(),
  ip: Text,
  user_agent: Text,
  client_id: Text,
  client_name: Text,
  user_id: Text,
  user_name: Text,
  audience: Text,
  scope: Text,
  request_id: Text,
  details: t.Union([t.Record(t.String(), t.Unknown()), t.Null()]),
});
export type LogEntry = typeof LogEntry.static;

export function logView(row: LogRow): LogEntry {
  return {
    log_id: row.logId,
    date: row.date.toISOString(),
    type: row.type,
    description: row.description,
    ip: row.ip,
    user_agent: row.userAgent,
    client_id: row.clientId,
    client_name: row.clientName,
    user_id: row.userId,
    user_name: row.userName,
    audience: row.audience,
    scope: row.scope,
    request_id: row.requestId,
    details: row.details,
  };
}
