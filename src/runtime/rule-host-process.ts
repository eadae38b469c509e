/**
 * Starts rule-host processes (./rule-host.ts) on Deno, from a server on Bun or on Deno alike
 * (node:child_process exists on both), and reads their CPU time and memory from /proc.
 */
import { Buffer } from "node:buffer";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { accessSync, closeSync, constants, openSync, readSync } from "node:fs";
import { createRequire } from "node:module";
import { arch, platform } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { OutputBudget } from "../rules/protocol.ts";
import { RULE_HOST_NAME } from "./rule-host-name.ts";

export { RULE_HOST_NAME };

const HOST_ENTRY = fileURLToPath(new URL("./rule-host.ts", import.meta.url));

/** A running rule host, as the pool sees it. */
export interface RuleHostProcess {
  pid: number;
  /** Writes one line to the host's stdin. */
  send(line: string): void;
  /**
   * Each line the host writes; `undefined`, once, when it wrote more than its budget or a
   * line longer than allowed: from then on nothing more of its output is read.
   */
  onLine(handler: (line: string | undefined) => void): void;
  /** What the host may write from now on, replacing what was left of the previous budget. */
  allowOutput(budget: OutputBudget): void;
  /** Called once, when the process has exited, with the end of what it wrote to stderr. */
  onExit(handler: (exit: { code: number | null; signal: string | null; stderr: string }) => void): void;
  /** SIGKILL: works whatever the host is doing (parsing, spinning in native code, allocating). Stops reading its output. */
  kill(): void;
}

/** CPU time and resident memory of a process, where the OS tells (Linux /proc). */
export interface ProcessStats {
  /** Not read (0) when only the memory was asked for. */
  cpuMs: number;
  rssBytes: number;
}

let denoPath: string | undefined;

/** The Deno executable that npm installed with this package (the platform package or `deno`'s own copy). */
export function denoExecutable(): string {
  if (denoPath) return denoPath;
  const require = createRequire(import.meta.url);
  const os = platform();
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

/** What an operator lets rule hosts reach: one folder to read, and hosts to connect to. */
export interface RuleHostAccess {
  /** RULE_MODULES_DIR, a real path: the one folder a host may read. */
  modulesDir?: string;
  /** RULE_ALLOWED_HOSTS: the `host:port` entries a host may connect to. */
  allowedHosts: readonly string[];
}

const NO_ACCESS: RuleHostAccess = { allowedHosts: [] };

/**
 * The Deno command line of a rule host: no `--allow-*` flag but reading `RULE_MODULES_DIR`
 * and connecting to `RULE_ALLOWED_HOSTS` when the operator set them, so every other file,
 * network, environment, subprocess, system and FFI access is refused (`NotCapable`); no
 * config, lock file, remote or npm modules; a V8 old-generation limit of `memoryMb`. The
 * same access follows the program's name for the host's own use (its messages, its refusals
 * before Deno's).
 * @param entry the program to run (tests run their own probes under the same flags)
 */
export function ruleHostArguments(memoryMb: number, entry = HOST_ENTRY, access = NO_ACCESS): string[] {
  const allow = [
    // An empty list would mean "everything" to Deno: the flag is left out instead.
    ...(access.modulesDir ? [`--allow-read=${access.modulesDir}`] : []),
    ...(access.allowedHosts.length > 0 ? [`--allow-net=${access.allowedHosts.join(",")}`] : []),
  ];
  return [
    "run",
    "--no-prompt",
    "--no-config",
    "--no-lock",
    "--no-remote",
    "--no-npm",
    "--quiet",
    ...allow,
    `--v8-flags=--max-old-space-size=${memoryMb}`,
    entry,
    `--memory-mb=${memoryMb}`,
    ...(access.modulesDir ? [`--modules-dir=${access.modulesDir}`] : []),
    ...(access.allowedHosts.length > 0 ? [`--allowed-hosts=${access.allowedHosts.join(",")}`] : []),
  ];
}

/**
 * Spawns a rule host with no Deno permission, an empty environment, `cwd` as its working
 * directory (the pool gives an empty one) and a V8 old-generation limit of `memoryMb`.
 *
 * The host's output is not trusted: its bytes are counted as they arrive, before anything
 * is parsed, against `output` or the budget {@link RuleHostProcess.allowOutput} last set; a
 * host over its budget, or with a line longer than `maxLine`, is reported once and no longer
 * read, so a flood costs the server one chunk.
 * @param maxLine the longest stdout line accepted, in bytes
 * @param output what the host may write until told otherwise (default: no bound but `maxLine`)
 * @param entry the host program (tests run hostile hosts under the same command line)
 * @param access the modules folder and hosts the operator opened to rules (none by default)
 */
export function spawnRuleHost(options: {
  cwd: string;
  memoryMb: number;
  maxLine: number;
  output?: OutputBudget;
  entry?: string;
  access?: RuleHostAccess;
}): RuleHostProcess {
  const child: ChildProcess = spawn(
    denoExecutable(),
    ruleHostArguments(options.memoryMb, options.entry, options.access),
    {
      cwd: options.cwd,
      env: {},
      argv0: RULE_HOST_NAME,
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let lineHandler: (line: string | undefined) => void = () => {};
  let exitHandler: (exit: { code: number | null; signal: string | null; stderr: string }) => void = () => {};
  let stderr = "";
  let exited = false;
  const budget: OutputBudget = { ...(options.output ?? { lines: Infinity, bytes: Infinity }) };
  const reader = readLines(options.maxLine, budget, (line) => lineHandler(line));
  const stopReading = () => {
    reader.stop();
    child.stdout!.destroy();
  };
  child.stdout!.on("data", (chunk: Buffer) => {
    if (!reader.take(chunk)) stopReading();
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
    if (child.pid !== undefined) forgetStatFile(child.pid);
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
    allowOutput(next) {
      budget.lines = next.lines;
      budget.bytes = next.bytes;
    },
    onExit(handler) {
      exitHandler = handler;
    },
    kill() {
      stopReading();
      if (!exited) child.kill("SIGKILL");
    },
  };
}

/**
 * Splits a host's stdout into lines while charging `budget`: each chunk's bytes before it is
 * looked at, each line as it completes. `take` answers false once the host is over budget
 * (after one `undefined` line) or has been stopped: its output is then dropped unread.
 */
function readLines(maxLine: number, budget: OutputBudget, deliver: (line: string | undefined) => void) {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let stopped = false;
  const overflow = () => {
    stopped = true;
    pending = [];
    deliver(undefined);
    return false;
  };
  return {
    stop() {
      stopped = true;
      pending = [];
    },
    take(chunk: Buffer): boolean {
      if (stopped) return false;
      budget.bytes -= chunk.length;
      if (budget.bytes < 0) return overflow();
      let start = 0;
      for (let newline = chunk.indexOf(10); newline >= 0; newline = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, newline);
        start = newline + 1;
        const line = pendingBytes > 0 ? Buffer.concat([...pending, piece]) : piece;
        pending = [];
        pendingBytes = 0;
        budget.lines -= 1;
        if (budget.lines < 0 || line.length > maxLine) return overflow();
        deliver(line.toString("utf8"));
        // The pool may have killed the host for what it said: read no further.
        if (stopped) return false;
      }
      if (start < chunk.length) {
        pending.push(chunk.subarray(start));
        pendingBytes += chunk.length - start;
        if (pendingBytes > maxLine) return overflow();
      }
      return true;
    },
  };
}

let procUnits: { ticksPerSecond: number; pageBytes: number } | undefined;

/**
 * The units of /proc/<pid>/stat, from getconf once: its CPU times count USER_HZ ticks
 * (`CLK_TCK`) and its RSS counts pages (`PAGESIZE`); Linux's usual 100 and 4096 where
 * getconf is missing.
 */
function units(): { ticksPerSecond: number; pageBytes: number } {
  if (!procUnits) {
    const answer = (name: string, otherwise: number) => {
      const value = Number(spawnSync("getconf", [name], { encoding: "utf8" }).stdout?.trim());
      return Number.isSafeInteger(value) && value > 0 ? value : otherwise;
    };
    procUnits = { ticksPerSecond: answer("CLK_TCK", 100), pageBytes: answer("PAGESIZE", 4096) };
  }
  return procUnits;
}

/**
 * The /proc/<pid>/stat files of the rule hosts, kept open and read again from the start at
 * each call (a supervisor reads one after every rule call): one read instead of an open, a
 * read and a close. A host's file is closed when the host has exited.
 */
const statFiles = new Map<number, number>();
const statBuffer = Buffer.alloc(1024);

function forgetStatFile(pid: number): void {
  const fd = statFiles.get(pid);
  if (fd === undefined) return;
  statFiles.delete(pid);
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

function readStat(pid: number): string {
  let fd = statFiles.get(pid);
  if (fd === undefined) {
    fd = openSync(`/proc/${pid}/stat`, "r");
    statFiles.set(pid, fd);
  }
  try {
    const length = readSync(fd, statBuffer, 0, statBuffer.length, 0);
    return statBuffer.toString("latin1", 0, length);
  } catch (error) {
    // The process is gone (and its pid may be someone else's by now).
    forgetStatFile(pid);
    throw error;
  }
}

/**
 * CPU time (user + system) and RSS of a process, from /proc/<pid>/stat; undefined elsewhere
 * or once it is gone.
 */
export function processStats(pid: number): ProcessStats | undefined {
  try {
    const stat = readStat(pid);
    // Fields after the command name, which may itself contain spaces and parentheses:
    // utime and stime are the 12th and 13th of them, rss (in pages) the 22nd.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const { ticksPerSecond, pageBytes } = units();
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { cpuMs: (ticks * 1000) / ticksPerSecond, rssBytes: Number(fields[21]) * pageBytes };
  } catch {
    return undefined;
  }
}
