/**
 * The layering of docs/architecture.md, checked: every import of every file under src/ goes
 * to a folder or file that the importer's row of the folder table ("may import") allows, and
 * no two files import each other, even through others. The test reads the table itself, so
 * the document and the check cannot drift apart.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const ROOT = join(import.meta.dir, "../..");
const SRC = join(ROOT, "src");

/** One import of one file: where it points (relative to src/) and whether it brings in types only. */
interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** What a row allows: folders (`db/`) and files (`oauth/issuer-url.ts`), each perhaps for types only. */
interface Allowance {
  target: string;
  typeOnly: boolean;
}

/** Comments that start a line (TSDoc, `//`), so that an example in prose is not an import. */
const withoutComments = (text: string) =>
  text.replace(/^\s*\/\*[\s\S]*?\*\//gm, "").replace(/^\s*\/\/.*$/gm, "");

/** `import … from`, `export … from` and side-effect imports, at the start of a line. */
const STATIC = /^\s*(?:import|export)\s+(type\s+)?(?:([^;=()]*?)\s+from\s+)?["']([^"']+)["']/gm;
/** `import("…")` with a string literal; `typeof import("…")` is a type. */
const DYNAMIC = /(typeof\s+)?\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** Whether every name of `{ type A, type B }` is a type (TypeScript erases such an import). */
const allNamesAreTypes = (clause: string | undefined) => {
  const names = clause?.match(/^\{([\s\S]*)\}$/)?.[1];
  if (names === undefined) return false;
  const list = names
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  return list.length > 0 && list.every((name) => name.startsWith("type "));
};

/** Every .ts file under src/, relative to it (the console's bundle is built code, not source). */
function sourceFiles(): string[] {
  return readdirSync(SRC, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => relative(SRC, join(entry.parentPath, entry.name)))
    .sort();
}

/** The imports of one file that point into src/ (packages and node: modules are not layers). */
function importsOf(file: string): Import[] {
  const text = withoutComments(readFileSync(join(SRC, file), "utf8"));
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    if (!specifier.startsWith(".")) return;
    const to = relative(SRC, join(dirname(join(SRC, file)), specifier));
    if (!to.startsWith("..")) found.push({ from: file, to, typeOnly });
  };
  for (const [, type, clause, specifier] of text.matchAll(STATIC)) {
    add(specifier as string, type !== undefined || allNamesAreTypes(clause?.trim()));
  }
  for (const [, typeOf, specifier] of text.matchAll(DYNAMIC)) add(specifier as string, typeOf !== undefined);
  return found;
}

/**
 * The folder table of docs/architecture.md: per folder (`oauth/`, `console/web/`) what it may
 * import, and what every folder may. In the "may import" cell, each `name` in backticks is
 * allowed, a folder or a file under src/; `(types)` right after one allows its types only;
 * other text in parentheses is a note for readers, and "nothing" allows nothing.
 */
function layerTable(): { rows: Map<string, Allowance[]>; everyFolder: Allowance[] } {
  const doc = readFileSync(join(ROOT, "docs/architecture.md"), "utf8");
  const lines = doc.split("\n");
  const header = lines.findIndex((line) => /^\|\s*folder\s*\|.*\|\s*may import\s*\|\s*$/.test(line));
  if (header < 0) throw new Error("docs/architecture.md has no folder table with a 'may import' column");
  const rows = new Map<string, Allowance[]>();
  let everyFolder: Allowance[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("|")) break;
    const cells = line.split("|").slice(1, -1);
    const first = cells[0]?.trim() ?? "";
    const mayImport = cells.at(-1) ?? "";
    const allowances = [
      ...mayImport.replace(/\((?!types\))[^)]*\)/g, "").matchAll(/`([^`]+)`(\s*\(types\))?/g),
    ].map(([, target, types]) => ({
      target: (target as string).replace(/\/$/, ""),
      typeOnly: types !== undefined,
    }));
    const folder = first.match(/^`([^`]+)\/`$/)?.[1];
    if (folder !== undefined) rows.set(folder, allowances);
    else if (first === "every folder") everyFolder = allowances;
    else throw new Error(`docs/architecture.md: a folder table row names no folder: ${line}`);
  }
  return { rows, everyFolder };
}

/** The table's row a file belongs to: the longest folder that holds it, or undefined at the top. */
function rowOf(file: string, rows: Map<string, Allowance[]>): string | undefined {
  const holders = [...rows.keys()].filter((folder) => file.startsWith(`${folder}/`));
  return holders.sort((a, b) => b.length - a.length)[0];
}

const allows = (allowance: Allowance, item: Import) =>
  (item.to === allowance.target || item.to.startsWith(`${allowance.target}/`)) &&
  (item.typeOnly || !allowance.typeOnly);

/** Where an import goes, as a layer: its top folder, or the top-level file itself. */
const layerOf = (path: string) => (path.includes("/") ? (path.split("/")[0] as string) : path);

test("every folder imports only what docs/architecture.md's folder table allows", () => {
  const { rows, everyFolder } = layerTable();
  const unlisted = new Set<string>();
  const violations = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    if (!file.includes("/")) continue; // the top-level files are the composition root
    const row = rowOf(file, rows);
    if (row === undefined) {
      unlisted.add(file.split("/")[0] as string);
      continue;
    }
    const allowed = [...(rows.get(row) ?? []), ...everyFolder];
    for (const item of importsOf(file)) {
      if (item.to.startsWith(`${row}/`) || allowed.some((allowance) => allows(allowance, item))) continue;
      const edge = `${row}/ → ${layerOf(item.to)}`;
      violations.set(edge, [
        ...(violations.get(edge) ?? []),
        `${item.from} → ${item.to}${item.typeOnly ? " (types)" : ""}`,
      ]);
    }
  }
  expect([...unlisted]).toEqual([]);
  if (violations.size > 0) console.error(`${violations.size} folder edges break the table:`, violations);
  expect(Object.fromEntries(violations)).toEqual({});
});

test("no two files under src/ import each other, directly or through others (types included)", () => {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles()) graph.set(file, [...new Set(importsOf(file).map((item) => item.to))]);
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") cycles.push([...path.slice(path.indexOf(next)), next].join(" → "));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  expect(cycles).toEqual([]);
});
