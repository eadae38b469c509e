import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHarness, type Harness } from "../support/harness.ts";
import { tryRule } from "../support/rules.ts";

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ RULE_TIMEOUT_MS: "2000", SECRET_FOR_ISOLATION_TEST: "server-env-secret" });
  process.env.RULEGATE_ISOLATION_CANARY = "canary-in-the-server-env";
});
afterAll(() => h.close());

/**
 * Each attempt runs inside the rule; it must either throw or produce nothing useful.
 * The rule reports, per attempt, "blocked" or what it managed to get.
 */
const attempts: Record<string, string> = {
  "Bun global": "return typeof Bun === 'undefined' ? undefined : Bun.file('/etc/passwd')",
  "Deno global": "return typeof Deno === 'undefined' ? undefined : Deno.env",
  // Rules have Node's `process`, `Buffer` and `require`, their realm's own: nothing of the server's.
  "process.env":
    "return typeof process === 'undefined' || Object.keys(process.env).length === 0 ? undefined : process.env",
  "the server's process":
    "var p = globalThis.process; if (!p) return undefined; try { return p.binding('fs'); } catch (e) {} return p.pid !== 1 || typeof p.kill === 'function' || typeof p.dlopen === 'function' ? p : undefined",
  "files through require('fs')":
    "var load = globalThis['req' + 'uire'] || (typeof module !== 'undefined' && module['req' + 'uire']); return load ? load('fs').readFileSync('/etc/passwd', 'utf8') : undefined",
  // Past the deploy check's literal names, the host's resolution still refuses.
  "child_process through require": "return globalThis['req' + 'uire']('child_' + 'process')",
  "a file by path through require": "return globalThis['req' + 'uire']('/etc/passwd')",
  fetch: "return typeof fetch === 'undefined' ? undefined : fetch('http://127.0.0.1/')",
  XMLHttpRequest: "return typeof XMLHttpRequest === 'undefined' ? undefined : new XMLHttpRequest()",
  WebSocket: "return typeof WebSocket === 'undefined' ? undefined : new WebSocket('ws://127.0.0.1/')",
  Worker: "return typeof Worker === 'undefined' ? undefined : new Worker('data:,1')",
  ShadowRealm:
    "return typeof ShadowRealm === 'undefined' ? undefined : new ShadowRealm().evaluate('typeof Bun')",
  eval: "return eval('1 + 1')",
  "indirect eval": "return (0, globalThis['ev' + 'al'])('1 + 1')",
  "Function constructor": "return Function('return 1')()",
  "new Function": "return new Function('return 1')()",
  "arrow constructor": "return (() => {}).constructor('return this')()",
  "object constructor chain": "return ({}).constructor.constructor('return this')()",
  "async function constructor": "return (async function () {}).constructor('return 1')",
  "generator constructor": "return (function* () {}).constructor('yield 1')",
  "async generator constructor": "return (async function* () {}).constructor('yield 1')",
  "host URL constructor chain": "return URL.constructor('return process')()",
  "host URL instance chain":
    "return new URL('https://x.example').constructor.constructor('return process')()",
  "host TextEncoder chain": "return new TextEncoder().encode.constructor('return process')()",
  "console.log constructor": "return console.log.constructor('return process')()",
  "setTimeout constructor": "return setTimeout.constructor('return process')()",
  "crypto.subtle constructor": "return crypto.subtle.digest.constructor('return process')()",
  "getRandomValues constructor": "return crypto.getRandomValues.constructor('return process')()",
  "error class constructor": "return InvalidScopeError.constructor('return process')()",
  "string timer": "return setTimeout('globalThis.leak = 1', 0)",
  "WebAssembly compile":
    "return typeof WebAssembly === 'undefined' ? undefined : new WebAssembly.Module(new Uint8Array([0,97,115,109,1,0,0,0]))",
  "globalThis keys":
    "var leaked = Object.getOwnPropertyNames(globalThis).filter(function (k) { return /^(Bun|Deno|Worker|global)$/.test(k); }); return leaked.length ? leaked : undefined",
  "/proc/self/environ via any file API":
    "return typeof Bun !== 'undefined' ? Bun.file('/proc/self/environ') : (typeof Deno !== 'undefined' ? Deno.readTextFileSync('/proc/self/environ') : undefined)",
  FinalizationRegistry:
    "return typeof FinalizationRegistry === 'undefined' ? undefined : new FinalizationRegistry(function () { for (;;) {} })",
  // The chain may reach the rule's own functions (sloppy-mode JavaScript), never the host's or the prelude's.
  "caller chain":
    "function probe() { var f = probe, top = null; for (var i = 0; i < 50 && f; i++) { try { f = f.caller; } catch (e) { f = null; } if (f) top = f; } return top && String(top).indexOf('function describe(value)') < 0 ? top : null; } return probe()",
};

function probeRule(): string {
  const entries = Object.entries(attempts)
    .map(
      ([name, body]) => `
    try {
      var value = await (function () { ${body} })();
      report[${JSON.stringify(name)}] = value === undefined || value === null ? 'blocked' : describe(value);
    } catch (error) {
      report[${JSON.stringify(name)}] = 'blocked';
    }`,
    )
    .join("");
  return `module.exports = async function (user, client, scope, audience, context) {
    function describe(value) { try { return typeof value + ':' + String(JSON.stringify(value) || value).slice(0, 200); } catch (e) { return typeof value; } }
    var report = {};${entries}
    return { scope: scope, 'https://t.example/report': report };
  };`;
}

describe("the sandbox blocks every escape attempt made from inside a rule", () => {
  test("each attempt fails inside the rule", async () => {
    const answer = await tryRule(h, probeRule());
    expect(answer.error).toBeUndefined();
    const report = answer.result["https://t.example/report"] as Record<string, string>;
    const leaked = Object.entries(report).filter(([, outcome]) => outcome !== "blocked");
    expect(leaked).toEqual([]);
    expect(Object.keys(report).sort()).toEqual(Object.keys(attempts).sort());
  });

  test("nothing of the server's environment reaches the rule", async () => {
    const answer = await tryRule(
      h,
      `module.exports = async function (user, client, scope, audience, context) {
        return { scope: scope, 'https://t.example/all': JSON.stringify({ g: Object.getOwnPropertyNames(globalThis), c: context }) };
      };`,
    );
    const everything = answer.result["https://t.example/all"] as string;
    expect(everything).not.toContain("canary-in-the-server-env");
    expect(everything).not.toContain("test-admin-key");
    expect(everything).not.toContain("rulegate.sqlite");
  });

  test("import() is refused at deploy time and by try, in every spelling the lexer sees", async () => {
    for (const script of [
      "module.exports = async function () { const fs = await import('node:fs'); return {}; };",
      "import fs from 'node:fs'; module.exports = function () {};",
      "module.exports = async function () { return import /* x */ ('bun:sqlite'); };",
    ]) {
      const deploy = await h.admin("PUT", "/rules/password-exchange", { script });
      expect(deploy.status).toBe(400);
      expect((await deploy.json()).message).toMatch(/import/);
      const tried = await h.admin("POST", "/rules/password-exchange/try", { script });
      expect(tried.status).toBe(400);
    }
  });

  test("the word import in a comment, a string or a property name is only text: deployed and run", async () => {
    const script = `// import the plan from app_metadata (this comment used to be refused)
      /* import('x') inside a block comment is text too */
      module.exports = async function (user, client, scope) {
        var note = "import('x') and import x from 'y' are words here";
        var labels = { import: 'imported', 'import.meta': true };
        return { scope: scope, 'https://t.example/note': note + ' ' + labels.import + \` import('\${'x'}')\` };
      };`;
    const deploy = await h.admin("PUT", "/rules/password-exchange", { script });
    expect(deploy.status).toBe(200);
    const answer = await tryRule(h, script, { scope: ["read"] });
    expect(answer.result).toEqual({
      scope: ["read"],
      "https://t.example/note": "import('x') and import x from 'y' are words here imported import('x')",
    });
    await h.admin("DELETE", "/rules/password-exchange");
    const refused = await h.admin("PUT", "/rules/password-exchange", {
      script: "// import is fine in a comment\nmodule.exports = async function () { return import('x'); };",
    });
    expect(refused.status).toBe(400);
    expect((await refused.json()).message).toMatch(/import/);
  });

  test("require() of anything but a string literal, or of a module that is not there, is refused at deploy time", async () => {
    for (const [script, message] of [
      ["var name = 'fs'; var fs = require(name); module.exports = function () {};", /string literal/],
      ["var cp = require('child_process'); module.exports = function () {};", /child_process/],
      ["var pad = require('left-pad'); module.exports = function () {};", /no RULE_MODULES_DIR is set/],
    ] as const) {
      const deploy = await h.admin("PUT", "/rules/password-exchange", { script });
      expect(deploy.status).toBe(400);
      expect((await deploy.json()).message).toMatch(message);
    }
  });

  test("a rule's global changes stay inside its own context", async () => {
    const answer = await tryRule(
      h,
      `Object.prototype.polluted = 'yes'; Array.prototype.push = function () { return 0; };
       module.exports = async function (u, c, scope) { return { scope: ['a'] }; };`,
    );
    expect(answer.result).toEqual({ scope: ["a"] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const next = await tryRule(
      h,
      "module.exports = async function () { var a = []; a.push(1); return { scope: [String(a.length), String(({}).polluted)] }; };",
    );
    expect(next.result.scope).toEqual(["1", "undefined"]);
  });
});
