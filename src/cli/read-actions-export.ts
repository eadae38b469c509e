import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import { parse as parseYaml } from "yaml";
import { CliError } from "./api-client.ts";

/**
 * One action of an a0deploy export as the file has it (`name`, `supported_triggers`,
 * `runtime`, `dependencies`, `secrets`, `deployed`, …; unchecked) with its `code` read from
 * the file it names, and where it came from, for messages.
 */
export interface ExportedAction {
  entry: unknown;
  source: string;
}

/** What an a0deploy export holds of Actions: the actions, and each trigger's bindings (unchecked). */
export interface ActionsExport {
  actions: ExportedAction[];
  /** `triggers:` (`{"post-login": [{action_name, display_name}]}`), where the export has it. */
  triggers?: { entry: unknown; source: string };
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

async function readJson(file: string, what: string): Promise<unknown> {
  const text = await readOrFail(file, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`cannot read ${what} as JSON: ${(error as Error).message}`);
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
 * The text of the code an a0deploy file points at (`./actions/<name>/code.js`), resolved
 * from the export's folder as a0deploy does. A path that leaves the folder is refused: an
 * export names its own files, and whatever is read is sent to the server.
 */
async function codeAt(root: string, entry: Record<string, unknown>, source: string) {
  if (typeof entry.code !== "string" || entry.code === "") return entry;
  const file = resolve(root, entry.code.replace(/\\/g, "/"));
  if (!file.startsWith(resolve(root) + sep))
    throw new CliError(`${source}: its code ${entry.code} is outside ${root}`);
  return { ...entry, code: await readOrFail(file, `${source}'s code ${entry.code}`) };
}

/**
 * a0deploy's directory format: `actions/<name>.json` (`code: "./actions/<name>/code.js"`,
 * from the export's folder) and `triggers/triggers.json`.
 */
async function readDirectoryExport(root: string): Promise<ActionsExport> {
  const folder = join(root, "actions");
  const names = (await isDirectory(folder))
    ? (await readdir(folder)).filter((name) => extname(name) === ".json").sort()
    : [];
  const actions: ExportedAction[] = [];
  for (const name of names) {
    const file = join(folder, name);
    const source = relative(root, file);
    const entry = await readJson(file, source);
    if (!isObject(entry)) throw new CliError(`${source} must hold one action, a JSON object`);
    actions.push({ entry: await codeAt(root, entry, source), source });
  }
  const triggersFolder = join(root, "triggers");
  if (!(await isDirectory(triggersFolder))) return { actions };
  // a0deploy reads the first JSON file of triggers/ (it writes triggers.json).
  const [first] = (await readdir(triggersFolder)).filter((name) => extname(name) === ".json").sort();
  if (first === undefined) return { actions };
  const source = relative(root, join(triggersFolder, first));
  return { actions, triggers: { entry: await readJson(join(triggersFolder, first), source), source } };
}

/** a0deploy's YAML format: `actions:` and `triggers:` in `tenant.yaml`, each `code` a file beside it. */
async function readYamlExport(file: string): Promise<ActionsExport> {
  let document: unknown;
  try {
    document = parseYaml(await readOrFail(file, file));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read ${file} as YAML: ${(error as Error).message}`);
  }
  if (!isObject(document) || (document.actions === undefined && document.triggers === undefined))
    throw new CliError(`${file} has neither actions: nor triggers: (a0deploy's YAML format)`);
  if (document.actions !== undefined && document.actions !== null && !Array.isArray(document.actions))
    throw new CliError(`${file}: actions: must be a list`);
  const base = dirname(file);
  const name = basename(file);
  const actions = await Promise.all(
    ((document.actions as unknown[] | null) ?? []).map(async (entry, index) => {
      const source = `${name} actions[${index}]`;
      return { entry: isObject(entry) ? await codeAt(base, entry, source) : entry, source };
    }),
  );
  return document.triggers === undefined || document.triggers === null
    ? { actions }
    : { actions, triggers: { entry: document.triggers, source: `${name} triggers` } };
}

/**
 * Reads the actions and trigger bindings of an a0deploy export (README, "Auth0 Actions from
 * the CLI"): the YAML format (`tenant.yaml`, or the folder holding it) or the directory
 * format (the folder holding `actions/` and `triggers/`, or `actions/` itself).
 */
export async function readActionsExport(path: string): Promise<ActionsExport> {
  if (await isDirectory(path)) {
    for (const name of ["tenant.yaml", "tenant.yml"]) {
      if (await isFile(join(path, name))) return readYamlExport(join(path, name));
    }
    if ((await isDirectory(join(path, "actions"))) || (await isDirectory(join(path, "triggers"))))
      return readDirectoryExport(path);
    if (basename(resolve(path)) === "actions") return readDirectoryExport(dirname(resolve(path)));
    throw new CliError(
      `${path} holds neither tenant.yaml nor an actions/ folder of <name>.json files (a0deploy's export formats)`,
    );
  }
  if (!(await isFile(path))) throw new CliError(`cannot read ${path}: no such file or folder`);
  if (![".yaml", ".yml"].includes(extname(path).toLowerCase()))
    throw new CliError(
      `${path}: give an a0deploy export: its tenant.yaml, or the folder of a directory export`,
    );
  return readYamlExport(path);
}
