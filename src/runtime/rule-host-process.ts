/**
 * Starts rule-host processes (./rule-host.ts) on Deno, from a server on Bun or on Deno alike
 * (node:child_process exists on both), and reads their CPU time and memory from /proc.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { arch, platform } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HOST_ENTRY = fileURLToPath(new URL("./rule-host.ts", import.meta.url));

/** A running rule host, as the pool sees it. */
export interface RuleHostProcess {
  pid: number;
  /** Writes one line to the host's stdin. */
  send(line: string): void;
  /** Each line the host writes; `undefined` when it wrote a line longer than allowed. */
  onLine(handler: (line: string | undefined) => void): void;
  /** Called once, when the process has exited, with the end of what it wrote to stderr. */
  onExit(handler: (exit: { code: number | null; signal: string | null; stderr: string }) => void): void;
  /** SIGKILL: works whatever the host is doing (parsing, spinning in native code, allocating). */
  kill(): void;
}

/** CPU time and resident memory of a process, where the OS tells (Linux /proc). */
export interface ProcessStats {
  cpuMs: number;
  rssBytes: number;
}

let denoPath: string | undefined;

/** The Deno executable that npm installed with this package (the platform package or `deno`'s own copy). */
export function denoExecutable(): string {
  if (denoPath) return denoPath;
  const require = createRequire(import.meta.url);
  const os = platform() === "win32" ? "win32" : platform();
  const candidates = [
    `@deno/${os}-${arch()}${os === "linux" ? "-glibc" : ""}/package.json`,
    `@deno/${os}-${arch()}/package.json`,
    "deno/package.json",
  ];
  for (const candidate of candidates) {
    try {
      const folder = dirname(require.resolve(candidate));
      const executable = join(folder, os === "win32" ? "deno.exe" : "deno");
      accessSync(executable, constants.X_OK);
      denoPath = executable;
      return executable;
    } catch {}
  }
  denoPath = "deno"; // a Deno on PATH
  return denoPath;
}

/**
 * The Deno command line of a rule host: not one `--allow-*` flag, so every file, network,
 * environment, subprocess, system and FFI access is refused (`NotCapable`); no config,
 * lock file, remote or npm modules; a V8 old-generation limit of `memoryMb`.
 * @param entry the program to run (tests run their own probes under the same flags)
 */
export function ruleHostArguments(memoryMb: number, entry = HOST_ENTRY): string[] {
  return [
    "run",
    "--no-prompt",
    "--no-config",
    "--no-lock",
    "--no-remote",
    "--no-npm",
    "--quiet",
    `--v8-flags=--max-old-space-size=${memoryMb}`,
    entry,
  ];
}

/**
 * Spawns a rule host with no Deno permission, an empty environment, `cwd` as its working
 * directory (the pool gives an empty one) and a V8 old-generation limit of `memoryMb`.
 * @param maxLine the longest stdout line accepted
 */
export function spawnRuleHost(options: { cwd: string; memoryMb: number; maxLine: number }): RuleHostProcess {
  const child: ChildProcess = spawn(denoExecutable(), ruleHostArguments(options.memoryMb), {
    cwd: options.cwd,
    env: {},
    stdio: ["pipe", "pipe", "pipe"],
  });
  let lineHandler: (line: string | undefined) => void = () => {};
  let exitHandler: (exit: { code: number | null; signal: string | null; stderr: string }) => void = () => {};
  let stderr = "";
  let buffered = "";
  let exited = false;
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      lineHandler(line.length > options.maxLine ? undefined : line);
      newline = buffered.indexOf("\n");
    }
    if (buffered.length > options.maxLine) {
      buffered = "";
      lineHandler(undefined);
    }
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-2048);
  });
  // A write to a host that just died must not become an unhandled error in the server.
  child.stdin!.on("error", () => {});
  child.on("error", () => {
    if (!exited) {
      exited = true;
      exitHandler({ code: null, signal: null, stderr: "the rule host could not be started" });
    }
  });
  child.on("close", (code, signal) => {
    if (exited) return;
    exited = true;
    exitHandler({ code, signal, stderr });
  });
  return {
    pid: child.pid ?? -1,
    send(line) {
      if (!exited && child.stdin!.writable) child.stdin!.write(`${line}\n`);
    },
    onLine(handler) {
      lineHandler = handler;
    },
    onExit(handler) {
      exitHandler = handler;
    },
    kill() {
      if (!exited) child.kill("SIGKILL");
    },
  };
}

const CLOCK_TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

/** CPU time (user + system) and RSS of a process from /proc/<pid>/stat; undefined elsewhere or once it is gone. */
export function processStats(pid: number): ProcessStats | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND, rssBytes: Number(fields[21]) * PAGE_BYTES };
  } catch {
    return undefined;
  }
}
