import { type SQL, sql } from "drizzle-orm";
import type { Db } from "./database.ts";
import { ADVISORY_LOCK } from "./postgres.ts";

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
 * A point in time as a placeholder of a prepared statement (`preparedQuery`, src/db/database.ts), filled
 * with {@link timeParam}: the same encoding as {@link timeValue}.
 */
export const timePlaceholder = (db: Db, name: string): SQL =>
  db.engine === "postgres" ? sql`${sql.placeholder(name)}::timestamptz` : sql`${sql.placeholder(name)}`;

/** The value of a {@link timePlaceholder}. */
export const timeParam = (db: Db, at: Date): string | number =>
  db.engine === "postgres" ? at.toISOString() : at.getTime();

/**
 * `column` with `patch` merged in as an RFC 7396 merge patch of a flat string map: a `null`
 * value removes that key (SQLite's json_patch; on PostgreSQL `||` then the nulls stripped).
 */
export const mergeJsonPatch = (db: Db, column: SQL | unknown, patch: Record<string, string | null>): SQL =>
  db.engine === "postgres"
    ? sql`jsonb_strip_nulls(${column} || ${JSON.stringify(patch)}::jsonb)`
    : sql`json_patch(${column}, ${JSON.stringify(patch)})`;

/** How many paths one call of SQLite's json_remove / json_set takes here (its functions take at most 127 arguments). */
const SQLITE_JSON_PATHS_PER_CALL = 50;

/** Splits `items` into runs of at most `size`. */
const runsOf = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, run) =>
    items.slice(run * size, (run + 1) * size),
  );

/** SQLite's path to the top-level key `key`: its label quoted as a JSON string, so any key is safe. */
const sqliteKeyPath = (key: string) => `$.${JSON.stringify(key)}`;

/**
 * `column` (a JSON object) with `changes` merged in as Auth0 merges metadata on PATCH: each
 * top-level key is replaced by its new value whole (nested objects are not merged, and nulls
 * inside a value stay), and a key set to `null` is removed. On SQLite json_remove then
 * json_set, on PostgreSQL `-` then `||`: one expression, so the merge happens in the UPDATE
 * itself, on the row as it is then.
 */
export const mergeTopLevel = (db: Db, column: SQL | unknown, changes: Record<string, unknown>): SQL => {
  const entries = Object.entries(changes);
  const removed = entries.filter(([, value]) => value === null).map(([key]) => key);
  const replaced = entries.filter(([, value]) => value !== null);
  if (db.engine === "postgres") {
    const kept = removed.length > 0 ? sql`(${column} - ${pgPath(removed)}::text[])` : sql`${column}`;
    return replaced.length > 0
      ? sql`(${kept} || ${JSON.stringify(Object.fromEntries(replaced))}::jsonb)`
      : kept;
  }
  let merged = sql`${column}`;
  for (const keys of runsOf(removed, SQLITE_JSON_PATHS_PER_CALL)) {
    merged = sql`json_remove(${merged}, ${sql.join(
      keys.map((key) => sql`${sqliteKeyPath(key)}`),
      sql`, `,
    )})`;
  }
  for (const pairs of runsOf(replaced, SQLITE_JSON_PATHS_PER_CALL)) {
    merged = sql`json_set(${merged}, ${sql.join(
      pairs.map(([key, value]) => sql`${sqliteKeyPath(key)}, json(${JSON.stringify(value)})`),
      sql`, `,
    )})`;
  }
  return merged;
};

/**
 * The length in characters of a JSON value's text: SQLite's minified text (what
 * `JSON.stringify` gives), PostgreSQL's `jsonb` text, which adds a space after each `:` and
 * `,` and so counts a little more.
 */
export const jsonTextLength = (db: Db, json: SQL): SQL<number> =>
  db.engine === "postgres" ? sql<number>`length((${json})::text)` : sql<number>`length(${json})`;

/**
 * Runs `work` on one node at a time: on PostgreSQL inside a transaction holding the
 * transaction-level advisory lock `lock`, skipped (undefined) when another node holds it; on
 * SQLite directly (one process serves the file, and its write lock orders writers anyway).
 */
export async function onOneNodeAtATime<T>(
  db: Db,
  lock: number,
  work: (db: Db) => Promise<T>,
): Promise<T | undefined> {
  if (db.engine !== "postgres") return await work(db);
  return await db.transaction(async (tx) => {
    const orm = tx.orm as unknown as { execute(query: SQL): Promise<Array<{ locked: boolean }>> };
    const [row] = await orm.execute(
      sql`select pg_try_advisory_xact_lock(${ADVISORY_LOCK.namespace}, ${lock}) as locked`,
    );
    return row?.locked ? await work(tx) : undefined;
  });
}

/**
 * The locking clause of a claim's subquery: on PostgreSQL the row is locked and rows other
 * nodes hold are skipped, so concurrent claims pick different rows without waiting; SQLite
 * has no row locks (and needs none: one UPDATE is atomic against its one writer).
 */
export const forUpdateSkipLocked = (db: Db): SQL =>
  db.engine === "postgres" ? sql` for update skip locked` : sql``;

/**
 * Runs `work` once no other node runs work under `lock`: on PostgreSQL inside a transaction
 * that waits for the transaction-level advisory lock; on SQLite directly (the caller orders
 * its own process's work).
 */
export async function exclusively<T>(db: Db, lock: number, work: (db: Db) => Promise<T>): Promise<T> {
  if (db.engine !== "postgres") return await work(db);
  return await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${ADVISORY_LOCK.namespace}, ${lock})`);
    return await work(tx);
  });
}

/** A JSON path below a JSON column, as plain keys (`["plan", "tier"]` for `.plan.tier`). */
export type JsonPath = readonly string[];

/** SQLite's path literal for `path`, every key quoted: `$."plan"."tier"`. */
const sqlitePath = (path: JsonPath) => `$${path.map((key) => `."${key.replace(/"/g, '""')}"`).join("")}`;
/** PostgreSQL's text[] path literal for `path`, every key quoted: `{"plan","tier"}`. */
const pgPath = (path: JsonPath) =>
  `{${path.map((key) => `"${key.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`;

/**
 * The value at `path` in a JSON column as text (`'true'`, `'42'`, `'gold'`), or NULL when
 * there is none: SQLite's json_extract (with booleans spelled out as PostgreSQL spells them),
 * PostgreSQL's `#>>`.
 */
export const jsonText = (db: Db, column: SQL | unknown, path: JsonPath): SQL =>
  db.engine === "postgres"
    ? sql`(${column} #>> ${pgPath(path)}::text[])`
    : sql`(case json_type(${column}, ${sqlitePath(path)}) when 'true' then 'true' when 'false' then 'false' else cast(json_extract(${column}, ${sqlitePath(path)}) as text) end)`;

/** Whether the value at `path` in a JSON column is an array holding the string `value`. */
export const jsonArrayHas = (db: Db, column: SQL | unknown, path: JsonPath, value: string): SQL =>
  db.engine === "postgres"
    ? sql`(jsonb_typeof(${column} #> ${pgPath(path)}::text[]) = 'array' and (${column} #> ${pgPath(path)}::text[]) @> jsonb_build_array(${value}::text))`
    : sql`(json_type(${column}, ${sqlitePath(path)}) = 'array' and exists (select 1 from json_each(${column}, ${sqlitePath(path)}) as element where element.type = 'text' and element.value = ${value}))`;

/** Whether a JSON column has a non-null value at `path`. */
export const jsonHas = (db: Db, column: SQL | unknown, path: JsonPath): SQL =>
  db.engine === "postgres"
    ? sql`(coalesce(jsonb_typeof(${column} #> ${pgPath(path)}::text[]), 'null') <> 'null')`
    : sql`(coalesce(json_type(${column}, ${sqlitePath(path)}), 'null') <> 'null')`;

/**
 * Whether the text `expression` starts with `prefix`, case-sensitively on both engines, in a
 * form each engine's planner can answer from a plain index on the expression: on SQLite a
 * range (its BINARY collation orders UTF-8 bytes, and U+10FFFF sorts after every character),
 * on PostgreSQL `LIKE` with the prefix's wildcards escaped.
 */
export const startsWith = (db: Db, expression: SQL | unknown, prefix: string): SQL =>
  db.engine === "postgres"
    ? sql`(${expression} like ${`${prefix.replace(/[\\%_]/g, (char) => `\\${char}`)}%`})`
    : sql`(${expression} >= ${prefix} and ${expression} < ${`${prefix}\u{10FFFF}`})`;

/**
 * Whether `column`, a JSON array of objects, holds one whose `id` is `id` (an action's
 * supported triggers): SQLite's json_each, PostgreSQL's jsonb containment.
 */
export const jsonArrayHasId = (db: Db, column: SQL | unknown, id: string): SQL =>
  db.engine === "postgres"
    ? sql`${column} @> ${JSON.stringify([{ id }])}::jsonb`
    : sql`exists (select 1 from json_each(${column}) where json_extract(value, '$.id') = ${id})`;
