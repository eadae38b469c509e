import type { Logger } from "../logs/logger.ts";
import type { ProcessStats, RuleHostProcess } from "../runtime/rule-host-process.ts";
import type { RuleFailure } from "./contract.ts";
import type { CancelTimer, PoolTimers } from "./pool-timers.ts";
import {
  type CompileError,
  type FromHost,
  HOST_OUTPUT,
  parseHostMessage,
  SANDBOX_LIMITS,
} from "./protocol.ts";
import { endCall, failCall, type RuleCall } from "./rule-call.ts";

/** The deadlines and sampling periods of a host's watchdog. */
export const HOST_WATCH = {
  /** How long past a deadline the supervisor waits for the host before killing it. */
  graceMs: 250,
  /** How long a new host may take to report ready (the time limit when that is longer), before the grace. */
  startMs: 2000,
  /** How long after a call's answer a host may take to report that no rule code is running. */
  idleGraceMs: 100,
  /** How often a busy or loading host's memory is sampled. */
  busySampleMs: 10,
  /** How often an idle host's CPU and memory are sampled. */
  idleSampleMs: 500,
  /** CPU an idle host may use per idle sample before it is taken for running left-over rule code. */
  idleCpuMs: 150,
} as const;

/**
 * Where a host is in its protocol (src/rules/protocol.ts): `starting` until `ready`; `spare`
 * while held for a rule not yet asked for; `loading` until `loaded`; then `idle`, `busy` with
 * one call, `cleaning` between the call's `done` and its `idle` report; `dead` once exited.
 */
export type HostState = "starting" | "spare" | "loading" | "idle" | "busy" | "cleaning" | "dead";

/** Why the pool ended a host or a call because something went wrong (a denial only ever comes from the rule). */
export type HostFailure = Exclude<RuleFailure, { kind: "denied" }>;

/**
 * A host the pool stopped on purpose, which says nothing against its rule: its version
 * retired, its one throwaway load or call is over (`used`), or its rule overran or crashed in
 * a call that has already been answered (`distrusted`: the host gets no other call).
 */
export type HostStop =
  | { kind: "stopped"; reason: "retired" | "used" }
  | { kind: "stopped"; reason: "distrusted"; after: "timeout" | "crashed" };

/** How a host's life ended: a failure, or a stop. */
export type HostEnd = HostFailure | HostStop;

/** What a supervisor tells the pool; each event comes from the host's own messages or its exit. */
export interface HostEvents {
  /** The host is up and no rule code has run in it: the pool answers `holdAsSpare` or `load`. */
  ready(): void;
  /**
   * Its rule loaded (the host is now idle), or did not compile (`error`: the host is still
   * alive, and the pool stops or kills it).
   */
  loaded(error: CompileError | undefined): void;
  /** The host is free for another call. */
  idle(): void;
  /** The host exited; `loaded`: it had loaded its rule before (a spare had not). */
  exited(end: HostEnd, loaded: boolean): void;
}

/** One rule host as the pool drives it. */
export interface HostSupervisor {
  readonly pid: number;
  readonly state: HostState;
  /** Idle and not on its way out: it may be given a call. */
  readonly available: boolean;
  /** Resolves once the process has exited and {@link HostEvents.exited} has been told. */
  readonly exited: Promise<void>;
  /** Keeps a ready host unloaded and silent until a rule is asked for. */
  holdAsSpare(): void;
  /** Sends the host its one rule; its top-level code runs under the time limit. */
  load(script: string): void;
  /** Runs `call` on an {@link HostSupervisor.available} host. */
  run(call: RuleCall): void;
  /** Ends the host on purpose (SIGKILL); the first end given is the one reported. */
  stop(stop: HostStop): void;
  /** Ends the host for `failure` (SIGKILL), which fails its call if it has one. */
  kill(failure: HostFailure): void;
}

const outOfTurn = (type: FromHost["type"]): HostFailure => ({
  kind: "crashed",
  detail: `the rule host sent "${type}" out of turn`,
});

/**
 * Supervises one rule-host process: follows its protocol (`ready`, `loaded`, then per call
 * `log`s, `done` and `idle`), sets what it may write in each state, and kills it (SIGKILL) on
 * a message out of turn or malformed, output past its budget, a missed deadline (start, load,
 * call, the idle report after a call), memory past `memoryMb` over its RSS at `ready` (sampled
 * while it loads or runs, and when it reports idle), or CPU used while idle (rule code left
 * running). A host whose call timed out or crashed, or a `singleUse` one after its call, is
 * stopped rather than trusted with another.
 */
export function superviseHost(options: {
  process: RuleHostProcess;
  timeoutMs: number;
  memoryMb: number;
  /** A throwaway host: stopped after its one call. */
  singleUse: boolean;
  log: Logger;
  processStats: (pid: number) => ProcessStats | undefined;
  timers: PoolTimers;
  events: HostEvents;
}): HostSupervisor {
  const { process, timeoutMs, memoryMb, log, processStats, timers, events } = options;
  const memoryLimitBytes = memoryMb * 1024 * 1024;
  const memoryFailure: HostFailure = {
    kind: "memory",
    detail: `the rule exceeded the memory limit of ${memoryMb} MB`,
  };
  let state: HostState = "starting";
  let call: RuleCall | undefined;
  let callId: number | undefined;
  /** Its RSS when it reported ready, before any rule code ran in it: what the memory limit counts from. */
  let baselineRss: number | undefined;
  let lastCpuMs: number | undefined;
  let ending: HostEnd | undefined;
  let cancelDeadline: CancelTimer = () => {};
  let cancelBusyWatch: CancelTimer | undefined;
  let markExited = () => {};
  const exited = new Promise<void>((resolve) => {
    markExited = resolve;
  });

  function end(how: HostEnd): void {
    if (state === "dead") return;
    ending ??= how;
    process.kill();
  }
  const kill = (failure: HostFailure) => end(failure);

  function deadline(ms: number, failure: HostFailure): void {
    cancelDeadline();
    cancelDeadline = timers.after(ms, () => kill(failure));
  }

  /** Whether `stats` show the host past its memory limit; if so it is killed. */
  function killedForMemory(stats: ProcessStats | undefined): boolean {
    if (!stats || baselineRss === undefined || stats.rssBytes - baselineRss <= memoryLimitBytes) return false;
    log.warn(
      { event: "rule_memory_limit", rss_mb: Math.round(stats.rssBytes / 2 ** 20), pid: process.pid },
      "rule memory limit exceeded: stopping the rule host",
    );
    kill(memoryFailure);
    return true;
  }

  /** Memory of a busy or loading host, every few milliseconds until it is neither. */
  function watchWhileBusy(): void {
    cancelBusyWatch ??= timers.every(HOST_WATCH.busySampleMs, () => {
      if ((state !== "busy" && state !== "loading") || ending) {
        cancelBusyWatch?.();
        cancelBusyWatch = undefined;
        return;
      }
      killedForMemory(processStats(process.pid));
    });
  }

  // An idle host uses no CPU and keeps its memory: anything else is rule code still running
  // (a callback planted in the host's realm) or memory kept past the limit.
  const cancelIdleWatch = timers.every(HOST_WATCH.idleSampleMs, () => {
    if (state !== "idle" || ending) return;
    const stats = processStats(process.pid);
    if (!stats) return;
    if (lastCpuMs !== undefined && stats.cpuMs - lastCpuMs > HOST_WATCH.idleCpuMs) {
      kill({ kind: "crashed", detail: "the rule host was busy between calls" });
    } else {
      killedForMemory(stats);
    }
    lastCpuMs = stats.cpuMs;
  });

  deadline(Math.max(timeoutMs, HOST_WATCH.startMs) + HOST_WATCH.graceMs, {
    kind: "timeout",
    detail: `the rule host did not start within ${timeoutMs} ms`,
  });

  function onLine(line: string | undefined): void {
    if (state === "dead" || ending) return;
    if (line === undefined) {
      return kill({ kind: "crashed", detail: `the rule host wrote more than it may while ${state}` });
    }
    const message = parseHostMessage(line);
    if (!message) return kill({ kind: "crashed", detail: "the rule host sent a malformed message" });
    switch (message.type) {
      case "ready":
        if (state !== "starting") return kill(outOfTurn("ready"));
        // Deno is up and no rule code has run yet: top-level allocations count from here.
        baselineRss = processStats(process.pid)?.rssBytes;
        return events.ready();
      case "loaded":
        if (state !== "loading") return kill(outOfTurn("loaded"));
        return onLoaded(message.error);
      case "log":
        if (state !== "busy" || !call || callId !== message.callId) return kill(outOfTurn("log"));
        return keepLog(call, message);
      case "done": {
        if (state !== "busy" || callId !== message.callId || !call) return kill(outOfTurn("done"));
        cancelDeadline();
        const answered = call;
        call = undefined;
        endCall(answered, message.end, timeoutMs);
        if (options.singleUse) return end({ kind: "stopped", reason: "used" });
        if (message.end.kind === "timeout" || message.end.kind === "failed") {
          const after = message.end.kind === "timeout" ? "timeout" : "crashed";
          return end({ kind: "stopped", reason: "distrusted", after });
        }
        state = "cleaning";
        process.allowOutput(HOST_OUTPUT.afterDone);
        return deadline(HOST_WATCH.idleGraceMs, {
          kind: "crashed",
          detail: "the rule kept running after its call ended",
        });
      }
      case "idle": {
        if (state !== "cleaning" || callId !== message.callId) return kill(outOfTurn("idle"));
        cancelDeadline();
        const stats = processStats(process.pid);
        if (killedForMemory(stats)) return;
        lastCpuMs = stats?.cpuMs;
        state = "idle";
        process.allowOutput(HOST_OUTPUT.silent);
        callId = undefined;
        return events.idle();
      }
    }
  }

  function onLoaded(error: CompileError | undefined): void {
    cancelDeadline();
    process.allowOutput(HOST_OUTPUT.silent);
    // What its top-level code keeps: refused like a rule that allocates during a call.
    if (!error && killedForMemory(processStats(process.pid))) return;
    if (!error) state = "idle";
    events.loaded(error);
  }

  /** A console line of the call, within the call's log limits; past them lines are dropped. */
  function keepLog(current: RuleCall, message: Extract<FromHost, { type: "log" }>): void {
    if (current.logs.length >= SANDBOX_LIMITS.logLines || current.logBytes >= SANDBOX_LIMITS.logBytes) return;
    const entry = {
      level: message.level,
      text: message.text.slice(0, SANDBOX_LIMITS.logBytes - current.logBytes),
    };
    current.logs.push(entry);
    current.logBytes += entry.text.length;
    current.onConsole?.(entry);
    log.info({ event: "rule_console", request_id: current.requestId, level: entry.level, text: entry.text });
  }

  function onExit(exit: { code: number | null; signal: string | null; stderr: string }): void {
    const loaded = state !== "starting" && state !== "loading" && state !== "spare";
    state = "dead";
    cancelDeadline();
    cancelBusyWatch?.();
    cancelIdleWatch();
    const outOfMemory = /out of memory/i.test(exit.stderr);
    if (outOfMemory && !ending) {
      log.warn(
        { event: "rule_memory_limit", pid: process.pid },
        "rule memory limit exceeded: the rule host ran out of heap",
      );
    }
    const failure: HostFailure =
      ending && ending.kind !== "stopped"
        ? ending
        : outOfMemory
          ? memoryFailure
          : { kind: "crashed", detail: `the rule host exited (${exit.signal ?? `code ${exit.code}`})` };
    if (call) failCall(call, failure);
    call = undefined;
    events.exited(ending?.kind === "stopped" ? ending : failure, loaded);
    markExited();
  }

  process.onLine(onLine);
  process.onExit(onExit);

  return {
    pid: process.pid,
    get state() {
      return state;
    },
    get available() {
      return state === "idle" && !ending;
    },
    exited,
    holdAsSpare() {
      state = "spare";
      process.allowOutput(HOST_OUTPUT.silent);
      cancelDeadline();
    },
    load(script) {
      state = "loading";
      process.allowOutput(HOST_OUTPUT.loading);
      // A parser that never returns (a deeply nested literal) is stopped here, from outside.
      deadline(timeoutMs + HOST_WATCH.graceMs, {
        kind: "timeout",
        detail: `the rule's top-level code did not finish within ${timeoutMs} ms`,
      });
      process.send(JSON.stringify({ type: "load", script, timeoutMs }));
      watchWhileBusy();
    },
    run(next) {
      state = "busy";
      call = next;
      callId = next.callId;
      process.allowOutput(HOST_OUTPUT.call);
      next.started = performance.now();
      deadline(timeoutMs + HOST_WATCH.graceMs, {
        kind: "timeout",
        detail: `the rule did not finish within ${timeoutMs} ms`,
      });
      process.send(JSON.stringify({ type: "run", callId: next.callId, input: next.input, timeoutMs }));
      watchWhileBusy();
    },
    stop: end,
    kill,
  };
}
