/**
 * `npm run lint` (`biome check .`) covers the project's own sources, not whatever else
 * sits in the project folder: a scratch rule or input left in the root must not fail
 * `npm test`, while a badly formatted file among the sources still must.
 */
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const BADLY_FORMATTED_JS =
  "module.exports = function(user,client,scope,audience,context,cb){cb(null,{scope})}";

const biomeCheck = () => {
  const result = spawnSync(join(ROOT, "node_modules", ".bin", "biome"), ["check", "."], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { code: result.status, output: result.stdout + result.stderr };
};

test("scratch files in the project root are not linted", () => {
  const scratch = [join(ROOT, "debug-rule.js"), join(ROOT, "input.json")];
  try {
    writeFileSync(scratch[0]!, BADLY_FORMATTED_JS);
    writeFileSync(scratch[1]!, '{"user":{"email":"a@example.com"},\n     "scope" : ["openid"]}');
    const { code, output } = biomeCheck();
    expect(output).not.toContain("debug-rule.js");
    expect(output).not.toContain("input.json");
    expect(code).toBe(0);
  } finally {
    for (const file of scratch) rmSync(file, { force: true });
  }
});

test("a badly formatted source file still fails the check", () => {
  // Under tests/, named for this process; valid TypeScript, so a concurrent tsc is unaffected.
  const name = `lint-probe-${process.pid}.ts`;
  const probe = join(import.meta.dir, name);
  try {
    writeFileSync(probe, "export const lintProbe = {a:1}");
    const { code, output } = biomeCheck();
    expect(output).toContain(name);
    expect(code).not.toBe(0);
  } finally {
    rmSync(probe, { force: true });
  }
});
