import { sql } from "drizzle-orm";
import type { Db } from "./database.ts";

/**
 * Runs `work` in one SQLite write transaction: all its statements are stored, or none.
 *
 * Drizzle's own `transaction()` is synchronous on bun:sqlite, so it cannot await the query
 * modules; plain `BEGIN IMMEDIATE` … `COMMIT` works on Bun's and Deno's drivers alike, and
 * IMMEDIATE takes the write lock at once, so another process on the same file waits
 * (`busy_timeout`) rather than failing halfway. The connection is shared: call it where
 * nothing else uses the database meanwhile (start-up, the CLI).
 */
export async function inTransaction<T>(db: Db, work: () => Promise<T>): Promise<T> {
  await db.run(sql`BEGIN IMMEDIATE`);
  try {
    const result = await work();
    await db.run(sql`COMMIT`);
    return result;
  } catch (error) {
    await db.run(sql`ROLLBACK`);
    throw error;
  }
}
