import { readFileSync } from "node:fs";
import { join } from "node:path";
import { count, max } from "drizzle-orm";
import { bigint, pgSchema } from "drizzle-orm/pg-core";
import { integer, sqliteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "./database.ts";
import { PG_MIGRATIONS_FOLDER } from "./postgres.ts";
import { MIGRATIONS_FOLDER } from "./sqlite.ts";

/**
 * Drizzle's record of applied migrations (a table of SQLite's file, PostgreSQL's `drizzle`
 * schema): one row each, with when it was generated (its journal's `when`, in ms).
 */
const sqliteMigrations = sqliteTable("__drizzle_migrations", { createdAt: integer("created_at") });
const pgMigrations = pgSchema("drizzle").table("__drizzle_migrations", {
  createdAt: bigint("created_at", { mode: "number" }),
});

interface JournalEntry {
  tag: string;
  when: number;
}

/** The migrations drizzle-kit generated for an engine (its journal), read once. */
const journal = (folder: string) =>
  (JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8")) as { entries: JournalEntry[] })
    .entries;

const shipped = { sqlite: journal(MIGRATIONS_FOLDER), postgres: journal(PG_MIGRATIONS_FOLDER) };

/** How many migrations the database has applied, and when the newest of them was generated. */
async function appliedMigrations(db: Db): Promise<{ applied: number; latest: number }> {
  const table = db.engine === "postgres" ? pgMigrations : sqliteMigrations;
  const [row] = await db.orm
    .select({ latest: max(table.createdAt), applied: count() })
    .from(table as typeof sqliteMigrations);
  return { applied: row?.applied ?? 0, latest: Number(row?.latest ?? 0) };
}

/**
 * Whether every migration this code ships is applied to the database: one cheap query, so a
 * node on a database another node has not yet migrated (or that has lost its schema) says so.
 * @throws the driver's error when the database does not answer
 */
export async function migrationsApplied(db: Db): Promise<boolean> {
  return (await appliedMigrations(db)).applied >= shipped[db.engine].length;
}

/**
 * Why this code must not run on the database, when the database has a migration newer than
 * the last one this code ships (a newer Rulegate migrated it, and this one was started by
 * mistake, or rolled back): its tables may differ from what every query here expects.
 * Drizzle's migrator applies only migrations newer than the last applied one, so it leaves
 * such a database as it is. @returns the reason in one line, or undefined when all is well
 */
export async function newerSchemaReason(db: Db): Promise<string | undefined> {
  const { applied, latest } = await appliedMigrations(db);
  const entries = shipped[db.engine];
  const last = entries.at(-1)!;
  if (latest <= last.when) return undefined;
  return (
    `the database's schema is newer than this version of Rulegate: its latest migration dates from ` +
    `${new Date(latest).toISOString()} (${applied} applied), this version knows ${entries.length} ` +
    `migrations up to ${last.tag} (${new Date(last.when).toISOString()}); run the newer version`
  );
}
