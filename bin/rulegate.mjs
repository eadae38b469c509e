#!/usr/bin/env node
/**
 * `rulegate`, runnable with Node alone: the CLI is TypeScript for Bun (`src/cli/main.ts`),
 * so this launcher runs it with the Bun that npm installed with this package, wherever the
 * command is called from (`npm link`, `npm install -g .` and `npx` call it through a
 * symlink; Node resolves that link, so paths here are relative to the real file).
 * Arguments, standard streams, the exit status and signals pass through unchanged.
 */
import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const CLI_ENTRY = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));

/** Bun's own name for this platform, as in its `@oven/bun-<os>-<arch>` packages. */
function platformPackages() {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const arch = process.arch === "arm64" ? "aarch64" : process.arch;
  const base = `@oven/bun-${os}-${arch}`;
  return [base, `${base}-musl`, `${base}-baseline`, `${base}-musl-baseline`, `${base}-android`];
}

/** Whether `path` is a real executable rather than a missing file or a small stand-in script. */
function isBinary(path) {
  try {
    // `bun/bin/bun.exe` is a 450-byte shell script until Bun's postinstall swaps in the binary.
    return statSync(path).size > 1_000_000;
  } catch {
    return false;
  }
}

/**
 * The Bun executable installed with this package: `bun/bin/bun.exe` once Bun's postinstall
 * has moved the platform binary there, else the platform package's own copy (installs run
 * with `--ignore-scripts`), else a `bun` on PATH.
 */
function bunExecutable() {
  const exe = process.platform === "win32" ? "bun.exe" : "bun";
  const candidates = [["bun/package.json", join("bin", "bun.exe")]];
  for (const name of platformPackages()) candidates.push([`${name}/package.json`, join("bin", exe)]);
  for (const [manifest, binary] of candidates) {
    try {
      const path = join(dirname(require.resolve(manifest)), binary);
      if (isBinary(path)) return path;
    } catch {}
  }
  return "bun";
}

const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];

const child = spawn(bunExecutable(), [CLI_ENTRY, ...process.argv.slice(2)], { stdio: "inherit" });

// A terminal's Ctrl-C reaches both processes; `kill <pid>` reaches only this one, so pass it on.
const forward = (signal) => child.kill(signal);
for (const signal of FORWARDED_SIGNALS) {
  try {
    process.on(signal, forward);
  } catch {} // a signal this platform does not support
}

child.on("error", (error) => {
  console.error(
    error.code === "ENOENT"
      ? "rulegate: Bun was not found; reinstall rulegate with npm (its install provides Bun)."
      : `rulegate: could not start Bun: ${error.message}`,
  );
  process.exit(127);
});

child.on("exit", (code, signal) => {
  if (signal) {
    // Die of the same signal, so a shell sees what happened to the command (128 + n).
    for (const forwarded of FORWARDED_SIGNALS) process.removeAllListeners(forwarded);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
