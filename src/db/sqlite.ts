import { type SQL, sql } from "drizzle-orm";
import type { Db, Orm } from "./database.ts";
import * as schema from "./schema.ts";

/** SQLite's Drizzle instances (bun:sqlite's and sqlite-proxy's) both run raw SQL with `run`. */
export type SqliteOrm = Orm & { run(statement: SQL): unknown };

/**
 * The {@link Db} over a SQLite Drizzle instance (src/runtime opens the file with its runtime's
 * driver). Transactions are plain `BEGIN IMMEDIATE` … `COMMIT`: Drizzle's own `transaction()`
 * is synchronous on bun:sqlite, so it cannot await the query modules, and IMMEDIATE takes the
 * write lock at once, so another process on the same file waits (`busy_timeout`) rather than
 * failing halfway. The connection is shared by the process: nested or concurrent transactions
 * are not possible on it.
 */
export function sqliteDb(orm: SqliteOrm): Db {
  const db: Db = {
    engine: "sqlite",
    orm,
    tables: schema,
    async execute(statement) {
      await orm.run(statement);
    },
    async transaction(work) {
      await orm.run(sql`BEGIN IMMEDIATE`);
      try {
        const result = await work(db);
        await orm.run(sql`COMMIT`);
        return result;
      } catch (error) {
        await orm.run(sql`ROLLBACK`);
        throw error;
      }
    },
  };
  return db;
}
