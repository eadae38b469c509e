/**
 * The rule host's own realm, hardened (src/runtime/lockdown.ts): constructors are frozen as
 * well as prototypes, so not even a host object that reached a rule could carry a
 * `Symbol.species` or `Symbol.hasInstance` into the host's own code. Run under the host's
 * exact command line.
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { denoExecutable, ruleHostArguments } from "../../src/runtime/rule-host-process.ts";

const PROBE = fileURLToPath(new URL("./fixtures/hardened-realm-probe.ts", import.meta.url));

describe("hardenIntrinsics", () => {
  test("no hook can be planted on the host's constructors, prototypes or namespaces", () => {
    const run = spawnSync(denoExecutable(), ruleHostArguments(64, PROBE), { env: {}, encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({ took: [] });
  });
});
