/**
 * `require` in rules: Node's CommonJS resolution confined to RULE_MODULES_DIR (tested on a
 * folder of small packages written by the test, and on real packages npm installed from the
 * registry), the server's checks at deploy and before each call, and the rule hosts that
 * load modules once and may read nothing else.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createLogger } from "../../src/logs/logger.ts";
import type { AnyRuleInput } from "../../src/rules/contract.ts";
import { createModuleGate, modulesProblem } from "../../src/rules/module-check.ts";
import { moduleFiles } from "../../src/rules/module-files.ts";
import { packageRequest, resolveModule } from "../../src/rules/module-resolver.ts";
import { createRulePool, type RulePool } from "../../src/rules/pool.ts";
import { ruleScript } from "../../src/rules/rule-version.ts";
import { sampleRuleInput } from "../../src/rules/sample-input.ts";
import { ruleModulesDir } from "../support/rule-modules.ts";

let root: string;
let outside: string;

/** Writes `files` (path → text) under `folder`. */
function write(folder: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
}

const manifest = (fields: Record<string, unknown>) => JSON.stringify(fields);

beforeAll(() => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "rulegate-rule-modules-")));
  root = join(base, "modules");
  outside = join(base, "outside");
  write(outside, { "secret.js": "module.exports = 'canary-outside-the-modules-folder';" });
  write(root, {
    "package.json": manifest({ name: "modules", private: true }),
    "node_modules/greet/package.json": manifest({ name: "greet", version: "1.2.3", main: "lib/index" }),
    "node_modules/greet/lib/index.js":
      "const helper = require('./helper'); globalThis.__greetLoads = (globalThis.__greetLoads || 0) + 1;\n" +
      "module.exports = (name) => helper.prefix + name;\nmodule.exports.version = require('../package.json').version;\n" +
      "module.exports.loads = () => globalThis.__greetLoads;\nmodule.exports.nested = require('dep').name;",
    "node_modules/greet/lib/helper.js": "exports.prefix = 'hello ';",
    "node_modules/greet/node_modules/dep/package.json": manifest({ name: "dep", version: "2.0.0" }),
    "node_modules/greet/node_modules/dep/index.js": "exports.name = 'nested dep 2';",
    "node_modules/dep/package.json": manifest({ name: "dep", version: "1.0.0" }),
    "node_modules/dep/index.js": "exports.name = 'top dep 1';",
    "node_modules/mapped/package.json": manifest({
      name: "mapped",
      version: "3.0.0",
      exports: {
        ".": { import: "./esm.mjs", require: "./cjs.js" },
        "./feature": { node: "./feature-node.js", default: "./feature.js" },
        "./utils/*": "./src/utils/*.js",
      },
    }),
    "node_modules/mapped/cjs.js": "exports.kind = 'cjs';",
    "node_modules/mapped/esm.mjs": "export const kind = 'esm';",
    "node_modules/mapped/feature-node.js": "exports.kind = 'node feature';",
    "node_modules/mapped/src/utils/text.js": "exports.kind = 'text util';",
    "node_modules/mapped/private.js": "exports.kind = 'private';",
    "node_modules/esm-only/package.json": manifest({ name: "esm-only", version: "1.0.0", type: "module" }),
    "node_modules/esm-only/index.js": "export default 1;",
    "node_modules/@scope/pkg/package.json": manifest({ name: "@scope/pkg", version: "0.1.0" }),
    "node_modules/@scope/pkg/index.js": "exports.scoped = true;",
    "node_modules/optional/package.json": manifest({ name: "optional", version: "1.0.0" }),
    "node_modules/optional/index.js":
      "module.exports = (name) => { try { require(name); return 'loaded'; } catch (error) { return error.code + ': ' + error.message; } };",
    "node_modules/spin/package.json": manifest({ name: "spin", version: "1.0.0" }),
    "node_modules/spin/index.js": "for (;;) {}",
    "node_modules/broken/package.json": manifest({ name: "broken", version: "1.0.0" }),
    "node_modules/broken/index.js": "exports.x = ;",
  });
  // Links that lead out of the folder: a file, and a whole package.
  symlinkSync(join(outside, "secret.js"), join(root, "node_modules/greet/lib/secret.js"));
  symlinkSync(outside, join(root, "node_modules/linked"));
  writeFileSync(
    join(outside, "package.json"),
    manifest({ name: "linked", version: "1.0.0", main: "secret.js" }),
  );
});

afterAll(() => rmSync(dirname(root), { recursive: true, force: true }));

const resolve = (specifier: string, from?: string) => resolveModule(root, from, specifier, moduleFiles);

describe("resolution, as Node's, inside the folder only", () => {
  test("Auth0's name@range form and subpaths are read apart", () => {
    expect(packageRequest("lodash")).toEqual({ name: "lodash", range: undefined, subpath: "." });
    expect(packageRequest("lodash@4.17.19")).toEqual({ name: "lodash", range: "4.17.19", subpath: "." });
    expect(packageRequest("@scope/pkg@^1/a/b")).toEqual({
      name: "@scope/pkg",
      range: "^1",
      subpath: "./a/b",
    });
    expect(packageRequest("uuid/v4")).toEqual({ name: "uuid", range: undefined, subpath: "./v4" });
  });

  test("built-ins by bare or node: name; an unknown node: name is refused", () => {
    expect(resolve("crypto")).toEqual({ kind: "builtin", name: "crypto" });
    expect(resolve("node:querystring")).toEqual({ kind: "builtin", name: "querystring" });
    expect(resolve("node:child_process")).toMatchObject({ kind: "refused" });
    expect(resolve("child_process")).toMatchObject({
      kind: "refused",
      message: expect.stringContaining("child_process"),
    });
  });

  test("main, extensions, index files, nested node_modules and JSON", () => {
    const main = join(root, "node_modules/greet/lib/index.js");
    expect(resolve("greet@1.2.3")).toEqual({ kind: "file", path: main, format: "commonjs" });
    expect(resolve("./helper", main)).toMatchObject({ path: join(root, "node_modules/greet/lib/helper.js") });
    expect(resolve("../package.json", main)).toMatchObject({ format: "json" });
    expect(resolve("dep", main)).toMatchObject({
      path: join(root, "node_modules/greet/node_modules/dep/index.js"),
    });
    expect(resolve("dep")).toMatchObject({ path: join(root, "node_modules/dep/index.js") });
    expect(resolve("@scope/pkg@0.1")).toMatchObject({ path: join(root, "node_modules/@scope/pkg/index.js") });
  });

  test("exports: the require, node and default conditions, patterns, and nothing it does not export", () => {
    expect(resolve("mapped")).toMatchObject({ path: join(root, "node_modules/mapped/cjs.js") });
    expect(resolve("mapped/feature")).toMatchObject({
      path: join(root, "node_modules/mapped/feature-node.js"),
    });
    expect(resolve("mapped/utils/text")).toMatchObject({
      path: join(root, "node_modules/mapped/src/utils/text.js"),
    });
    expect(resolve("mapped/private.js")).toEqual({
      kind: "refused",
      message: "The package 'mapped' does not export './private.js' for require().",
    });
  });

  test("ES modules, links out of the folder, and relative names from a rule are refused", () => {
    expect(resolve("esm-only")).toMatchObject({
      kind: "refused",
      message: expect.stringContaining("ES module"),
    });
    expect(resolve("./secret", join(root, "node_modules/greet/lib/index.js"))).toMatchObject({
      kind: "refused",
      message: expect.stringContaining("outside RULE_MODULES_DIR"),
    });
    expect(resolve("linked")).toMatchObject({ kind: "refused", message: expect.stringContaining("outside") });
    expect(resolve("../outside/secret.js", join(root, "node_modules/greet/lib/index.js"))).toMatchObject({
      kind: "refused",
    });
    expect(resolve("./local")).toMatchObject({
      kind: "refused",
      message: expect.stringContaining("no folder"),
    });
    expect(resolve("left-pad")).toEqual({
      kind: "refused",
      message: "Cannot find module 'left-pad' in RULE_MODULES_DIR.",
    });
    expect(resolveModule(undefined, undefined, "lodash", moduleFiles)).toMatchObject({
      kind: "refused",
      message: expect.stringContaining("no RULE_MODULES_DIR is set"),
    });
  });
});

describe("the server's checks", () => {
  test("a version the installed one does not satisfy, or a missing module, is named", () => {
    expect(modulesProblem(root, ["greet@1.2.3", "greet@^1", "greet", "crypto", "dep@1"])).toBeUndefined();
    expect(modulesProblem(root, ["greet@2"])).toBe(
      "'greet@2' needs greet 2, but RULE_MODULES_DIR has greet 1.2.3 (npm install greet@2 there).",
    );
    expect(modulesProblem(root, ["greet@not a range"])).toBe(
      "'greet@not a range' does not name a version range of greet.",
    );
    expect(modulesProblem(root, ["crypto", "missing"])).toBe(
      "Cannot find module 'missing' in RULE_MODULES_DIR.",
    );
  });

  test("a deployed version is checked again when the folder changes under it", () => {
    let now = 0;
    const gate = createModuleGate(root, () => now);
    const script = "const greet = require('greet@1.2.3'); module.exports = function () {};";
    expect(gate.problem("v1", script)).toBeUndefined();
    expect(gate.problem("plain", "module.exports = function () {};")).toBeUndefined();
    // An operator installs another version.
    const file = join(root, "node_modules/greet/package.json");
    writeFileSync(file, manifest({ name: "greet", version: "1.3.0", main: "lib/index" }));
    const later = new Date(Date.now() + 5000);
    utimesSync(join(root, "node_modules"), later, later);
    expect(gate.problem("v1", script)).toBeUndefined(); // looked at once a second at most
    now += 1000;
    expect(gate.problem("v1", script)).toContain("RULE_MODULES_DIR has greet 1.3.0");
    writeFileSync(file, manifest({ name: "greet", version: "1.2.3", main: "lib/index" }));
    utimesSync(join(root, "node_modules"), new Date(), new Date(Date.now() + 9000));
    now += 1000;
    expect(gate.problem("v1", script)).toBeUndefined();
  });
});

describe("rule hosts load modules from the folder", () => {
  let pool: RulePool;
  const logLines: string[] = [];
  const input = sampleRuleInput("t", "urn:x") as AnyRuleInput;
  let version = 0;
  const run = (script: string) => pool.execute(ruleScript(script, new Date(++version)), input, `r${version}`);
  const claims = (script: string) =>
    `module.exports = function (user, client, scope, audience, context, cb) { cb(null, { accessToken: ${script} }); };`;

  beforeAll(() => {
    pool = createRulePool({
      config: {
        ruleWorkers: 1,
        ruleTimeoutMs: 2000,
        ruleMemoryMb: 64,
        ruleModulesDir: root,
        ruleAllowedHosts: [],
      },
      log: createLogger("debug", { write: (line: string) => logLines.push(line) }),
    });
  });
  afterAll(() => pool.close());

  test("a package, its relative files, its JSON and its own nested dependency; loaded once per host", async () => {
    const script = `const greet = require('greet@1.2.3');\n${claims(
      "{ 'https://x/greeting': greet('ada'), 'https://x/version': greet.version, 'https://x/nested': greet.nested, 'https://x/top': require('dep').name, 'https://x/loads': greet.loads() }",
    )}`;
    const rule = ruleScript(script, new Date(++version));
    for (let call = 1; call <= 3; call++) {
      const execution = await pool.execute(rule, input, `same-${call}`);
      expect(execution.result).toEqual({
        accessToken: {
          "https://x/greeting": "hello ada",
          "https://x/version": "1.2.3",
          "https://x/nested": "nested dep 2",
          "https://x/top": "top dep 1",
          "https://x/loads": 1,
        },
      });
    }
  });

  test("a package's optional require of what cannot be loaded gets an error it can catch, with Node's code", async () => {
    const attempt = (specifier: string) => `attempt(${JSON.stringify(specifier)})`;
    const execution = await run(
      `const attempt = require('optional');\n${claims(
        `{ 'https://x/link': ${attempt("linked")}, 'https://x/esm': ${attempt("esm-only")}, 'https://x/missing': ${attempt("left-pad")}, 'https://x/file': ${attempt("../../../outside/secret.js")} }`,
      )}`,
    );
    expect(execution.result).toEqual({
      accessToken: {
        "https://x/link": "MODULE_NOT_FOUND: Cannot find module 'linked': it leads outside RULE_MODULES_DIR.",
        "https://x/esm": expect.stringContaining("MODULE_NOT_FOUND: The module 'esm-only' is an ES module"),
        "https://x/missing": "MODULE_NOT_FOUND: Cannot find module 'left-pad' in RULE_MODULES_DIR.",
        "https://x/file": expect.stringMatching(
          /^MODULE_NOT_FOUND: Cannot find module '..\/..\/..\/outside\/secret.js'/,
        ),
      },
    });
  });

  test("require at the edge of the stack fails with an error of the rule's own realm", async () => {
    const execution = await run(`
module.exports = function (user, client, scope, audience, context, cb) {
  const OBJECT = Object.prototype;
  function realmOf(value) { let p = value; while (Object.getPrototypeOf(p) !== null) p = Object.getPrototypeOf(p); return p === OBJECT ? 'rule' : 'another realm'; }
  let failures = 0;
  let foreign;
  // At every depth on the way back up, until one is found, a require: the deepest find no
  // stack left, some of them inside the host's own code.
  function dive() {
    try { dive(); } catch (e) {}
    if (!foreign) { try { require('greet'); } catch (error) { failures++; if (error && typeof error === 'object' && realmOf(error) !== 'rule') foreign = error; } }
  }
  dive();
  cb(null, { accessToken: { 'https://x/failed': failures > 0, 'https://x/foreign': foreign ? String(foreign.name) : 'none' } });
};`);
    expect(execution.failure).toBeUndefined();
    expect(execution.result).toEqual({
      accessToken: { "https://x/failed": true, "https://x/foreign": "none" },
    });
  });

  test("a module's top-level code counts against the time limit; one that does not compile says where", async () => {
    const spin = await run(`const spin = require('spin');\n${claims("{}")}`);
    expect(spin.failure).toMatchObject({ kind: "crashed", detail: expect.stringContaining("timed out") });
    const broken = await run(
      claims(
        "{ 'https://x/b': (() => { try { return require('broken'); } catch (e) { return e.name + ' ' + e.message; } })() }",
      ),
    );
    expect(broken.result).toEqual({
      accessToken: { "https://x/b": expect.stringMatching(/^SyntaxError .*broken\/index\.js/) },
    });
  });

  test("a version whose module is gone from the folder fails its next call with the module's name", async () => {
    const execution = await run(`const pad = require('left-pad');\n${claims("{}")}`);
    expect(execution.failure).toEqual({
      kind: "crashed",
      detail: "Cannot find module 'left-pad' in RULE_MODULES_DIR.",
    });
  });
});

describe("real packages installed by npm", () => {
  let pool: RulePool;
  const input = sampleRuleInput("t", "urn:x") as AnyRuleInput;

  beforeAll(() => {
    pool = createRulePool({
      config: {
        ruleWorkers: 1,
        ruleTimeoutMs: 5000,
        ruleMemoryMb: 128,
        ruleModulesDir: ruleModulesDir(),
        ruleAllowedHosts: [],
      },
      log: createLogger("silent"),
    });
  });
  afterAll(() => pool.close());

  test("lodash, by Auth0's name@version form; a version it does not satisfy is refused before a host is spent", async () => {
    const script = `const _ = require('lodash@4.17.21');
module.exports = function (user, client, scope, audience, context, cb) {
  cb(null, { accessToken: { 'https://x/kebab': _.kebabCase('Hello World'), 'https://x/picked': _.pick({ a: 1, b: 2 }, ['a']) } });
};`;
    const execution = await pool.execute(ruleScript(script, new Date(1)), input, "lodash");
    expect(execution.result).toEqual({
      accessToken: { "https://x/kebab": "hello-world", "https://x/picked": { a: 1 } },
    });
    expect(await pool.compile(script.replace("4.17.21", "4.17.19"))).toEqual({
      message:
        "'lodash@4.17.19' needs lodash 4.17.19, but RULE_MODULES_DIR has lodash 4.17.21 (npm install lodash@4.17.19 there).",
    });
  });
});
