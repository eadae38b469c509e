/**
 * Builds `src/rules/builtins/vendor.generated.js`: the pure-JS packages behind the rule
 * realm's Node built-ins (buffer, events, util, assert, url, querystring, path,
 * string_decoder, punycode, stream, timers, process), bundled into the body of one function,
 * `vendorModules()`, whose source text the rule host evaluates inside a rule's `node:vm`
 * context. The file is committed, so the host needs no build step;
 * `tests/rules/node-builtins.test.ts` fails when it is stale.
 *
 * Usage: `npm run build:rule-builtins` (with `--check`: exit 1 when the committed file is stale).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BunPlugin } from "bun";

export const ENTRY = fileURLToPath(new URL("../src/rules/builtins/vendor-entry.js", import.meta.url));
export const OUTPUT = fileURLToPath(new URL("../src/rules/builtins/vendor.generated.js", import.meta.url));

const BUILTINS_DIR = fileURLToPath(new URL("../src/rules/builtins/", import.meta.url));

/**
 * What each Node built-in name means in the rule realm: a package's browser entry or one of
 * src/rules/builtins/ (which adapt a package to Node's API, or are the realm's own). The
 * packages' own `require("buffer")`, `require("process/")` and the like resolve here too,
 * never to the bundler's stand-ins, so each module exists once in the bundle.
 */
const BUILTINS: Record<string, string> = {
  // Not a built-in: readable-stream's AbortController where the realm has none. Its browser
  // entry reads one from `window`; its main entry builds one on event-target-shim.
  "abort-controller": "abort-controller/dist/abort-controller.js",
  assert: "assert/build/assert.js",
  buffer: `${BUILTINS_DIR}buffer.js`,
  events: "events/events.js",
  path: "path-browserify/index.js",
  process: `${BUILTINS_DIR}process.js`,
  punycode: "punycode/punycode.js",
  querystring: `${BUILTINS_DIR}querystring.js`,
  stream: "readable-stream/lib/ours/browser.js",
  string_decoder: "string_decoder/lib/string_decoder.js",
  timers: `${BUILTINS_DIR}timers.js`,
  url: `${BUILTINS_DIR}url.js`,
  util: "util/util.js",
};

const builtins: BunPlugin = {
  name: "rule-builtins",
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_-]+\/?$/ }, ({ path }) => {
      const name = path.replace(/^node:/, "").replace(/\/$/, "");
      const target = BUILTINS[name];
      // "process/" is how readable-stream names the process package; "buffer/" and the like
      // (a package by name) are left to ordinary resolution, as are all other names.
      if (target === undefined || (path.endsWith("/") && name !== "process")) return undefined;
      return { path: Bun.resolveSync(target, BUILTINS_DIR) };
    });
    // `function-bind` falls back to building functions from strings (`Function(...)`) where
    // `Function.prototype.bind` is missing. The realm always has it and forbids string code
    // generation, so the fallback is replaced by the built-in: the bundle generates no code.
    build.onLoad({ filter: /[\\/]function-bind[\\/]implementation\.js$/ }, () => ({
      contents: "module.exports = Function.prototype.bind;",
      loader: "js",
    }));
  },
};

/**
 * The bundle's free names, bound by the function around it: `process` is the shim of
 * src/rules/builtins/process.js (never the host's), `global` is the realm's global object,
 * and `module` receives the entry's table of loaders. Each module is evaluated when a rule
 * first reads it from the record, so a rule pays only for the built-ins it uses.
 */
function wrap(bundle: string): string {
  return `// Built by scripts/build-rule-builtins.ts from src/rules/builtins/vendor-entry.js: do not edit.
/**
 * The rule realm's pure-JS Node built-ins. Evaluate its source text inside the rule's
 * context; it answers a null-prototype record of each module's exports by bare name, each
 * evaluated on first read.
 */
export function vendorModules() {
const global = globalThis;
const module = { exports: {} };
${bundle}
const loaders = module.exports;
const process = loaders.process();
const record = Object.create(null);
for (const name of Object.keys(loaders)) {
  Object.defineProperty(record, name, { get: loaders[name], enumerable: true, configurable: false });
}
return record;
}
`;
}

/** The generated file as it should be: the entry and the installed packages, minified. */
export async function buildRuleBuiltins(): Promise<string> {
  const result = await Bun.build({
    entrypoints: [ENTRY],
    target: "browser",
    format: "cjs",
    minify: true,
    plugins: [builtins],
  });
  if (!result.success) throw new AggregateError(result.logs, "the rule built-ins do not build");
  const [output] = result.outputs;
  if (!output) throw new Error("the rule built-ins build produced nothing");
  return wrap((await output.text()).trim());
}

if (import.meta.main) {
  const generated = await buildRuleBuiltins();
  if (process.argv.includes("--check")) {
    if (readFileSync(OUTPUT, "utf8") !== generated) {
      console.error(`${OUTPUT} is stale: run npm run build:rule-builtins`);
      process.exit(1);
    }
  } else {
    writeFileSync(OUTPUT, generated);
    console.log(`wrote ${OUTPUT} (${generated.length} characters)`);
  }
}
