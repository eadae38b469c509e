import { describe, expect, test } from "bun:test";
import { forbiddenSyntax, syntaxError } from "../../src/rules/check-rule-source.ts";
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

  test("imports and require are still refused, as written or as the module they would need", () => {
    expect(forbiddenSyntax(`${RULE} import('x');`)).toMatch(/cannot import/);
    expect(forbiddenSyntax(`import fs from 'node:fs'; ${RULE}`)).toMatch(/cannot import/);
    expect(forbiddenSyntax(`var m = import.meta; ${RULE}`)).toMatch(/import\.meta/);
    expect(forbiddenSyntax(`var fs = require('fs'); ${RULE}`)).toMatch(/require/);
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
