import { readFileSync } from "node:fs";
import { join } from "node:path";
import { count } from "drizzle-orm";
import { pgSchema, serial } from "drizzle-orm/pg-core";
import { integer, sqliteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "./database.ts";
import { PG_MIGRATIONS_FOLDER } from "./postgres.ts";
import { MIGRATIONS_FOLDER } from "./sqlite.ts";

/** Drizzle's record of applied migrations: a table of SQLite's file, PostgreSQL's `drizzle` schema. */
const sqliteMigrations = sqliteTable("__drizzle_migrations", { id: integer("id") });
const pgMigrations = pgSchema("drizzle").table("__drizzle_migrations", { id: serial("id") });

/** How many migrations drizzle-kit generated for an engine (its journal's entries). */
const journalLength = (folder: string) =>
  (JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8")) as { entries: unknown[] }).entries
    .length;

const expected = { sqlite: journalLength(MIGRATIONS_FOLDER), postgres: journalLength(PG_MIGRATIONS_FOLDER) };

/**
 * Whether every migration this code ships is applied to the database: one cheap query, so a
 * node on a database another node has not yet migrated (or that has lost its schema) says so.
 * @throws the driver's error when the database does not answer
 */
export async function migrationsApplied(db: Db): Promise<boolean> {
  const table = db.engine === "postgres" ? pgMigrations : sqliteMigrations;
  const [row] = await db.orm.select({ applied: count() }).from(table as typeof sqliteMigrations);
  return (row?.applied ?? 0) >= expected[db.engine];
}
