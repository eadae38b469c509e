/**
 * Checks, in the server, that the modules a rule requires are there before a host needs
 * them: at deploy (a missing module or a version the installed one does not satisfy is a
 * 400 naming it) and before each call of a deployed version (the folder may have changed
 * under it since). Auth0's `require('name@range')` form, and an action's `dependencies`,
 * name a semver range (https://docs.npmjs.com/cli/v10/using-npm/semver) the installed
 * version must satisfy.
 */
import { statSync } from "node:fs";
import semver from "semver";
import { requiredModules } from "./check-rule-source.ts";
import { moduleFiles } from "./module-files.ts";
import { type ModuleFiles, packageRequest, resolveModule } from "./module-resolver.ts";

/** Why one of `specifiers` cannot be required from `modulesDir`, or undefined when all can. */
export function modulesProblem(
  modulesDir: string | undefined,
  specifiers: readonly string[],
  files: ModuleFiles = moduleFiles,
): string | undefined {
  for (const specifier of specifiers) {
    const resolved = resolveModule(modulesDir, undefined, specifier, files);
    if (resolved.kind === "refused") return resolved.message;
    if (resolved.kind === "builtin" || !modulesDir) continue;
    const request = packageRequest(specifier);
    if (!request?.range) continue;
    const manifest = files.read(`${modulesDir}/node_modules/${request.name}/package.json`);
    let installed: unknown;
    try {
      installed = manifest === undefined ? undefined : JSON.parse(manifest).version;
    } catch {}
    if (semver.validRange(request.range) === null) {
      return `'${specifier}' does not name a version range of ${request.name}.`;
    }
    if (typeof installed !== "string" || !semver.satisfies(installed, request.range)) {
      return `'${specifier}' needs ${request.name} ${request.range}, but RULE_MODULES_DIR has ${request.name} ${String(installed ?? "of no version")} (npm install ${request.name}@${request.range} there).`;
    }
  }
  return undefined;
}

/** How often, at most, a deployed version's modules are checked again against the folder. */
const RECHECK_MS = 1000;

/**
 * Checks deployed versions' modules before their calls, cheaply: a version's modules are
 * read from its source once, and checked again when the folder's npm lock file or
 * `node_modules` changed (looked at once a second at most).
 */
export function createModuleGate(modulesDir: string | undefined, now: () => number = Date.now) {
  const verdicts = new Map<string, { stamp: string; problem: string | undefined; specifiers: string[] }>();
  let stamp = "";
  let stampedAt = Number.NEGATIVE_INFINITY;
  const folderStamp = () => {
    if (now() - stampedAt < RECHECK_MS) return stamp;
    stampedAt = now();
    const times = ["node_modules/.package-lock.json", "node_modules", "package.json"].map((path) => {
      try {
        return statSync(`${modulesDir}/${path}`).mtimeMs;
      } catch {
        return 0;
      }
    });
    stamp = times.join("/");
    return stamp;
  };
  return {
    /** Why the version `version` of `script` cannot run now, or undefined. */
    problem(version: string, script: string): string | undefined {
      let verdict = verdicts.get(version);
      if (verdict?.specifiers.length === 0) return undefined;
      const current = modulesDir ? folderStamp() : "";
      if (verdict?.stamp === current) return verdict.problem;
      const specifiers = verdict?.specifiers ?? requiredModules(script);
      verdict = { stamp: current, specifiers, problem: modulesProblem(modulesDir, specifiers) };
      verdicts.set(version, verdict);
      return verdict.problem;
    },
    /** Forgets a version no longer served. */
    forget(version: string): void {
      verdicts.delete(version);
    },
  };
}
