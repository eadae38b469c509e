import type { Config } from "../config.ts";
import type { Database } from "./database.ts";
import { openPostgres } from "./postgres.ts";
import { MIGRATIONS_FOLDER } from "./sqlite.ts";

/**
 * What opens a SQLite file: the runtime's adapter (src/runtime/), since each runtime has its
 * own SQLite driver. Passed in, so that db/ does not depend on the runtime.
 */
export interface SqliteOpener {
  openSqlite(path: string, migrationsFolder: string): Promise<Database>;
}

/**
 * Opens the configured database and applies its migrations: PostgreSQL when `DATABASE_URL`
 * is set (many nodes, one database), else the SQLite file at `DB_PATH` through the runtime's
 * driver.
 */
export function openDatabase(
  runtime: SqliteOpener,
  config: Pick<
    Config,
    | "dbPath"
    | "databaseUrl"
    | "databasePoolSize"
    | "databaseStatementTimeoutMs"
    | "databaseConnectTimeoutMs"
    | "databaseQueryTimeoutMs"
  >,
  onMigrationLockWait?: () => void,
): Promise<Database> {
  if (config.databaseUrl === undefined) return runtime.openSqlite(config.dbPath, MIGRATIONS_FOLDER);
  return openPostgres({
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    queryTimeoutMs: config.databaseQueryTimeoutMs,
    onMigrationLockWait,
  });
}
