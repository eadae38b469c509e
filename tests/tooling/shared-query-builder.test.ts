/**
 * The query modules serve SQLite and PostgreSQL with one Drizzle query builder (src/db/database.ts):
 * SQLite's synchronous `.get()`, `.all()` and `.run()` would work on one engine only.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const SRC = join(import.meta.dir, "../../src");
const SQLITE_ONLY = /\.(get|all|run)\(\s*\)/;

/** Source lines, without `//` and block comment lines, so a doc comment may name the methods. */
const codeLines = (text: string) => text.split("\n").filter((line) => !/^\s*(\/\/|\/\*\*?|\*)/.test(line));

test("no module outside src/runtime/ calls SQLite-only query methods", () => {
  const offenders: string[] = [];
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const path = join(entry.parentPath, entry.name);
    const relative = path.slice(SRC.length + 1);
    if (relative.startsWith("runtime/") || relative.startsWith("console/web/")) continue;
    for (const line of codeLines(readFileSync(path, "utf8"))) {
      if (SQLITE_ONLY.test(line)) offenders.push(`${relative}: ${line.trim()}`);
    }
  }
  expect(offenders).toEqual([]);
});
