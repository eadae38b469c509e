/**
 * The host side of a rule's `require` (src/rules/module-loader.ts is the realm side):
 * resolves names inside the modules folder (src/rules/module-resolver.ts), reads files, and
 * compiles each module and each built-in's source **in the rule's own context**, so that
 * what the rule gets is code of its realm. Answers are JSON text, or functions of the
 * rule's realm; a compile error is described as text, never handed over.
 */
import vm from "node:vm";
import { vendorModules } from "./builtins/vendor.generated.js";
import { call, errorParts } from "./host-intrinsics.ts";
import type { ModuleHost } from "./module-loader.ts";
import { type ModuleFiles, resolveModule } from "./module-resolver.ts";
import { nodeCrypto } from "./node-crypto.ts";
import { nodeHttpModules } from "./node-http.ts";

const toJson = JSON.stringify;
const sliceString = call(String.prototype.slice) as (text: string, start: number, end?: number) => string;
const mapGet = call(Map.prototype.get);
const mapSet = call(Map.prototype.set);
const compileFunction = vm.compileFunction;

/** The sources of the built-in module factories (src/rules/builtin-modules.ts), compiled in a rule's context when first required. */
const BUILTIN_SOURCES: Record<string, string> = Object.assign(Object.create(null), {
  vendor: `(${String(vendorModules)})`,
  crypto: `(${String(nodeCrypto)})`,
  http: `(${String(nodeHttpModules)})`,
});

/**
 * The parameters of Node's CommonJS module wrapper
 * (https://nodejs.org/api/modules.html#the-module-wrapper), and `global`, which Node gives
 * every module as a global (packages such as lodash find the global object through it,
 * where they would otherwise try `Function('return this')`, which rules cannot run).
 */
const MODULE_PARAMETERS = ["exports", "require", "module", "__filename", "__dirname", "global"];

/**
 * The module capabilities of one rule host. Resolutions and built-in factories are kept for
 * the host's life (one rule version), so each module is resolved and compiled once.
 * @param modulesDir RULE_MODULES_DIR as a real path; undefined: built-ins only
 * @param files how files are read (the rule host reads through Deno's captured calls)
 * @param realm the context being loaded, then the loaded one
 */
export function createModuleHost(options: {
  modulesDir: string | undefined;
  files: ModuleFiles;
  realm: () => vm.Context | undefined;
}): ModuleHost {
  const { modulesDir, files, realm } = options;
  const resolutions = new Map<string, string>();
  const builtinFactories = new Map<string, unknown>();
  return {
    requireModule(from, specifier) {
      if (typeof from !== "string" || typeof specifier !== "string" || specifier.length > 512) {
        return toJson([
          false,
          "Cannot find module: the specifier is not a string of at most 512 characters.",
        ]);
      }
      const key = `${from}\n${specifier}`;
      const known = mapGet(resolutions, key) as string | undefined;
      if (known !== undefined) return known;
      const resolved = resolveModule(modulesDir, from || undefined, specifier, files);
      let answer: string;
      if (resolved.kind === "refused") answer = toJson([false, resolved.message]);
      else if (resolved.kind === "builtin") answer = toJson([true, "builtin", resolved.name]);
      else if (resolved.format === "json") {
        const text = files.read(resolved.path);
        answer =
          text === undefined
            ? toJson([false, `Cannot read module '${specifier}'.`])
            : toJson([true, "json", resolved.path, text]);
      } else answer = toJson([true, "commonjs", resolved.path]);
      mapSet(resolutions, key, answer);
      return answer;
    },
    moduleFunction(path) {
      const context = realm();
      if (typeof path !== "string" || !context) return "the module cannot be loaded";
      const text = files.read(path);
      if (
        text === undefined ||
        !modulesDir ||
        sliceString(path, 0, modulesDir.length + 1) !== `${modulesDir}/`
      ) {
        return `Cannot read module '${path}'`;
      }
      try {
        // A `#!` line is not JavaScript; Node drops it too.
        const source = sliceString(text, 0, 2) === "#!" ? `//${text}` : text;
        return compileFunction(source, MODULE_PARAMETERS, { parsingContext: context, filename: path });
      } catch (error) {
        const [name, message] = errorParts(error);
        return `${name}: ${message}`;
      }
    },
    builtinFactory(name) {
      const context = realm();
      if (!context || typeof name !== "string") return undefined;
      const known = mapGet(builtinFactories, name);
      if (known !== undefined) return known;
      const source = BUILTIN_SOURCES[name];
      if (source === undefined) return undefined;
      const factory: unknown = new vm.Script(source, { filename: `rulegate-${name}.js` }).runInContext(
        context,
      );
      mapSet(builtinFactories, name, factory);
      return factory;
    },
  };
}
