import type { Config } from "../config.ts";
import type { Logger } from "../logs/logger.ts";
import {
  AccessDenied,
  InvalidRequest,
  InvalidScope,
  type OAuthError,
  ServerError,
  TemporarilyUnavailable,
} from "../oauth/errors.ts";
import type { Runtime, SandboxWorker } from "../runtime/runtime.ts";
import type { RuleInput, RuleLogLine, RuleRunner, RuleScript } from "./contract.ts";
import { GarbageResult, normalizeOutcome } from "./normalize-outcome.ts";
import type { CallEnd, CompileError, FromWorker, ToWorker } from "./protocol.ts";

const WORKER_URL = new URL("./worker.ts", import.meta.url);
/** How long past the time limit the pool waits for a worker before terminating it. */
const GRACE_MS = 250;
/** How often the memory watchdog samples the RSS while rules run. */
const WATCHDOG_MS = 10;

/** Everything one rule call produced, for the token endpoint and for `try`. */
export interface RuleExecution {
  /** The parsed result when the rule succeeded. */
  result?: unknown;
  /** The OAuth error the call maps to when it did not. */
  error?: OAuthError;
  logs: RuleLogLine[];
  durationMs: number;
}

/** The worker pool behind {@link RuleRunner}, plus compile checks and `try`. */
export interface RulePool extends RuleRunner {
  execute(
    rule: RuleScript,
    input: RuleInput,
    requestId: string,
    onConsole?: (line: RuleLogLine) => void,
  ): Promise<RuleExecution>;
  /** Compiles `script` in a worker (syntax, top-level code, exported function) without deploying it. */
  compile(script: string): Promise<CompileError | undefined>;
  close(): Promise<void>;
}

type Job =
  | {
      kind: "run";
      callId: number;
      rule: RuleScript;
      input: string;
      requestId: string;
      logs: RuleLogLine[];
      onConsole?: (line: RuleLogLine) => void;
      started: number;
      finish(execution: RuleExecution): void;
    }
  | { kind: "compile"; callId: number; script: string; finish(error: CompileError | undefined): void };

interface Slot {
  worker: SandboxWorker;
  ready: boolean;
  version?: string;
  job?: Job;
  timer?: ReturnType<typeof setTimeout>;
}

const GENERIC = "The password-exchange rule failed.";

/** Maps how a call ended onto the SPEC §3 error table. */
function errorOf(end: Exclude<CallEnd, { kind: "ok" }>, timeoutMs: number): OAuthError {
  if (end.kind === "timeout")
    return new ServerError(GENERIC, `the rule did not finish within ${timeoutMs} ms`);
  if (end.kind === "failed") return new ServerError(GENERIC, end.detail);
  switch (end.errorClass) {
    case "InvalidScopeError":
      return new InvalidScope(end.message);
    case "InvalidRequestError":
      return new InvalidRequest(end.message);
    case "ServerError":
      return new ServerError(end.message || GENERIC, "the rule raised ServerError");
    default:
      return new AccessDenied(
        end.message || "Access denied by the password-exchange rule.",
        "the rule denied",
      );
  }
}

/**
 * A pool of warm rule workers (SPEC §4). Each worker runs one call at a time and keeps
 * the current rule compiled; a new rule version is sent with the next call it gets.
 * The pool enforces the time limit (worker-side vm timeout, then terminate), the memory
 * limit (an RSS watchdog that stops the busy workers, since the process's memory cannot
 * be attributed to one of them), replaces dead workers and bounds the queue.
 */
export function createRulePool(options: {
  runtime: Runtime;
  config: Pick<Config, "ruleWorkers" | "ruleTimeoutMs" | "ruleMemoryMb">;
  log: Logger;
  maxQueue?: number;
}): RulePool {
  const { runtime, config, log } = options;
  const timeoutMs = config.ruleTimeoutMs;
  const memoryLimitBytes = config.ruleMemoryMb * 1024 * 1024;
  const maxQueue = options.maxQueue ?? config.ruleWorkers * 128;
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextCallId = 1;
  let closed = false;
  let baselineRss = runtime.residentSetBytes();
  let watchdog: ReturnType<typeof setInterval> | undefined;

  const busySlots = () => slots.filter((slot) => slot.job);

  function fail(job: Job, error: OAuthError): void {
    if (job.kind === "run") {
      job.finish({ error, logs: job.logs, durationMs: performance.now() - job.started });
    } else {
      job.finish({ message: error.detail ?? error.description });
    }
  }

  function spawn(): Slot {
    const slot: Slot = {
      worker: runtime.spawnWorker(WORKER_URL, { memoryMb: config.ruleMemoryMb }),
      ready: false,
    };
    slot.worker.onMessage((message) => onMessage(slot, message as FromWorker));
    slot.worker.onExit((reason) => replace(slot, reason));
    return slot;
  }

  /** Terminates a slot's worker (if still alive), fails its job, and starts a fresh worker. */
  function replace(slot: Slot, reason: string): void {
    const index = slots.indexOf(slot);
    if (index < 0) return;
    clearTimeout(slot.timer);
    slot.worker.terminate();
    const job = slot.job;
    slot.job = undefined;
    if (job) fail(job, new ServerError(GENERIC, reason));
    if (closed) {
      slots.splice(index, 1);
      return;
    }
    log.warn({ event: "rule_worker_replaced", reason }, "rule worker replaced");
    slots[index] = spawn();
  }

  function onMessage(slot: Slot, message: FromWorker): void {
    if (message.type === "ready") {
      slot.ready = true;
      return dispatch();
    }
    const job = slot.job;
    if (!job || job.callId !== message.callId) return;
    if (message.type === "log" && job.kind === "run") {
      const line = { level: message.level, text: message.text };
      job.logs.push(line);
      job.onConsole?.(line);
      log.info({
        event: "rule_console",
        request_id: job.requestId,
        level: message.level,
        text: message.text,
      });
      return;
    }
    clearTimeout(slot.timer);
    slot.job = undefined;
    if (message.type === "done" && job.kind === "run") {
      const durationMs = performance.now() - job.started;
      if (message.end.kind === "ok") {
        job.finish({ result: JSON.parse(message.end.json), logs: job.logs, durationMs });
      } else {
        if (message.end.kind === "failed") slot.version = undefined;
        job.finish({ error: errorOf(message.end, timeoutMs), logs: job.logs, durationMs });
      }
    } else if (message.type === "compiled" && job.kind === "compile") {
      job.finish(message.error);
    }
    dispatch();
  }

  function watch(): void {
    if (watchdog) return;
    watchdog = setInterval(() => {
      const busy = busySlots();
      const rss = runtime.residentSetBytes();
      if (busy.length === 0) {
        baselineRss = rss;
        clearInterval(watchdog);
        watchdog = undefined;
        return;
      }
      if (rss - baselineRss > memoryLimitBytes) {
        log.warn(
          { event: "rule_memory_limit", rss_mb: Math.round(rss / 2 ** 20), stopped_workers: busy.length },
          "rule memory limit exceeded: stopping the busy rule workers",
        );
        for (const slot of busy)
          replace(slot, `the rule exceeded the memory limit of ${config.ruleMemoryMb} MB`);
      }
    }, WATCHDOG_MS);
    (watchdog as { unref?: () => void }).unref?.();
  }

  function dispatch(): void {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.ready || slot.job) continue;
      if (busySlots().length === 0) baselineRss = runtime.residentSetBytes();
      const job = queue.shift()!;
      slot.job = job;
      let message: ToWorker;
      if (job.kind === "run") {
        const sendScript = slot.version !== job.rule.version;
        slot.version = job.rule.version;
        job.started = performance.now();
        message = {
          type: "run",
          callId: job.callId,
          version: job.rule.version,
          script: sendScript ? job.rule.script : undefined,
          input: job.input,
          timeoutMs,
        };
      } else {
        message = { type: "compile", callId: job.callId, script: job.script, timeoutMs };
      }
      slot.timer = setTimeout(
        () => replace(slot, `the rule did not finish within ${timeoutMs} ms`),
        timeoutMs + GRACE_MS,
      );
      slot.worker.postMessage(message);
      watch();
    }
  }

  function enqueue(job: Job): void {
    if (closed) return fail(job, new ServerError(GENERIC, "the rule pool is closed"));
    if (queue.length >= maxQueue) {
      if (job.kind === "run") {
        return job.finish({
          error: new TemporarilyUnavailable("Too many password exchanges are waiting; try again shortly."),
          logs: [],
          durationMs: 0,
        });
      }
      return job.finish({ message: "The rule sandbox is busy; try again shortly." });
    }
    queue.push(job);
    dispatch();
  }

  for (let i = 0; i < config.ruleWorkers; i++) slots.push(spawn());

  const execute = (
    rule: RuleScript,
    input: RuleInput,
    requestId: string,
    onConsole?: (line: RuleLogLine) => void,
  ) =>
    new Promise<RuleExecution>((finish) =>
      enqueue({
        kind: "run",
        callId: nextCallId++,
        rule,
        input: JSON.stringify(input),
        requestId,
        logs: [],
        onConsole,
        started: performance.now(),
        finish,
      }),
    );

  return {
    execute,
    async run(rule, input, requestId, onConsole) {
      const execution = await execute(rule, input, requestId, onConsole);
      if (execution.error) throw execution.error;
      try {
        return normalizeOutcome(execution.result);
      } catch (error) {
        if (error instanceof GarbageResult) throw new ServerError(GENERIC, error.message);
        throw error;
      }
    },
    compile: (script) =>
      new Promise((finish) => enqueue({ kind: "compile", callId: nextCallId++, script, finish })),
    async close() {
      closed = true;
      clearInterval(watchdog);
      for (const job of queue.splice(0)) fail(job, new ServerError(GENERIC, "the rule pool is closed"));
      for (const slot of [...slots]) replace(slot, "the rule pool is closed");
    },
  };
}
