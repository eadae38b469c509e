import { type SQL, sql } from "drizzle-orm";
import type { Db } from "./database.ts";

/**
 * The SQL that differs between the engines, in one place. Everything else in src/db is the
 * query builder both dialects share.
 */

/**
 * A point in time as a value inside a raw SQL fragment: SQLite keeps times as epoch
 * milliseconds, PostgreSQL as `timestamptz`. (The query builder's `eq`, `lte`… encode Date
 * values by the column; a bare value in `sql` needs this.)
 */
export const timeValue = (db: Db, at: Date): SQL =>
  db.engine === "postgres" ? sql`${at.toISOString()}::timestamptz` : sql`${at.getTime()}`;

/**
 * `column` with `patch` merged in as an RFC 7396 merge patch of a flat string map: a `null`
 * value removes that key (SQLite's json_patch; on PostgreSQL `||` then the nulls stripped).
 */
export const mergeJsonPatch = (db: Db, column: SQL | unknown, patch: Record<string, string | null>): SQL =>
  db.engine === "postgres"
    ? sql`jsonb_strip_nulls(${column} || ${JSON.stringify(patch)}::jsonb)`
    : sql`json_patch(${column}, ${JSON.stringify(patch)})`;
