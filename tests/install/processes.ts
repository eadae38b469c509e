import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";

/** Node's own executable (not a `node` that is really Bun), found on this process's PATH. */
export function nodeExecutable(): string {
  const probe = spawnSync("node", ["-p", "process.release.name === 'node' ? process.execPath : ''"], {
    encoding: "utf8",
  });
  const path = probe.stdout?.trim();
  if (!path) throw new Error("these tests need Node on PATH");
  return path;
}

/**
 * A PATH with Node (and npm beside it) and the system's basic tools, and no Bun: what a
 * user who installed only Node has. Fails if Bun is in one of those folders after all.
 */
export function pathWithoutBun(): string {
  const folders = [...new Set([dirname(nodeExecutable()), "/usr/bin", "/bin"])];
  const withBun = folders.filter((folder) => existsSync(join(folder, "bun")));
  if (withBun.length > 0) throw new Error(`bun is installed in ${withBun.join(", ")}`);
  return folders.join(delimiter);
}

/** The environment minus what an enclosing `npm run` sets (`npm_*`), with `overrides`. */
export function cleanEnv(overrides: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith("npm_")) env[name] = value;
  }
  return { ...env, ...overrides };
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to the end without blocking the event loop (an in-process server must
 * keep answering it).
 */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
