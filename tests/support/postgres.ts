import { createHash } from "node:crypto";
import postgres from "postgres";

/**
 * The PostgreSQL server the storage-dependent suites run against when `TEST_DATABASE_URL`
 * is set (scripts/test-postgres.sh creates a fresh database for the run). Unset, they run on
 * SQLite.
 */
export const testDatabaseUrl = (): string | undefined => process.env.TEST_DATABASE_URL || undefined;

/**
 * The database a test gets for the SQLite path it would have used: the run's database name
 * plus a digest of the path, so a test that restarts a server "on the same file" restarts it
 * on the same database, and every test's database shares the run's prefix.
 */
export function postgresUrlFor(baseUrl: string, dbPath: string): string {
  const url = new URL(baseUrl);
  const digest = createHash("sha256").update(dbPath).digest("hex").slice(0, 16);
  url.pathname = `/${url.pathname.slice(1)}_${digest}`;
  return url.toString();
}

const databaseName = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

/** Runs `work` on a connection to the run's own database (to create or drop others). */
async function onBase<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(testDatabaseUrl()!, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}

/**
 * The environment that puts a server or harness on PostgreSQL when the run asks for it
 * (creating the test's database if it is not there yet); empty on a SQLite run.
 */
export async function databaseEnv(dbPath: string): Promise<Record<string, string>> {
  const base = testDatabaseUrl();
  if (!base) return {};
  const url = postgresUrlFor(base, dbPath);
  await onBase(async (sql) => {
    const [exists] = await sql`select 1 from pg_database where datname = ${databaseName(url)}`;
    if (!exists) await sql`create database ${sql(databaseName(url))}`;
  });
  return { DATABASE_URL: url };
}

/** Drops a test's database (from {@link databaseEnv}), closing whatever still uses it. */
export async function dropTestDatabase(url: string): Promise<void> {
  await onBase((sql) => sql`drop database if exists ${sql(databaseName(url))} with (force)`);
}
