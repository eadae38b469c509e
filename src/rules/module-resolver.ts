/**
 * Finds the file a rule's `require(specifier)` loads, as Node's CommonJS resolution does
 * (https://nodejs.org/api/modules.html#all-together), confined to one folder: the operator's
 * `RULE_MODULES_DIR`. Rule code resolves from its `node_modules`; a package's own code from
 * its file's folder upwards, never above the folder. A package's `exports` are read with
 * the conditions `require`, `node` and `default` (https://nodejs.org/api/packages.html).
 * Every file's real path must be inside the folder, so a symbolic link cannot lead out.
 * Used by the rule host to load, and by the server to check a rule's modules at deploy.
 */
import { builtinName } from "./builtin-modules.ts";

// POSIX paths, all absolute, handled here rather than by node:path: in a rule host after its
// lockdown, Deno's node:path may reach for the cwd through globals that are gone.
const sep = "/";

/** An absolute path with `.` and `..` segments and repeated slashes resolved. */
function normalize(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join("/")}`;
}

const join = (...parts: string[]) => normalize(parts.join("/"));
const resolve = (base: string, path: string) => normalize(path.startsWith("/") ? path : `${base}/${path}`);
const dirname = (path: string) => normalize(`${path}/..`);

/** The file-system questions resolution asks; the host answers them with its captured functions. */
export interface ModuleFiles {
  /** A file's text, or undefined when there is none. */
  read(path: string): string | undefined;
  /** A path's real path (links resolved), or undefined when it does not exist. */
  realpath(path: string): string | undefined;
  isFile(path: string): boolean;
}

export type Resolution =
  | { kind: "builtin"; name: string }
  | { kind: "file"; path: string; format: "commonjs" | "json" }
  | { kind: "refused"; message: string };

/** What a bare specifier asks for: `lodash`, `lodash@4.17.19`, `@scope/name@^1/sub/path`. */
export interface PackageRequest {
  name: string;
  /** The version range Auth0's `name@range` form gave. */
  range?: string;
  /** The path inside the package, `./` first (`.` for its main entry). */
  subpath: string;
}

const PACKAGE_NAME = /^((?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*)(?:@([^/]+))?(\/.*)?$/i;

/** Reads a bare specifier; undefined for one that is not a package name. */
export function packageRequest(specifier: string): PackageRequest | undefined {
  const match = PACKAGE_NAME.exec(specifier);
  if (!match) return undefined;
  return { name: match[1]!, range: match[2], subpath: match[3] ? `.${match[3]}` : "." };
}

const CONDITIONS = new Set(["require", "node", "default"]);

/** The target an `exports` value gives for the conditions (in the package's own order), if any. */
function conditionalTarget(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    for (const item of value) {
      const target = conditionalTarget(item);
      if (target) return target;
    }
    return undefined;
  }
  if (value && typeof value === "object") {
    for (const [condition, nested] of Object.entries(value)) {
      if (!CONDITIONS.has(condition)) continue;
      const target = conditionalTarget(nested);
      if (target) return target;
    }
  }
  return undefined;
}

/**
 * The file `exports` maps a subpath to: `null` when the package does not export it, undefined
 * when the package has no `exports` (its files are then reached directly).
 */
function exportedTarget(exportsField: unknown, subpath: string): string | null | undefined {
  if (exportsField === undefined) return undefined;
  const isSubpathMap =
    exportsField !== null &&
    typeof exportsField === "object" &&
    !Array.isArray(exportsField) &&
    Object.keys(exportsField).some((key) => key.startsWith("."));
  const map = (isSubpathMap ? exportsField : { ".": exportsField }) as Record<string, unknown>;
  if (subpath in map) return conditionalTarget(map[subpath]) ?? null;
  for (const [pattern, value] of Object.entries(map)) {
    const star = pattern.indexOf("*");
    if (star < 0) continue;
    const [head, tail] = [pattern.slice(0, star), pattern.slice(star + 1)];
    if (subpath.startsWith(head) && subpath.endsWith(tail) && subpath.length >= head.length + tail.length) {
      const target = conditionalTarget(value);
      const stem = subpath.slice(head.length, subpath.length - tail.length);
      return target ? target.replaceAll("*", stem) : null;
    }
  }
  return null;
}

/** The JSON of a package.json, or undefined. */
function packageJson(files: ModuleFiles, folder: string): Record<string, unknown> | undefined {
  const text = files.read(join(folder, "package.json"));
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `path` (normalized) is inside the folder `root`. */
const inside = (root: string, path: string) => path.startsWith(`${root}${sep}`);

/**
 * The file a path names, trying Node's extensions and `index` files (LOAD_AS_FILE,
 * LOAD_INDEX). A path outside `root` is not looked at: the server resolves with its own
 * file system, which must not tell a rule whether some other file exists.
 */
function asFile(files: ModuleFiles, root: string, path: string, withMain: boolean): string | undefined {
  if (!inside(root, path)) return undefined;
  for (const candidate of [path, `${path}.js`, `${path}.json`, `${path}.cjs`]) {
    if (files.isFile(candidate)) return candidate;
  }
  if (withMain) {
    const main = packageJson(files, path)?.main;
    if (typeof main === "string" && main !== "") {
      const found = asFile(files, root, resolve(path, main), false);
      if (found) return found;
    }
  }
  for (const index of ["index.js", "index.json", "index.cjs"]) {
    if (files.isFile(join(path, index))) return join(path, index);
  }
  return undefined;
}

/** Whether a file is an ES module: `.mjs`, or `.js` under a package.json with `"type": "module"`. */
function isEsModule(files: ModuleFiles, root: string, file: string): boolean {
  if (file.endsWith(".mjs")) return true;
  if (!file.endsWith(".js")) return false;
  for (let folder = dirname(file); folder.startsWith(root); folder = dirname(folder)) {
    const manifest = packageJson(files, folder);
    if (manifest) return manifest.type === "module";
    if (folder === root) break;
  }
  return false;
}

/** A found file, as its real path inside `root`, with how it loads. */
function loadable(files: ModuleFiles, root: string, file: string, specifier: string): Resolution {
  const real = files.realpath(file);
  if (!real || !inside(root, real)) {
    return {
      kind: "refused",
      message: `Cannot find module '${specifier}': it leads outside RULE_MODULES_DIR.`,
    };
  }
  if (real.endsWith(".json")) return { kind: "file", path: real, format: "json" };
  if (real.endsWith(".node")) {
    return {
      kind: "refused",
      message: `The module '${specifier}' is a native addon, which rules cannot load.`,
    };
  }
  if (isEsModule(files, root, real)) {
    return {
      kind: "refused",
      message: `The module '${specifier}' is an ES module; rules load CommonJS packages (install a version that ships CommonJS).`,
    };
  }
  return { kind: "file", path: real, format: "commonjs" };
}

const notFound = (specifier: string, where: string): Resolution => ({
  kind: "refused",
  message: `Cannot find module '${specifier}' in ${where}.`,
});

/**
 * Where `specifier`, required by the file `from` (undefined: the rule's own code), loads
 * from inside `root` (a real path); a built-in by its name.
 */
export function resolveModule(
  root: string | undefined,
  from: string | undefined,
  specifier: string,
  files: ModuleFiles,
): Resolution {
  const builtin = builtinName(specifier);
  if (builtin) return { kind: "builtin", name: builtin };
  if (specifier.startsWith("node:")) {
    return { kind: "refused", message: `The built-in module '${specifier}' is not available in rules.` };
  }
  if (!root) {
    return {
      kind: "refused",
      message: `Cannot find module '${specifier}': no RULE_MODULES_DIR is set, so rules can require Node's built-in modules only.`,
    };
  }
  if (/^\.\.?(\/|$)|^\//.test(specifier)) {
    if (!from) {
      return {
        kind: "refused",
        message: `Cannot find module '${specifier}': a rule has no folder, so it requires packages by name.`,
      };
    }
    const file = asFile(files, root, resolve(dirname(from), specifier), true);
    return file ? loadable(files, root, file, specifier) : notFound(specifier, dirname(from));
  }
  const request = packageRequest(specifier);
  if (!request) return { kind: "refused", message: `Cannot find module '${specifier}': not a package name.` };
  // NODE_MODULES_PATHS: from the requiring file's folder up to the root.
  let folder = from ? dirname(from) : root;
  for (;;) {
    const packageFolder = join(folder, "node_modules", request.name);
    const manifest = packageJson(files, packageFolder);
    if (manifest || files.realpath(packageFolder)) {
      const exported = exportedTarget(manifest?.exports, request.subpath);
      if (exported === null) {
        return {
          kind: "refused",
          message: `The package '${request.name}' does not export '${request.subpath}' for require().`,
        };
      }
      const file =
        exported !== undefined
          ? asFile(files, root, resolve(packageFolder, exported), false)
          : asFile(files, root, resolve(packageFolder, request.subpath), true);
      if (file) return loadable(files, root, file, specifier);
    }
    if (folder === root || !folder.startsWith(`${root}${sep}`)) break;
    folder = dirname(folder);
  }
  return notFound(specifier, "RULE_MODULES_DIR");
}
