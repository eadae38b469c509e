import { readFileSync, realpathSync, statSync } from "node:fs";
import type { ModuleFiles } from "./module-resolver.ts";

/** The largest module file read (lodash's is 0.5 MB): anything bigger is not a module. */
export const MAX_MODULE_BYTES = 16 * 1024 * 1024;

/**
 * The file system as module resolution asks it (src/rules/module-resolver.ts), through
 * node:fs's synchronous calls: for the server's checks at deploy, and for sandboxes run in
 * process by tests (a rule host reads through Deno's own calls, src/runtime/rule-host.ts).
 * Every failure is an answer (undefined, false), never a throw.
 */
export const moduleFiles: ModuleFiles = {
  read(path) {
    try {
      if (statSync(path).size > MAX_MODULE_BYTES) return undefined;
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  },
  realpath(path) {
    try {
      return realpathSync(path);
    } catch {
      return undefined;
    }
  },
  isFile(path) {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  },
};
