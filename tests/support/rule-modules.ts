/**
 * A real RULE_MODULES_DIR for tests: a folder where npm (or Bun, on a machine with only Bun)
 * installed real packages from the registry, as an operator would. Installed once per
 * machine and package list (in the temporary folder), then reused by every test file.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What the folder holds: the packages Auth0's rule templates require most, at fixed versions. */
export const RULE_MODULE_PACKAGES: Record<string, string> = {
  lodash: "4.17.21",
  uuid: "9.0.1",
  axios: "1.21.1",
  request: "2.88.2",
  jsonwebtoken: "9.0.3",
};

let folder: string | undefined;

/** The folder's path, installing it first when this machine does not have it yet. */
export function ruleModulesDir(): string {
  if (folder) return folder;
  const list = JSON.stringify(RULE_MODULE_PACKAGES);
  const name = `rulegate-rule-modules-${createHash("sha256").update(list).digest("hex").slice(0, 12)}`;
  const target = join(tmpdir(), name);
  if (!existsSync(join(target, "installed"))) {
    // Installed beside the target and renamed into place, so that a test file running at the
    // same time never sees half a folder.
    const work = mkdtempSync(join(tmpdir(), `${name}-`));
    writeFileSync(
      join(work, "package.json"),
      JSON.stringify({ name: "rule-modules", private: true, dependencies: RULE_MODULE_PACKAGES }),
    );
    const npm = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts"], {
      cwd: work,
      encoding: "utf8",
    });
    const installed =
      npm.error === undefined
        ? npm
        : spawnSync(process.execPath, ["install", "--ignore-scripts"], { cwd: work, encoding: "utf8" });
    if (installed.status !== 0) {
      throw new Error(`installing the rule modules failed: ${installed.stderr || installed.error}`);
    }
    writeFileSync(join(work, "installed"), list);
    mkdirSync(tmpdir(), { recursive: true });
    try {
      renameSync(work, target);
    } catch {
      rmSync(work, { recursive: true, force: true }); // another run put it there first
    }
  }
  folder = target;
  return folder;
}

/**
 * What an operator who opened rules up gives them: the modules folder and one allowed
 * host:port, where a local service answers `{"plan": "gold", "path": <the request's path>}`.
 * The red-team suites run with it, so that what they prove holds with the network open to
 * one port; the suites of rules that call services call it.
 */
export async function openedRuleAccess(): Promise<{
  env: Record<string, string>;
  port: number;
  close(): Promise<void>;
}> {
  const service = createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ plan: "gold", path: request.url }));
  });
  await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
  const { port } = service.address() as AddressInfo;
  return {
    env: { RULE_MODULES_DIR: ruleModulesDir(), RULE_ALLOWED_HOSTS: `127.0.0.1:${port}` },
    port,
    close: () => new Promise<void>((resolve) => service.close(() => resolve())),
  };
}
