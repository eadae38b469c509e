import { and, asc, count, desc, eq, gt, gte, lt, lte, type SQL } from "drizzle-orm";
import type { Db } from "./database.ts";
import type { Page } from "./page.ts";
import { type LogRow, logs } from "./schema.ts";

/** A log event before it is stored (the store adds `seq`). */
export type NewLog = Omit<LogRow, "seq">;

/** The log search filters (Auth0's `GET /api/v2/logs` fields): exact matches and a date range. */
export interface LogFilters {
  type?: string;
  userId?: string;
  clientId?: string;
  requestId?: string;
  from?: Date;
  to?: Date;
}

function where(filters: LogFilters): SQL | undefined {
  return and(
    filters.type === undefined ? undefined : eq(logs.type, filters.type),
    filters.userId === undefined ? undefined : eq(logs.userId, filters.userId),
    filters.clientId === undefined ? undefined : eq(logs.clientId, filters.clientId),
    filters.requestId === undefined ? undefined : eq(logs.requestId, filters.requestId),
    filters.from === undefined ? undefined : gte(logs.date, filters.from),
    filters.to === undefined ? undefined : lte(logs.date, filters.to),
  );
}

export async function insertLog(db: Db, event: NewLog): Promise<LogRow> {
  const row = await db.insert(logs).values(event).returning().get();
  if (!row) throw new Error("log insert returned nothing");
  return row;
}

/** Newest first, unless `order` is `"oldest"` (Auth0's `sort=date:1`). */
export async function listLogs(
  db: Db,
  filters: LogFilters,
  { page, perPage }: Page,
  order: "newest" | "oldest" = "newest",
): Promise<LogRow[]> {
  return await db
    .select()
    .from(logs)
    .where(where(filters))
    .orderBy(order === "oldest" ? asc(logs.seq) : desc(logs.seq))
    .limit(perPage)
    .offset(page * perPage)
    .all();
}

export async function countLogs(db: Db, filters: LogFilters): Promise<number> {
  const row = await db.select({ total: count() }).from(logs).where(where(filters)).get();
  return row?.total ?? 0;
}

export async function findLog(db: Db, logId: string): Promise<LogRow | undefined> {
  return await db.select().from(logs).where(eq(logs.logId, logId)).get();
}

/** Events after `seq`, oldest first: what a live stream has not sent yet. */
export async function logsAfter(db: Db, seq: number, filters: LogFilters, limit: number): Promise<LogRow[]> {
  return await db
    .select()
    .from(logs)
    .where(and(gt(logs.seq, seq), where(filters)))
    .orderBy(logs.seq)
    .limit(limit)
    .all();
}

/** The newest `seq`, 0 when there is none. */
export async function latestLogSeq(db: Db): Promise<number> {
  const row = await db.select({ seq: logs.seq }).from(logs).orderBy(desc(logs.seq)).limit(1).get();
  return row?.seq ?? 0;
}

/** Deletes events older than `before`; returns how many. */
export async function pruneLogs(db: Db, before: Date): Promise<number> {
  const deleted = await db.delete(logs).where(lt(logs.date, before)).returning({ seq: logs.seq }).all();
  return deleted.length;
}
