/**
 * `src/db/pg-schema.ts` is generated from `src/db/schema.ts` (scripts/generate-pg-schema.ts,
 * kept fresh by tests/db/pg-schema-generated.test.ts). This checks the generator's output on
 * its own terms: the row types, the tables, columns, keys, defaults and indexes, and the type
 * mapping must match `schema.ts`; and a migration folder that no longer matches its schema
 * (a schema change without `npm run db:generate`) fails here.
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { type Column, getTableName, is, type Table } from "drizzle-orm";
import { getTableConfig as getPgTableConfig, PgTable } from "drizzle-orm/pg-core";
import { getTableConfig as getSqliteTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import * as pgSchema from "../../src/db/pg-schema.ts";
import * as sqliteSchema from "../../src/db/schema.ts";

const ROOT = join(import.meta.dir, "..", "..");

// The row types must agree too, so the query modules can serve either engine: a table
// whose rows differ is named in a type error here (`Type '"users"' does not satisfy the
// constraint 'never'`), caught by `bun run typecheck`.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type SqliteTables = typeof sqliteSchema;
type PgTables = typeof pgSchema;
type TablesWithDifferentRows = {
  [Name in keyof SqliteTables]: Name extends keyof PgTables
    ? Equal<SqliteTables[Name]["$inferSelect"], PgTables[Name]["$inferSelect"]> extends true
      ? never
      : Name
    : Name;
}[keyof SqliteTables];
const noTablesWithDifferentRows = <_Different extends never>() => {};
noTablesWithDifferentRows<TablesWithDifferentRows>();

/** The PostgreSQL type a SQLite column maps to, by the rules in pg-schema.ts's header. */
const expectedPgType = (column: Column) => {
  if (column.columnType === "SQLiteInteger" && "autoIncrement" in column && column.autoIncrement) {
    return "PgBigInt53 identity byDefault";
  }
  const mapping: Record<string, string> = {
    SQLiteText: "PgText",
    SQLiteTextJson: "PgJsonb",
    SQLiteBoolean: "PgBoolean",
    // timestamp_ms keeps milliseconds of an instant; so does timestamptz(3).
    SQLiteTimestamp: "PgTimestamp(3) with time zone",
    SQLiteInteger: "PgInteger",
  };
  return mapping[column.columnType] ?? `no mapping for ${column.columnType}`;
};

/** A PostgreSQL column's type, in the words of `expectedPgType`. */
const pgType = (column: Column) => {
  if (column.generatedIdentity) return `${column.columnType} identity ${column.generatedIdentity.type}`;
  if ("withTimezone" in column && "precision" in column) {
    return `${column.columnType}(${column.precision})${column.withTimezone ? " with time zone" : ""}`;
  }
  return column.columnType;
};

const exportedTables = <T extends Table>(module: object, isTable: (value: unknown) => value is T) =>
  Object.fromEntries(Object.entries(module).filter(([, value]) => isTable(value))) as Record<string, T>;

const sqliteTables = exportedTables(sqliteSchema, (value) => is(value, SQLiteTable));
const pgTables = exportedTables(pgSchema, (value) => is(value, PgTable));

/**
 * Whether the schema gave the column a default. A SQLite `integer` primary key is an alias
 * of the rowid, which Drizzle counts as a default (`tenant_settings.id`); PostgreSQL has no
 * such thing, and the key is always written explicitly, so that one is not a schema default.
 */
const hasSchemaDefault = (column: Column) =>
  column.hasDefault &&
  !(
    column.columnType === "SQLiteInteger" &&
    column.primary &&
    !("autoIncrement" in column && column.autoIncrement)
  );

/** What both dialects can say about a column, in the same words. */
const describeColumn = (column: Column) => ({
  name: column.name,
  dataType: column.dataType,
  notNull: column.notNull,
  primary: column.primary,
  hasDefault: hasSchemaDefault(column),
  default: column.default,
  isUnique: column.isUnique,
  // Drizzle names every column's would-be unique constraint, and a column builder shared by
  // several tables (schema.ts's `timestamps`) keeps the first table's name; only a unique
  // column's name reaches the database.
  uniqueName: column.isUnique ? column.uniqueName : undefined,
});

/** A table's shape apart from column types, comparable across dialects. */
const describeTable = (
  config: ReturnType<typeof getSqliteTableConfig> | ReturnType<typeof getPgTableConfig>,
) => ({
  name: config.name,
  columns: config.columns.map(describeColumn),
  primaryKeys: config.primaryKeys.map((key) => key.columns.map((column) => column.name)),
  uniqueConstraints: config.uniqueConstraints.map((unique) => ({
    name: unique.name,
    columns: unique.columns.map((column) => column.name),
  })),
  foreignKeys: config.foreignKeys.map((foreignKey) => {
    const reference = foreignKey.reference();
    return {
      columns: reference.columns.map((column) => column.name),
      foreignTable: getTableName(reference.foreignTable),
      foreignColumns: reference.foreignColumns.map((column) => column.name),
      onDelete: foreignKey.onDelete ?? "no action",
      onUpdate: foreignKey.onUpdate ?? "no action",
    };
  }),
  indexes: config.indexes.map(({ config: index }) => ({
    name: index.name,
    unique: index.unique,
    columns: index.columns.map((column) => ("name" in column ? column.name : String(column))),
  })),
});

test("both schemas export the same tables under the same SQL names", () => {
  expect(Object.keys(pgTables).sort()).toEqual(Object.keys(sqliteTables).sort());
  for (const [exportName, table] of Object.entries(sqliteTables)) {
    expect(getTableName(pgTables[exportName]!)).toBe(getTableName(table));
  }
});

describe.each(Object.keys(sqliteTables))("%s", (exportName) => {
  const sqliteConfig = getSqliteTableConfig(sqliteTables[exportName]!);
  const pgConfig = getPgTableConfig(pgTables[exportName]!);

  test("has the same columns, keys, defaults and indexes", () => {
    expect(describeTable(pgConfig)).toEqual(describeTable(sqliteConfig));
  });

  test("maps each column type by the rules in pg-schema.ts", () => {
    expect(pgConfig.columns.map((column) => `${column.name}: ${pgType(column)}`)).toEqual(
      sqliteConfig.columns.map((column) => `${column.name}: ${expectedPgType(column)}`),
    );
  });
});

/**
 * Each migration folder must already hold its schema: `drizzle-kit generate` run on a copy
 * of the folder writes nothing new. (No database is needed; drizzle-kit diffs against the
 * latest snapshot in `meta/`.)
 */
describe.each([
  { dialect: "sqlite", schema: "src/db/schema.ts", out: "drizzle" },
  { dialect: "postgresql", schema: "src/db/pg-schema.ts", out: "drizzle-pg" },
])("the $out migrations", ({ dialect, schema, out }) => {
  test(
    `match ${schema}`,
    () => {
      const copy = mkdtempSync(join(tmpdir(), "rulegate-migrations-"));
      try {
        cpSync(join(ROOT, out), copy, { recursive: true });
        const before = readdirSync(copy).sort();
        // drizzle-kit prefixes `--out` with "./" (an absolute path silently finds no
        // folder and exits 0), so the copy is named relative to the project root.
        const generate = spawnSync(
          join(ROOT, "node_modules", ".bin", "drizzle-kit"),
          ["generate", "--dialect", dialect, "--schema", schema, "--out", relative(ROOT, copy)],
          { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 },
        );
        const output = generate.stdout + generate.stderr;
        expect({
          status: generate.status,
          upToDate: output.includes("No schema changes"),
          output,
        }).toMatchObject({
          status: 0,
          upToDate: true,
        });
        expect(readdirSync(copy).sort()).toEqual(before);
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    },
    { timeout: 90_000 },
  );
});
