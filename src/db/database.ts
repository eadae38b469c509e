import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type * as schema from "./schema.ts";

/**
 * The Drizzle database every query module takes. Queries are always awaited, so the
 * same modules work on a synchronous driver (bun:sqlite) and an asynchronous one.
 */
export type Db = BaseSQLiteDatabase<"sync" | "async", unknown, typeof schema>;

/** An open database: the Drizzle handle and a way to close the file. */
export interface Database {
  db: Db;
  close(): void;
}
