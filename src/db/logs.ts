import { and, asc, count, desc, eq, gt, gte, lt, lte, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { type Db, first, preparedQuery, type Tables } from "./database.ts";
import type { Page } from "./page.ts";
import type { LogRow } from "./schema.ts";
import { searchCondition } from "./search-condition.ts";

/** A log event before it is stored (the store adds `seq`). */
export type NewLog = Omit<LogRow, "seq">;

/** A log event with what it must have, and null for every field it leaves out. */
export const newLog = (
  event: Pick<NewLog, "logId" | "date" | "type" | "description"> & Partial<NewLog>,
): NewLog => ({
  ip: null,
  userAgent: null,
  clientId: null,
  clientName: null,
  userId: null,
  userName: null,
  audience: null,
  scope: null,
  requestId: null,
  details: null,
  ...event,
});

/** The log search filters (Auth0's `GET /api/v2/logs` fields): exact matches and a date range. */
export interface LogFilters {
  type?: string;
  userId?: string;
  clientId?: string;
  requestId?: string;
  from?: Date;
  to?: Date;
  /** A search condition (`logSearch`). */
  search?: SQL;
}

/**
 * The condition of Auth0's search query `q` over log events.
 * @throws SearchSyntaxError for bad or unsupported syntax and unknown fields
 */
export function logSearch(db: Db, q: string): SQL {
  const { logs } = db.tables;
  const text = (column: SQLWrapper) => ({ kind: "text" as const, column });
  return searchCondition(db, q, {
    fields: {
      log_id: text(logs.logId),
      type: text(logs.type),
      date: { kind: "date", column: logs.date },
      description: text(logs.description),
      ip: text(logs.ip),
      user_agent: text(logs.userAgent),
      client_id: text(logs.clientId),
      client_name: text(logs.clientName),
      user_id: text(logs.userId),
      user_name: text(logs.userName),
      audience: text(logs.audience),
      scope: text(logs.scope),
      request_id: text(logs.requestId),
    },
    json: { details: { column: logs.details, wildcards: true } },
    bare: ["description", "user_name", "client_name"],
  });
}

function where(logs: Tables["logs"], filters: LogFilters): SQL | undefined {
  return and(
    filters.type === undefined ? undefined : eq(logs.type, filters.type),
    filters.userId === undefined ? undefined : eq(logs.userId, filters.userId),
    filters.clientId === undefined ? undefined : eq(logs.clientId, filters.clientId),
    filters.requestId === undefined ? undefined : eq(logs.requestId, filters.requestId),
    filters.from === undefined ? undefined : gte(logs.date, filters.from),
    filters.to === undefined ? undefined : lte(logs.date, filters.to),
    filters.search,
  );
}

/** Every column of a new event, each a placeholder of the same name. */
const LOG_FIELDS = [
  "logId",
  "date",
  "type",
  "description",
  "ip",
  "userAgent",
  "clientId",
  "clientName",
  "userId",
  "userName",
  "audience",
  "scope",
  "requestId",
  "details",
] as const satisfies readonly (keyof NewLog)[];

const logInsert = preparedQuery<LogRow, Record<(typeof LOG_FIELDS)[number], unknown>>(
  "insert_log",
  ({ orm, tables: { logs } }) =>
    orm
      .insert(logs)
      .values(
        Object.fromEntries(
          LOG_FIELDS.map((field) => [
            field,
            // `details` is encoded here (Drizzle would encode a null as JSON `null`): a
            // missing one stays SQL NULL, as an event stored by the query builder.
            field === "details" ? sql`${sql.placeholder(field)}` : sql.placeholder(field),
          ]),
        ) as never,
      )
      .returning(),
);

/** Stores one event (every token request stores one: a statement prepared once). */
export async function insertLog(db: Db, event: NewLog): Promise<LogRow> {
  const values = Object.fromEntries(LOG_FIELDS.map((field) => [field, event[field] ?? null])) as Record<
    (typeof LOG_FIELDS)[number],
    unknown
  >;
  values.details = event.details ? JSON.stringify(event.details) : null;
  const [row] = await logInsert(db, values);
  if (!row) throw new Error("log insert returned nothing");
  return row;
}

/**
 * Newest first, unless `order` is `"oldest"` (Auth0's `sort=date:1`), by the events' dates:
 * on PostgreSQL, events recorded at the same moment on different connections may be stored
 * (`seq`) in another order than they happened; `seq` breaks ties.
 */
export async function listLogs(
  db: Db,
  filters: LogFilters,
  { page, perPage }: Page,
  order: "newest" | "oldest" = "newest",
): Promise<LogRow[]> {
  const { logs } = db.tables;
  return await db.orm
    .select()
    .from(logs)
    .where(where(logs, filters))
    .orderBy(...(order === "oldest" ? [asc(logs.date), asc(logs.seq)] : [desc(logs.date), desc(logs.seq)]))
    .limit(perPage)
    .offset(page * perPage);
}

export async function countLogs(db: Db, filters: LogFilters): Promise<number> {
  const { logs } = db.tables;
  const row = await first(db.orm.select({ total: count() }).from(logs).where(where(logs, filters)).limit(1));
  return row?.total ?? 0;
}

export async function findLog(db: Db, logId: string): Promise<LogRow | undefined> {
  const { logs } = db.tables;
  return await first(db.orm.select().from(logs).where(eq(logs.logId, logId)).limit(1));
}

/** Events after `seq` up to `upTo`, oldest first: what a live stream has not sent yet. */
export async function logsAfter(
  db: Db,
  seq: number,
  filters: LogFilters,
  limit: number,
  upTo = Number.MAX_SAFE_INTEGER,
): Promise<LogRow[]> {
  const { logs } = db.tables;
  return await db.orm
    .select()
    .from(logs)
    .where(and(gt(logs.seq, seq), lte(logs.seq, upTo), where(logs, filters)))
    .orderBy(logs.seq)
    .limit(limit);
}

/** The `seq`s (and dates) stored after `seq`, whatever their event, oldest first. */
export async function logSeqsAfter(
  db: Db,
  seq: number,
  limit: number,
): Promise<Array<{ seq: number; date: Date }>> {
  const { logs } = db.tables;
  return await db.orm
    .select({ seq: logs.seq, date: logs.date })
    .from(logs)
    .where(gt(logs.seq, seq))
    .orderBy(logs.seq)
    .limit(limit);
}

/** The newest `seq`, 0 when there is none. */
export async function latestLogSeq(db: Db): Promise<number> {
  const { logs } = db.tables;
  const row = await first(db.orm.select({ seq: logs.seq }).from(logs).orderBy(desc(logs.seq)).limit(1));
  return row?.seq ?? 0;
}

/** Deletes events older than `before`; returns how many. */
export async function pruneLogs(db: Db, before: Date): Promise<number> {
  const { logs } = db.tables;
  const deleted = await db.orm.delete(logs).where(lt(logs.date, before)).returning({ seq: logs.seq });
  return deleted.length;
}
