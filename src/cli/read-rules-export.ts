import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import { parse as parseYaml } from "yaml";
import { CliError } from "./api-client.ts";

/**
 * One rule of an Auth0 export as the file has it (`name`, `order`, `enabled`, `stage`, …;
 * unchecked) with its `script` as text, and where it came from, for messages.
 */
export interface ExportedRule {
  entry: unknown;
  source: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

async function readOrFail(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${what}: ${(error as Error).message}`);
  }
}

const isDirectory = (path: string) =>
  stat(path).then(
    (found) => found.isDirectory(),
    () => false,
  );
const isFile = (path: string) =>
  stat(path).then(
    (found) => found.isFile(),
    () => false,
  );

/**
 * The text of a script an a0deploy file points at (`./rules/<name>.js`), resolved from `base`
 * as a0deploy does. A path that leaves the export's folder is refused: an export names its
 * own files, and whatever is read is sent to the server.
 */
async function scriptAt(root: string, base: string, entry: Record<string, unknown>, source: string) {
  if (typeof entry.script !== "string") return entry;
  const file = resolve(base, entry.script.replace(/\\/g, "/"));
  if (!file.startsWith(resolve(root) + sep))
    throw new CliError(`${source}: its script ${entry.script} is outside ${root}`);
  return { ...entry, script: await readOrFail(file, `${source}'s script ${entry.script}`) };
}

/** Auth0's `GET /api/v2/rules` saved as a file: the bare array, or `{rules: […]}` (`include_totals`). */
async function readApiExport(file: string): Promise<ExportedRule[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readOrFail(file, file));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read ${file} as JSON: ${(error as Error).message}`);
  }
  const entries = isObject(parsed) && Array.isArray(parsed.rules) ? parsed.rules : parsed;
  if (!Array.isArray(entries))
    throw new CliError(`${file} must hold a JSON array of rules (GET /api/v2/rules)`);
  return entries.map((entry, index) => ({
    entry,
    source: `${basename(file)} entry ${index + 1}`,
  }));
}

/** a0deploy's directory format: `rules/<name>.json` (`script: "./<name>.js"`) beside `rules/<name>.js`. */
async function readDirectoryExport(root: string, folder: string): Promise<ExportedRule[]> {
  const names = (await readdir(folder)).filter((name) => extname(name) === ".json").sort();
  const rules: ExportedRule[] = [];
  for (const name of names) {
    const file = join(folder, name);
    const source = relative(root, file);
    let entry: unknown;
    try {
      entry = JSON.parse(await readOrFail(file, source));
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`cannot read ${source} as JSON: ${(error as Error).message}`);
    }
    if (!isObject(entry)) throw new CliError(`${source} must hold one rule, a JSON object`);
    rules.push({ entry: await scriptAt(root, folder, entry, source), source });
  }
  return rules;
}

/** a0deploy's YAML format: `rules:` in `tenant.yaml`, each `script` a file beside it (`./rules/<name>.js`). */
async function readYamlExport(file: string): Promise<ExportedRule[]> {
  let document: unknown;
  try {
    document = parseYaml(await readOrFail(file, file));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read ${file} as YAML: ${(error as Error).message}`);
  }
  const rules = isObject(document) ? document.rules : undefined;
  if (!Array.isArray(rules)) throw new CliError(`${file} has no rules: list (a0deploy's YAML format)`);
  const base = dirname(file);
  return Promise.all(
    rules.map(async (entry, index) => {
      const source = `${basename(file)} rules[${index}]`;
      return {
        entry: isObject(entry) ? await scriptAt(base, base, entry, source) : entry,
        source,
      };
    }),
  );
}

/**
 * Reads the rules of an Auth0 export (README, "Writing and debugging rules"): a JSON file as
 * `GET /api/v2/rules` answers; an a0deploy directory export (the folder holding `rules/`, or
 * `rules/` itself); an a0deploy YAML export (`tenant.yaml`, or the folder holding it).
 */
export async function readRulesExport(path: string): Promise<ExportedRule[]> {
  if (await isDirectory(path)) {
    for (const name of ["tenant.yaml", "tenant.yml"]) {
      if (await isFile(join(path, name))) return readYamlExport(join(path, name));
    }
    if (await isDirectory(join(path, "rules"))) return readDirectoryExport(path, join(path, "rules"));
    if ((await readdir(path)).some((name) => extname(name) === ".json"))
      return readDirectoryExport(path, path);
    throw new CliError(
      `${path} holds neither tenant.yaml nor a rules/ folder of <name>.json files (a0deploy's export formats)`,
    );
  }
  if (!(await isFile(path))) throw new CliError(`cannot read ${path}: no such file or folder`);
  return [".yaml", ".yml"].includes(extname(path).toLowerCase()) ? readYamlExport(path) : readApiExport(path);
}
