/**
 * A rule worker: one warm thread that runs one rule call at a time. It locks its own
 * realm down first, then runs the rule inside a node:vm context (own realm, string code
 * generation off, its own microtask queue) where every entry into rule code carries the
 * remaining time as the vm timeout, so a spinning rule is stopped here even where the
 * runtime cannot terminate the thread (Deno). The pool's own timer and memory watchdog
 * are the backstop.
 */
import { readFileSync } from "node:fs";
import vm from "node:vm";
import { parentPort } from "node:worker_threads";
import { lockDownRealm } from "../runtime/lockdown.ts";
import type { CallEnd, CompileError, FromWorker, SandboxLimits, ToWorker } from "./protocol.ts";

const PRELUDE = readFileSync(new URL("./context-prelude.js", import.meta.url), "utf8");
/** The module wrapper keeps the rule's line numbers; column offsets apply on line 1 only. */
const MODULE_HEAD = "(function (module, exports) {";
const LIMITS: SandboxLimits = { logLines: 100, logLineLength: 4096, resultBytes: 64 * 1024 };

// node:worker_threads' port works in Bun's Web Workers and in Deno's worker_threads alike.
const port = parentPort;
if (!port) throw new Error("the rule worker must run as a worker thread");
const post = (message: FromWorker) => port.postMessage(message);
const subtle = crypto.subtle;
const getRandomValues = crypto.getRandomValues.bind(crypto);
const randomUUID = crypto.randomUUID.bind(crypto);
const hostGlobals = {
  URL,
  URLSearchParams,
  TextEncoder,
  TextDecoder,
  atob,
  btoa,
  structuredClone,
};

lockDownRealm();

const LOAD = new vm.Script("__rulegate.load()");
const START = new vm.Script("__rulegate.start()");
const FIRE = new vm.Script("__rulegate.fire()");
const ABANDON = new vm.Script("__rulegate.abandon()");
const PUMP = new vm.Script("undefined");

interface Call {
  id: number;
  deadline: number;
  timers: Map<number, ReturnType<typeof setTimeout>>;
  deadlineTimer?: ReturnType<typeof setTimeout>;
  end?: CallEnd;
}

let compiled: { version: string; context: vm.Context } | undefined;
let call: Call | undefined;
let pendingArgs: unknown;

const isTimeout = (error: unknown) => (error as { code?: string })?.code === "ERR_SCRIPT_EXECUTION_TIMEOUT";

const describe = (error: unknown): string => {
  try {
    if (error instanceof Error || (error && typeof error === "object" && "message" in error)) {
      const { name, message } = error as Error;
      return `${String(name)}: ${String(message)}`;
    }
    return String(error);
  } catch {
    return "an unprintable error";
  }
};

const remainingMs = () => (call ? call.deadline - performance.now() : 0);

/** Enters rule code through a precompiled script, bounded by the call's remaining time. */
function enter(context: vm.Context, script: vm.Script, args?: unknown): void {
  if (!call) return;
  const remaining = remainingMs();
  if (remaining <= 0) return endCall({ kind: "timeout" });
  pendingArgs = args;
  try {
    script.runInContext(context, { timeout: Math.max(1, Math.ceil(remaining)) });
  } catch (error) {
    if (isTimeout(error)) return endCall({ kind: "timeout" });
    call.end ??= { kind: "failed", detail: `the rule crashed: ${describe(error)}` };
  }
  if (call?.end) endCall(call.end);
}

function endCall(end: CallEnd): void {
  const ending = call;
  if (!ending) return;
  call = undefined;
  for (const timer of ending.timers.values()) clearTimeout(timer);
  clearTimeout(ending.deadlineTimer);
  if (end.kind === "timeout" && compiled) {
    try {
      ABANDON.runInContext(compiled.context, { timeout: 50 });
    } catch {}
  }
  post({ type: "done", callId: ending.id, end });
}

/** The capabilities the prelude receives; each checks that its call is still the current one. */
function hostFor(contextRef: () => vm.Context | undefined) {
  const pumpSoon = () =>
    setTimeout(() => {
      const context = contextRef();
      if (context) enter(context, PUMP);
    }, 0);
  return {
    args: () => pendingArgs,
    getRandomValues: <T extends ArrayBufferView>(array: T) => getRandomValues(array as never) as T,
    randomUUID: () => randomUUID(),
    log(callId: number, level: unknown, text: unknown) {
      if (call?.id === callId) post({ type: "log", callId, level: String(level), text: String(text) });
    },
    schedule(callId: number, timerId: number, delay: number, repeat: boolean) {
      if (call?.id !== callId) return;
      const active = call;
      const fire = () => {
        if (!repeat) active.timers.delete(timerId);
        const context = contextRef();
        if (context && call === active) enter(context, FIRE, timerId);
      };
      const wait = Math.min(Number(delay) || 0, Math.max(0, remainingMs()));
      active.timers.set(timerId, repeat ? setInterval(fire, Math.max(1, wait)) : setTimeout(fire, wait));
    },
    cancel(timerId: number) {
      const timer = call?.timers.get(timerId);
      if (timer !== undefined) {
        clearTimeout(timer);
        call?.timers.delete(timerId);
      }
    },
    settle(callId: number, kind: unknown, payload: unknown, errorClass: unknown, message: unknown) {
      if (call?.id !== callId || call.end) return;
      const k = String(kind);
      call.end =
        k === "ok"
          ? { kind: "ok", json: String(payload) }
          : k === "error"
            ? { kind: "error", errorClass: String(errorClass), message: String(message) }
            : { kind: "failed", detail: String(payload) };
    },
    subtle(method: string, args: unknown[]) {
      const operation = (subtle as unknown as Record<string, unknown>)[method];
      const result =
        typeof operation === "function"
          ? Promise.resolve().then(() => operation.apply(subtle, args))
          : Promise.reject(new TypeError(`crypto.subtle.${method} is not a function`));
      // The rule's continuation waits in its context's own microtask queue: pump it once settled.
      result.then(pumpSoon, pumpSoon);
      return result;
    },
  };
}

/** Where a SyntaxError points, from the engine's `file:line` and caret lines. */
function locate(error: unknown): CompileError {
  const message = describe(error);
  const stack = String((error as { stack?: unknown })?.stack ?? "");
  const lines = stack.split("\n");
  const at = lines.findIndex((line) => /^rule\.js:\d+/.test(line));
  if (at < 0) return { message };
  const line = Number(/^rule\.js:(\d+)/.exec(lines[at]!)![1]);
  const caret = lines[at + 2]?.indexOf("^") ?? -1;
  if (caret < 0) return { message, line };
  const column = caret + 1 - (line === 1 ? MODULE_HEAD.length : 0);
  return { message, line, column: Math.max(1, column) };
}

/** A fresh context with the prelude installed and the rule module loaded. */
function compileRule(script: string, timeoutMs: number): vm.Context {
  const context = vm.createContext(Object.create(null), {
    name: "rule",
    codeGeneration: { strings: false, wasm: false },
    microtaskMode: "afterEvaluate",
  });
  let ownContext: vm.Context | undefined;
  const install = new vm.Script(PRELUDE, { filename: "rulegate-prelude.js" }).runInContext(context);
  install(
    hostFor(() => ownContext),
    hostGlobals,
    LIMITS,
  );
  const moduleBody = new vm.Script(`${MODULE_HEAD}${script}\n})`, { filename: "rule.js" }).runInContext(
    context,
    {
      timeout: timeoutMs,
    },
  );
  pendingArgs = moduleBody;
  LOAD.runInContext(context, { timeout: timeoutMs });
  ownContext = context;
  return context;
}

function run(message: Extract<ToWorker, { type: "run" }>): void {
  call = { id: message.callId, deadline: performance.now() + message.timeoutMs, timers: new Map() };
  call.deadlineTimer = setTimeout(() => endCall({ kind: "timeout" }), message.timeoutMs);
  if (compiled?.version !== message.version) {
    if (message.script === undefined)
      return endCall({ kind: "failed", detail: "the worker lacks the rule's source" });
    try {
      compiled = { version: message.version, context: compileRule(message.script, message.timeoutMs) };
    } catch (error) {
      compiled = undefined;
      if (isTimeout(error)) return endCall({ kind: "timeout" });
      const where = locate(error);
      const position = where.line
        ? ` (line ${where.line}${where.column ? `, column ${where.column}` : ""})`
        : "";
      return endCall({ kind: "failed", detail: `the rule does not compile: ${where.message}${position}` });
    }
  }
  enter(compiled.context, START, [message.callId, message.input]);
}

port.on("message", (message: ToWorker) => {
  if (message.type === "run") return run(message);
  if (message.type === "compile") {
    try {
      compileRule(message.script, message.timeoutMs);
      post({ type: "compiled", callId: message.callId });
    } catch (error) {
      post({
        type: "compiled",
        callId: message.callId,
        error: isTimeout(error) ? { message: "The rule's top-level code timed out." } : locate(error),
      });
    }
  }
});

post({ type: "ready" });
