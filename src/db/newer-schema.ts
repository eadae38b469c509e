import { readFileSync } from "node:fs";
import { join } from "node:path";
import { count, max } from "drizzle-orm";
import { bigint, pgSchema } from "drizzle-orm/pg-core";
import { integer, sqliteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "./database.ts";
import { PG_MIGRATIONS_FOLDER } from "./postgres.ts";
import { MIGRATIONS_FOLDER } from "./sqlite.ts";

/** Drizzle's record of applied migrations: when each was generated (its journal's `when`, in ms). */
const sqliteMigrations = sqliteTable("__drizzle_migrations", { createdAt: integer("created_at") });
const pgMigrations = pgSchema("drizzle").table("__drizzle_migrations", {
  createdAt: bigint("created_at", { mode: "number" }),
});

interface JournalEntry {
  tag: string;
  when: number;
}

/** The last migration drizzle-kit generated for an engine, and how many there are. */
function lastShipped(folder: string): { entry: JournalEntry; count: number } {
  const { entries } = JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8")) as {
    entries: JournalEntry[];
  };
  return { entry: entries.at(-1)!, count: entries.length };
}

const shipped = { sqlite: lastShipped(MIGRATIONS_FOLDER), postgres: lastShipped(PG_MIGRATIONS_FOLDER) };

/**
 * Why this code must not run on the database, when the database has a migration newer than
 * the last one this code ships (a newer Rulegate migrated it, and this one was started by
 * mistake, or rolled back): its tables may differ from what every query here expects.
 * Drizzle's migrator applies only migrations newer than the last applied one, so it leaves
 * such a database as it is. @returns the reason in one line, or undefined when all is well
 */
export async function newerSchemaReason(db: Db): Promise<string | undefined> {
  const table = db.engine === "postgres" ? pgMigrations : sqliteMigrations;
  const [row] = await db.orm
    .select({ latest: max(table.createdAt), applied: count() })
    .from(table as typeof sqliteMigrations);
  const latest = Number(row?.latest ?? 0);
  const { entry, count: known } = shipped[db.engine];
  if (latest <= entry.when) return undefined;
  return (
    `the database's schema is newer than this version of Rulegate: its latest migration dates from ` +
    `${new Date(latest).toISOString()} (${row?.applied ?? 0} applied), this version knows ${known} ` +
    `migrations up to ${entry.tag} (${new Date(entry.when).toISOString()}); run the newer version`
  );
}
