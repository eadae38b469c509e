import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SQL, sql } from "drizzle-orm";
import { detectRuntime, MIGRATIONS_FOLDER } from "../../src/runtime/runtime.ts";

/** SQLite's raw-query methods, which the engine-neutral Db does not offer. */
type SqliteQueries = { all(query: SQL): Promise<unknown[]>; get(query: SQL): Promise<unknown> };

const dir = mkdtempSync(join(tmpdir(), "rulegate-db-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a fresh database gets every migration, WAL mode and foreign keys", async () => {
  const runtime = await detectRuntime();
  const path = join(dir, "nested", "fresh.sqlite");
  const { db, close } = await runtime.openSqlite(path, MIGRATIONS_FOLDER);
  const sqlite = db.orm as unknown as SqliteQueries;
  const tables = (await sqlite.all(
    sql`select name from sqlite_master where type = 'table' order by name`,
  )) as Array<{ name: string }>;
  const names = tables.map((table) => table.name);
  for (const table of [
    "users",
    "clients",
    "resource_servers",
    "tenant_settings",
    "signing_keys",
    "rules",
    "rule_secrets",
    "__drizzle_migrations",
  ]) {
    expect(names).toContain(table);
  }
  expect(await sqlite.get(sql`pragma journal_mode`)).toEqual(["wal"]);
  expect(await sqlite.get(sql`pragma foreign_keys`)).toEqual([1]);
  await close();

  // Opening again applies nothing twice and keeps the data.
  const again = await runtime.openSqlite(path, MIGRATIONS_FOLDER);
  const applied = (await (again.db.orm as unknown as SqliteQueries).all(
    sql`select count(*) as n from __drizzle_migrations`,
  )) as Array<{ n: number }>;
  expect(applied[0]!.n).toBeGreaterThan(0);
  await again.close();
});
