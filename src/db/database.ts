import type { SQL } from "drizzle-orm";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type * as schema from "./schema.ts";

/** The storage engines: SQLite embedded in the process (the default), or PostgreSQL for many nodes. */
export type Engine = "sqlite" | "postgres";

/** The tables a query module reads and writes (src/db/schema.ts, or its PostgreSQL twin src/db/pg-schema.ts). */
export type Tables = typeof schema;

/**
 * Drizzle over the engine's driver. It is typed with the SQLite dialect, but the query modules
 * use only the query builder both dialects share (select, insert … on conflict, update, delete,
 * returning), always awaited and never `.get()`, `.all()` or `.run()` (SQLite-only;
 * tests/tooling/shared-query-builder.test.ts checks), so one module serves both engines; the few SQL fragments that differ
 * are in src/db/dialect.ts.
 */
export type Orm = BaseSQLiteDatabase<"async", unknown, Tables>;

/**
 * The handle every query module takes: the engine, its Drizzle instance and its tables. The
 * same query module and the same tests (the storage suites run again on PostgreSQL with
 * `TEST_DATABASE_URL`: scripts/test-postgres.sh), either engine.
 */
export interface Db {
  engine: Engine;
  orm: Orm;
  tables: Tables;
  /**
   * Runs `work` in one transaction: all its statements are stored, or none. On PostgreSQL it
   * has its own pooled connection; SQLite's one connection is shared by the process, so there
   * call it only where nothing else uses the database meanwhile (start-up, the CLI).
   */
  transaction<T>(work: (tx: Db) => Promise<T>): Promise<T>;
  /** Runs one raw statement (for the few that have no query-builder form). */
  execute(statement: SQL): Promise<void>;
  /**
   * PostgreSQL only: calls `onNotify` on every NOTIFY on `channel` from any node (and once
   * after a lost listening connection is back, since notifications may have been missed).
   * Absent on SQLite, where one process serves the file.
   * @returns the function that stops listening
   */
  listen?(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  /**
   * PostgreSQL only: the pool's size and the queries and transactions in progress on it (for
   * `/metrics`). Absent on SQLite: one connection, and its queries never overlap.
   */
  poolUse?(): { maxConnections: number; inUse: number };
  /**
   * On the handle of a configuration cache only (src/db/config-cache.ts): where the
   * configuration queries (see {@link preparedQuery}) find the rows kept in memory.
   */
  configRows?: ConfigRows;
}

/** The rows a configuration cache keeps, and the handle it reads them through. */
export interface ConfigRows {
  readonly base: Db;
  /** The rows kept under `key`, read with `load` (once, shared by concurrent callers) if none are. */
  read(key: string, load: () => Promise<unknown[]>): Promise<unknown[]>;
}

/** An open database: the handle and a way to close it. */
export interface Database {
  db: Db;
  close(): Promise<void>;
}

/** The first row of a query's rows (what SQLite's `.get()` gives, on either engine). */
export async function first<T>(rows: Promise<T[]> | PromiseLike<T[]>): Promise<T | undefined> {
  return (await rows)[0];
}

/** What Drizzle's `.prepare()` gives on either engine: run it with the placeholders' values. */
interface PreparedQuery {
  execute(values: Record<string, unknown>): PromiseLike<unknown>;
}

/**
 * Every configuration query (see {@link preparedQuery}) by name, with its builder: a test
 * checks that each reads only tables whose changes raise the configuration's version.
 */
export const CONFIGURATION_QUERIES = new Map<string, (db: Db) => unknown>();

/**
 * A hot-path query built once per database handle and kept prepared (Drizzle's `.prepare()`,
 * with `sql.placeholder` for its values). Building a query is most of its cost on the
 * client: on PostgreSQL a primary-key select took ≈ 165 µs of CPU built each time and
 * ≈ 70 µs prepared. `build` gets the handle's tables; each handle (a transaction's too) keeps
 * its own. A `configuration` query reads only configuration tables (those whose changes raise
 * the configuration's version): on a configuration cache's handle its rows come from memory.
 */
export function preparedQuery<Row, Values extends Record<string, unknown>>(
  name: string,
  build: (db: Db) => { prepare(name: string): PreparedQuery },
  options: { configuration?: boolean } = {},
): (db: Db, values: Values) => Promise<Row[]> {
  const prepared = new WeakMap<Db, PreparedQuery>();
  if (options.configuration) CONFIGURATION_QUERIES.set(name, build);
  const run = async (db: Db, values: Values): Promise<Row[]> => {
    // A configuration query on a configuration cache's handle: the rows kept in memory.
    const kept = options.configuration ? db.configRows : undefined;
    if (kept) {
      const key = `${name}\u0000${JSON.stringify(values)}`;
      return (await kept.read(key, () => run(kept.base, values))) as Row[];
    }
    let query = prepared.get(db);
    if (!query) {
      query = build(db).prepare(name);
      prepared.set(db, query);
    }
    return (await query.execute(values)) as Row[];
  };
  return run;
}
