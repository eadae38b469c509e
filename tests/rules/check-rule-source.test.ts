import { describe, expect, test } from "bun:test";
import { forbiddenSyntax, requiredModules, syntaxError } from "../../src/rules/check-rule-source.ts";
import { wrapRuleSource } from "../../src/rules/wrap-rule-source.ts";

const RULE = "module.exports = function (u, c, scope, a, ctx, cb) { cb(null, { scope: scope }); };";

describe("the import check reads a source as the host wraps it", () => {
  test("a source that closes the wrapper and runs beside it is refused, whatever follows", () => {
    for (const script of [
      `}); ${RULE} (function () {`,
      '}); import("data:text/javascript,1"); (function () {',
      "})(); (function () {",
      "}), (function () {",
      "});",
    ]) {
      expect(forbiddenSyntax(script)).toMatch(/closes the function it runs in/);
    }
  });

  test("an ordinary rule, with brackets in strings, comments and a trailing line comment, passes", () => {
    for (const script of [RULE, `${RULE} // })`, `var s = '});'; /* }) */ ${RULE}`, `return; ${RULE}`]) {
      expect(forbiddenSyntax(script)).toBeUndefined();
    }
  });

  test("imports are refused, and require() of anything but one string literal", () => {
    expect(forbiddenSyntax(`${RULE} import('x');`)).toMatch(/cannot import/);
    expect(forbiddenSyntax(`import fs from 'node:fs'; ${RULE}`)).toMatch(/cannot import/);
    expect(forbiddenSyntax(`var m = import.meta; ${RULE}`)).toMatch(/import\.meta/);
    expect(forbiddenSyntax(`var name = 'fs'; var fs = require(name); ${RULE}`)).toMatch(/string literal/);
    expect(forbiddenSyntax(`var fs = require('f' + 's'); ${RULE}`)).toMatch(/string literal/);
    expect(forbiddenSyntax(`var fs = require(); ${RULE}`)).toMatch(/string literal/);
    expect(forbiddenSyntax(`var fs = require('fs'); ${RULE}`)).toBeUndefined();
    expect(forbiddenSyntax(`var _ = require(\`lodash@4.17.21\`); ${RULE}`)).toBeUndefined();
  });

  test("the modules a source requires are read from its tree, in order, each once", () => {
    const script = `var _ = require('lodash@4.17.21');\n${RULE}\nfunction f() { return [require('node:crypto'), require('lodash@4.17.21'), require("uuid/v4")]; }`;
    expect(requiredModules(script)).toEqual(["lodash@4.17.21", "node:crypto", "uuid/v4"]);
    expect(requiredModules(`// require('commented')\n${RULE}`)).toEqual([]);
    expect(requiredModules("var x = ;")).toEqual([]);
  });

  test("syntax errors are placed in the rule's own source, not the wrapped text", () => {
    expect(syntaxError("var x = ;")).toMatchObject({ line: 1, column: 9 });
    expect(syntaxError("var a = 1;\nvar x = ;")).toMatchObject({ line: 2, column: 9 });
    expect(syntaxError("module.exports = function () {")).toMatchObject({ line: 1 });
    expect(syntaxError(RULE)).toBeUndefined();
  });

  test("the wrapper keeps the source on line 1 and the tail on a line of its own", () => {
    expect(wrapRuleSource("x")).toBe("(function (module, exports) {x\n})");
  });
});
