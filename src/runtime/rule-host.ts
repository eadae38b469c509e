/**
 * The rule-host process: a Deno program started by the server with no `--allow-*`
 * permission at all (no files, network, environment, subprocesses or FFI), an empty
 * environment, an empty working directory and a V8 heap limit. It serves one rule version,
 * one call at a time, over newline-delimited JSON on stdin and stdout (src/rules/protocol.ts).
 * The server can SIGKILL it whenever it likes, and does whenever it misbehaves.
 *
 * Its own needs (stdio, JSON) are captured before the realm is locked down and before any
 * rule code exists.
 */

import { MAX_MODULE_BYTES } from "../rules/module-files.ts";
import type { ModuleFiles } from "../rules/module-resolver.ts";
import { SANDBOX_LIMITS, type ToHost } from "../rules/protocol.ts";
import { createSandbox, type HostAccess } from "../rules/sandbox.ts";
import { hardenIntrinsics, lockDownRealm } from "./lockdown.ts";
import { RULE_HOST_NAME } from "./rule-host-name.ts";

declare const Deno: {
  stdout: { writeSync(bytes: Uint8Array): number };
  stdin: { read(buffer: Uint8Array): Promise<number | null> };
  exit(code: number): never;
  ppid: number;
  args: string[];
  readTextFileSync(path: string): string;
  realPathSync(path: string): string;
  openSync(path: string): { readSync(bytes: Uint8Array): number | null; close(): void };
  addSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
};

const { stdout, stdin } = Deno;
const access = hostAccess(Deno.args);
const files = denoFiles();
const writeSync = stdout.writeSync.bind(stdout);
const read = stdin.read.bind(stdin);
const exit = Deno.exit.bind(Deno);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encode = encoder.encode.bind(encoder);
const decode = decoder.decode.bind(decoder);
const { stringify, parse } = JSON;
const { keys, create } = Object;
const indexOfByte = Function.prototype.call.bind(Uint8Array.prototype.indexOf) as (
  bytes: Uint8Array,
  value: number,
  from?: number,
) => number;
const subarray = Function.prototype.call.bind(Uint8Array.prototype.subarray) as (
  bytes: Uint8Array,
  start: number,
  end?: number,
) => Uint8Array;

/** A copy without prototypes, so nothing planted on this realm's Object.prototype (toJSON) shapes a message. */
function bare(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  const copy = create(null) as Record<string, unknown>;
  for (const key of keys(value)) copy[key] = bare((value as Record<string, unknown>)[key]);
  return copy;
}

function writeAll(bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(subarray(bytes, offset));
}

const send = (message: unknown) => writeAll(encode(`${stringify(bare(message))}\n`));

/**
 * What the server's command line gave the host besides its Deno permissions (which are what
 * actually hold): `--memory-mb=<RULE_MEMORY_MB>`, `--modules-dir=<path>` and
 * `--allowed-hosts=<host:port,…>`
 * (src/runtime/rule-host-process.ts `ruleHostArguments`).
 */
function hostAccess(args: readonly string[]): HostAccess {
  const value = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const hosts = value("allowed-hosts");
  const memoryMb = Number(value("memory-mb"));
  return {
    modulesDir: value("modules-dir") || undefined,
    allowedHosts: hosts ? hosts.split(",") : [],
    // What its requests bring in counts against the host's memory: a quarter of it at most.
    responseBytes: memoryMb > 0 ? (memoryMb * 1024 * 1024) / 4 : undefined,
  };
}

/**
 * Module files as Deno reads them, with functions captured before the lockdown. Deno's
 * `statSync` (and node:fs's `statSync` and `realpathSync` built on it) reaches for the
 * `Deno` global the lockdown removes, so a file is told from a folder by reading a byte.
 * Deno's `--allow-read` decides what they may read: the modules folder, or nothing.
 */
function denoFiles(): ModuleFiles {
  const readText = Deno.readTextFileSync.bind(Deno);
  const realPath = Deno.realPathSync.bind(Deno);
  const open = Deno.openSync.bind(Deno);
  const probe = new Uint8Array(1);
  return {
    read(path) {
      try {
        const text = readText(path);
        return text.length > MAX_MODULE_BYTES ? undefined : text;
      } catch {
        return undefined;
      }
    },
    realpath(path) {
      try {
        return realPath(path);
      } catch {
        return undefined;
      }
    },
    isFile(path) {
      try {
        const file = open(path);
        try {
          file.readSync(probe); // a folder: IsADirectory
          return true;
        } finally {
          file.close();
        }
      } catch {
        return false;
      }
    },
  };
}

/**
 * systemd's stop (KillMode=control-group) and Ctrl-C signal every process of the server's
 * group: a host that died of it would fail its call while the server still drains. The
 * server ends its hosts itself once it has drained (README, "Graceful shutdown").
 */
function ignoreGroupSignals(): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(signal, () => {});
}

/**
 * The program of {@link watchParent}'s worker. The host's thread exits as soon as it is told,
 * unless rule code holds it (a spin until the vm timeout, a parser that never returns);
 * then only the end of the whole process stops it, and the one way a worker without
 * permissions has to end its process is to exhaust its heap, which V8 treats as fatal to
 * the process.
 */
const PARENT_WATCH = (parent: number) => `
  const watch = setInterval(() => {
    if (Deno.ppid === ${parent}) return;
    clearInterval(watch);
    postMessage("orphaned");
    setTimeout(() => { const hoard = []; for (;;) hoard.push(new Array(1 << 16).fill(0)); }, 1000);
  }, 250);
`;

/**
 * Ends the host once the server that started it is gone, even if the server was killed
 * (SIGKILL leaves no time to end its hosts) while rule code keeps the host's own thread
 * busy: a worker thread (no permission needed) polls the parent pid, which changes when the
 * host is orphaned. An idle host also sees its stdin close (see {@link serve}).
 */
function watchParent(): void {
  const worker = new Worker(`data:text/javascript,${encodeURIComponent(PARENT_WATCH(Deno.ppid))}`, {
    type: "module",
  });
  worker.onmessage = () => exit(0);
}

/**
 * Names the process in `ps` and `top` (Deno sets the title without a permission). After the
 * lockdown, which empties `process` (and so would leave the title "undefined").
 */
function nameProcess(node: { title?: string } | undefined): void {
  try {
    if (node) node.title = RULE_HOST_NAME;
  } catch {}
}

const nodeProcess = (globalThis as { process?: { title?: string } }).process;
ignoreGroupSignals();
watchParent();
lockDownRealm();
nameProcess(nodeProcess);
// Frozen constructors and prototypes: a rule's hooks could not attach to them even if a
// host object reached it.
hardenIntrinsics();
const sandbox = createSandbox(send, SANDBOX_LIMITS, access, files);

async function serve(): Promise<void> {
  const chunk = new Uint8Array(64 * 1024);
  let pending = new Uint8Array(0);
  for (;;) {
    const count = await read(chunk);
    if (count === null) return exit(0); // the server closed our stdin: it is done with us
    const joined = new Uint8Array(pending.length + count);
    joined.set(pending);
    joined.set(subarray(chunk, 0, count), pending.length);
    let start = 0;
    for (let newline = indexOfByte(joined, 10); newline >= 0; newline = indexOfByte(joined, 10, start)) {
      const line = decode(subarray(joined, start, newline));
      start = newline + 1;
      sandbox.handle(parse(line) as ToHost);
    }
    pending = joined.slice(start);
  }
}

send({ type: "ready" });
await serve();
