import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "../config.ts";
import type { Logger } from "../logs/logger.ts";
import { processStats, type RuleHostProcess, spawnRuleHost } from "../runtime/rule-host-process.ts";
import type {
  AnyRuleInput,
  RuleExecution,
  RuleFailure,
  RuleId,
  RuleLogLine,
  RuleScript,
} from "./contract.ts";
import {
  type CallEnd,
  type CompileError,
  HOST_OUTPUT,
  MAX_HOST_LINE,
  parseHostMessage,
  SANDBOX_LIMITS,
} from "./protocol.ts";

/** How long past the time limit the pool waits for a host before killing it. */
const GRACE_MS = 250;
/** How long after a call's answer a host may take to report that no rule code is running. */
const IDLE_GRACE_MS = 100;
/** How often busy hosts' memory is sampled. */
const BUSY_SAMPLE_MS = 10;
/** How often idle hosts' CPU and memory are sampled. */
const IDLE_SAMPLE_MS = 500;
/** CPU an idle host may use per idle sample before it is taken for running left-over rule code. */
const IDLE_CPU_MS = 150;
/** Throwaway hosts (`try`, compile checks) waiting for a turn, at most; more are answered busy. */
const THROWAWAY_QUEUE = 64;
/** Back-off for hosts that die before they have loaded their rule. */
const BACKOFF_MS = { first: 100, max: 5000 };

/** The pool of rule hosts: runs calls for the token endpoint, and `try` and compile checks in throwaway hosts. */
export interface RulePool {
  /** Runs one call of `rule` in a warm host of that version. */
  execute(
    rule: RuleScript,
    input: AnyRuleInput,
    requestId: string,
    onConsole?: (line: RuleLogLine) => void,
  ): Promise<RuleExecution>;
  /** Runs `script` once in a throwaway host that never serves an exchange. */
  tryScript(script: string, input: AnyRuleInput, requestId: string): Promise<RuleExecution>;
  /**
   * Compiles and loads `script` (syntax, top-level code, exported function) in a throwaway
   * host; `"busy"` when too many throwaway hosts are already running and waiting.
   */
  compile(script: string): Promise<CompileError | "busy" | undefined>;
  /** Starts warm hosts for `rule` in the background; older versions of the same rule drain. */
  prepare(rule: RuleScript): void;
  /**
   * Whether the pool can serve each rule it was asked for: some version of it has loaded in
   * a host since the pool started (calls for a version still warming wait in its queue).
   */
  warm(): boolean;
  /** Calls waiting for a host, across versions. */
  queueDepth(): number;
  close(): Promise<void>;
}

interface RunJob {
  callId: number;
  input: string;
  requestId: string;
  logs: RuleLogLine[];
  logBytes: number;
  onConsole?: (line: RuleLogLine) => void;
  started: number;
  finish(execution: RuleExecution): void;
}

interface Host {
  process: RuleHostProcess;
  group: Group;
  state: "starting" | "spare" | "loading" | "idle" | "busy" | "cleaning" | "dead";
  job?: RunJob;
  callId?: number;
  timer?: ReturnType<typeof setTimeout>;
  /** Its RSS when it reported ready, before any rule code ran in it: what the memory limit counts from. */
  baselineRss?: number;
  lastCpuMs?: number;
  /** Why the pool killed it, for the call it fails. */
  killedFor?: HostFailure;
  /** Why it is not trusted with another call after its last one (its rule overran or crashed). */
  distrustedFor?: HostFailure["kind"];
  onLoaded?: (error: CompileError | undefined) => void;
}

/** The hosts of one rule version, or of one throwaway run. */
interface Group {
  rule: RuleScript;
  throwaway: boolean;
  hosts: Set<Host>;
  queue: RunJob[];
  /** Deaths before a successful load, in a row: drives the back-off. */
  earlyDeaths: number;
  respawnTimer?: ReturnType<typeof setTimeout>;
  loadError?: CompileError;
}

/** What the pool tells its watcher (the metrics): hosts it replaced, and calls it turned away. */
export interface RulePoolObserver {
  hostReplaced(reason: HostFailure["kind"]): void;
  callRejected(): void;
}

/** The detail of a host the pool stopped because it was done with it, not because it failed. */
const RECYCLED = "recycled";

/** Why the pool itself ended a host or a call (a denial only ever comes from the rule). */
type HostFailure = Exclude<RuleFailure, { kind: "denied" }>;

const describePosition = (error: CompileError) =>
  error.line ? ` (line ${error.line}${error.column ? `, column ${error.column}` : ""})` : "";

/**
 * A pool of warm rule-host processes. Each host runs one rule version, one call at a time;
 * `RULE_WORKERS` hosts serve the current version of each rule (the password-exchange and
 * the credentials-exchange rule each have theirs, so one never retires the other's hosts),
 * and a new version gets new hosts while the old ones finish what they have and are stopped. The pool kills a host (SIGKILL) that
 * overruns the time limit, grows past the memory limit (counted from its RSS before its
 * rule's top-level code ran, so what a rule keeps at top level or between calls counts),
 * writes anything but the protocol or more than its output budget (src/rules/protocol.ts,
 * counted as the bytes arrive), or runs after its call has ended; it replaces dead hosts,
 * backs off from hosts that keep dying before they load, and bounds the queue. Throwaway
 * hosts (`try`, compile checks) run at most half of `RULE_WORKERS` (rounded up) at once; up
 * to {@link THROWAWAY_QUEUE} more wait for a turn, and the rest are answered busy.
 */
export function createRulePool(options: {
  config: Pick<Config, "ruleWorkers" | "ruleTimeoutMs" | "ruleMemoryMb">;
  log: Logger;
  maxQueue?: number;
  /** Throwaway hosts waiting for a turn, at most (default {@link THROWAWAY_QUEUE}). */
  maxThrowawayQueue?: number;
  observer?: RulePoolObserver;
  /** The host program; tests give a hostile one. Default: src/runtime/rule-host.ts. */
  hostEntry?: string;
}): RulePool {
  const { config, log, observer } = options;
  const timeoutMs = config.ruleTimeoutMs;
  const memoryLimitBytes = config.ruleMemoryMb * 1024 * 1024;
  const maxQueue = options.maxQueue ?? config.ruleWorkers * 128;
  // Each throwaway host is a whole Deno process: unbounded, a burst of tries starves the
  // warm hosts (and the event loop) of CPU and memory.
  const throwawayHosts = Math.ceil(config.ruleWorkers / 2);
  const maxThrowawayQueue = options.maxThrowawayQueue ?? THROWAWAY_QUEUE;
  let throwawaysRunning = 0;
  const throwawayTurns: Array<() => void> = [];
  // Hosts start in an empty folder: nothing to read there, even by accident (and they may read nothing anyway).
  const hostDirectory = join(tmpdir(), "rulegate-rule-hosts");
  mkdirSync(hostDirectory, { recursive: true, mode: 0o555 });
  const groups = new Map<string, Group>();
  /** Each rule's current version. */
  const current = new Map<RuleId, Group>();
  const ruleIdOf = (rule: RuleScript): RuleId => rule.ruleId ?? "password-exchange";
  const isCurrent = (group: Group) => current.get(ruleIdOf(group.rule)) === group;
  let nextCallId = 1;
  let closed = false;
  let queued = 0;
  let busySampler: ReturnType<typeof setInterval> | undefined;
  const failingSince = new Set<Group>();
  /** Rules some version of which has loaded in a host: their calls can be served. */
  const servedOnce = new Set<RuleId>();

  // Hosts started with the pool, before any rule is known, so the first exchange finds one
  // nearly ready: the first version's group adopts them.
  const spares = newGroup({ script: "", version: "spares", deployedAt: 0 }, true);
  const allHosts = () => [...groups.values(), spares].flatMap((group) => [...group.hosts]);

  function failJob(job: RunJob, failure: RuleFailure): void {
    job.finish({ failure, logs: job.logs, durationMs: performance.now() - job.started });
  }

  function newGroup(rule: RuleScript, throwaway: boolean): Group {
    return { rule, throwaway, hosts: new Set(), queue: [], earlyDeaths: 0 };
  }

  function spawn(group: Group): Host {
    const process = spawnRuleHost({
      cwd: hostDirectory,
      memoryMb: config.ruleMemoryMb,
      maxLine: MAX_HOST_LINE,
      output: HOST_OUTPUT.starting,
      entry: options.hostEntry,
    });
    const host: Host = { process, group, state: "starting" };
    group.hosts.add(host);
    host.timer = setTimeout(
      () => kill(host, { kind: "timeout", detail: `the rule host did not start within ${timeoutMs} ms` }),
      Math.max(timeoutMs, 2000) + GRACE_MS,
    );
    process.onLine((line) => onLine(host, line));
    process.onExit((exit) => onExit(host, exit));
    return host;
  }

  function kill(host: Host, failure: HostFailure): void {
    if (host.state === "dead") return;
    host.killedFor ??= failure;
    host.process.kill();
  }

  function onLine(host: Host, line: string | undefined): void {
    if (host.state === "dead") return;
    if (line === undefined) {
      return kill(host, {
        kind: "crashed",
        detail: `the rule host wrote more than it may while ${host.state}`,
      });
    }
    const message = parseHostMessage(line);
    if (!message) {
      return kill(host, { kind: "crashed", detail: "the rule host sent a malformed message" });
    }
    switch (message.type) {
      case "ready":
        if (host.state !== "starting") return kill(host, protocolError("ready"));
        // Deno is up and no rule code has run yet: top-level allocations count from here.
        host.baselineRss = processStats(host.process.pid)?.rssBytes;
        if (host.group === spares) {
          host.state = "spare";
          host.process.allowOutput(HOST_OUTPUT.silent);
          clearTimeout(host.timer);
          return;
        }
        return startLoading(host);
      case "loaded":
        if (host.state !== "loading") return kill(host, protocolError("loaded"));
        return onLoaded(host, message.error);
      case "log": {
        const job = host.job;
        if (host.state !== "busy" || !job || host.callId !== message.callId)
          return kill(host, protocolError("log"));
        if (job.logs.length >= SANDBOX_LIMITS.logLines || job.logBytes >= SANDBOX_LIMITS.logBytes) return;
        const entry = {
          level: message.level,
          text: message.text.slice(0, SANDBOX_LIMITS.logBytes - job.logBytes),
        };
        job.logs.push(entry);
        job.logBytes += entry.text.length;
        job.onConsole?.(entry);
        log.info({ event: "rule_console", request_id: job.requestId, level: entry.level, text: entry.text });
        return;
      }
      case "done": {
        if (host.state !== "busy" || host.callId !== message.callId || !host.job)
          return kill(host, protocolError("done"));
        clearTimeout(host.timer);
        const job = host.job;
        host.job = undefined;
        finishJob(job, message.end);
        if (host.group.throwaway || message.end.kind === "timeout" || message.end.kind === "failed") {
          // A throwaway host serves one call; a host whose rule crashed or overran is not trusted again.
          if (!host.group.throwaway)
            host.distrustedFor = message.end.kind === "timeout" ? "timeout" : "crashed";
          return kill(host, { kind: "crashed", detail: RECYCLED });
        }
        host.state = "cleaning";
        host.process.allowOutput(HOST_OUTPUT.afterDone);
        host.timer = setTimeout(
          () => kill(host, { kind: "crashed", detail: "the rule kept running after its call ended" }),
          IDLE_GRACE_MS,
        );
        return;
      }
      case "idle": {
        if (host.state !== "cleaning" || host.callId !== message.callId)
          return kill(host, protocolError("idle"));
        clearTimeout(host.timer);
        const stats = processStats(host.process.pid);
        if (stats && host.baselineRss !== undefined && stats.rssBytes - host.baselineRss > memoryLimitBytes) {
          return killForMemory(host, stats.rssBytes);
        }
        host.lastCpuMs = stats?.cpuMs;
        host.state = "idle";
        host.process.allowOutput(HOST_OUTPUT.silent);
        host.callId = undefined;
        return dispatch(host.group);
      }
    }
  }

  /** Sends a host its group's rule; its top-level code runs under the time limit, watched from here. */
  function startLoading(host: Host): void {
    host.state = "loading";
    host.process.allowOutput(HOST_OUTPUT.loading);
    clearTimeout(host.timer);
    // A parser that never returns (a deeply nested literal) is stopped here, from outside.
    host.timer = setTimeout(
      () =>
        kill(host, {
          kind: "timeout",
          detail: `the rule's top-level code did not finish within ${timeoutMs} ms`,
        }),
      timeoutMs + GRACE_MS,
    );
    host.process.send(JSON.stringify({ type: "load", script: host.group.rule.script, timeoutMs }));
    sampleWhileBusy();
  }

  /** Gives a spare host (started before any rule was asked for) to `group`. */
  function adopt(host: Host, group: Group): void {
    spares.hosts.delete(host);
    host.group = group;
    group.hosts.add(host);
    if (host.state === "spare") startLoading(host);
  }

  const protocolError = (type: string): HostFailure => ({
    kind: "crashed",
    detail: `the rule host sent "${type}" out of turn`,
  });

  function onLoaded(host: Host, error: CompileError | undefined): void {
    clearTimeout(host.timer);
    host.process.allowOutput(HOST_OUTPUT.silent);
    const group = host.group;
    const stats = processStats(host.process.pid);
    if (
      !error &&
      stats &&
      host.baselineRss !== undefined &&
      stats.rssBytes - host.baselineRss > memoryLimitBytes
    ) {
      // What its top-level code keeps: refused like a rule that allocates during a call.
      return killForMemory(host, stats.rssBytes);
    }
    if (host.onLoaded) {
      const onLoaded = host.onLoaded;
      host.onLoaded = undefined;
      onLoaded(error);
      if (error) return kill(host, { kind: "crashed", detail: RECYCLED });
    } else if (error) {
      // A deployed rule that no longer loads (its top-level code timed out, say): its
      // waiting calls fail, and the next host is started after a back-off.
      group.loadError = error;
      const detail = `the rule does not compile: ${error.message}${describePosition(error)}`;
      for (const job of group.queue.splice(0)) {
        queued--;
        failJob(job, { kind: "crashed", detail });
      }
      group.earlyDeaths++;
      return kill(host, { kind: "crashed", detail });
    }
    group.earlyDeaths = 0;
    group.loadError = undefined;
    if (failingSince.delete(group)) log.info({ event: "rule_host_recovered" }, "rule hosts start again");
    if (!group.throwaway) servedOnce.add(ruleIdOf(group.rule));
    host.state = "idle";
    dispatch(group);
  }

  function killForMemory(host: Host, rssBytes: number): void {
    log.warn(
      { event: "rule_memory_limit", rss_mb: Math.round(rssBytes / 2 ** 20), pid: host.process.pid },
      "rule memory limit exceeded: stopping the rule host",
    );
    kill(host, { kind: "memory", detail: `the rule exceeded the memory limit of ${config.ruleMemoryMb} MB` });
  }

  function finishJob(job: RunJob, end: CallEnd): void {
    const durationMs = performance.now() - job.started;
    if (end.kind === "ok") {
      let result: unknown;
      try {
        result = JSON.parse(end.json);
      } catch {
        return failJob(job, { kind: "crashed", detail: "the rule's result is not JSON" });
      }
      return job.finish({ result, logs: job.logs, durationMs });
    }
    if (end.kind === "error") {
      return job.finish({
        failure: { kind: "denied", errorClass: end.errorClass as "Error", message: end.message },
        logs: job.logs,
        durationMs,
      });
    }
    if (end.kind === "timeout") {
      return failJob(job, { kind: "timeout", detail: `the rule did not finish within ${timeoutMs} ms` });
    }
    failJob(job, { kind: "crashed", detail: end.detail });
  }

  function onExit(host: Host, exit: { code: number | null; signal: string | null; stderr: string }): void {
    const wasLoaded = host.state !== "starting" && host.state !== "loading" && host.state !== "spare";
    // Hosts the pool stopped itself (a version retired, a throwaway done) say nothing about the rule.
    const diedEarly = !wasLoaded && host.killedFor?.detail !== RECYCLED && !closed;
    host.state = "dead";
    clearTimeout(host.timer);
    const group = host.group;
    group.hosts.delete(host);
    const outOfMemory = /out of memory/i.test(exit.stderr);
    const failure: HostFailure =
      host.killedFor ??
      (outOfMemory
        ? { kind: "memory", detail: `the rule exceeded the memory limit of ${config.ruleMemoryMb} MB` }
        : {
            kind: "crashed",
            detail: `the rule host exited (${exit.signal ?? `code ${exit.code}`})`,
          });
    if (outOfMemory && !host.killedFor) {
      log.warn(
        { event: "rule_memory_limit", pid: host.process.pid },
        "rule memory limit exceeded: the rule host ran out of heap",
      );
    }
    if (host.job) failJob(host.job, failure);
    host.job = undefined;
    if (host.onLoaded) {
      host.onLoaded(
        failure.kind === "timeout"
          ? { message: "The rule's top-level code timed out." }
          : failure.kind === "memory"
            ? { message: `The rule's top-level code exceeded the memory limit of ${config.ruleMemoryMb} MB.` }
            : { message: `The rule could not be loaded: ${failure.detail}` },
      );
      host.onLoaded = undefined;
    }
    if (group.throwaway && group !== spares) {
      groups.delete(group.rule.version);
      throwawayDone();
    }
    if (
      diedEarly &&
      !group.throwaway &&
      ![...group.hosts].some((other) => other.state !== "starting" && other.state !== "loading")
    ) {
      // No host of this version could load it: the calls waiting for one fail now rather than after a back-off.
      for (const job of group.queue.splice(0)) {
        queued--;
        failJob(job, failure);
      }
    }
    const replacedFor = failure.detail === RECYCLED ? host.distrustedFor : failure.kind;
    if (replacedFor && !closed && !group.throwaway) observer?.hostReplaced(replacedFor);
    if (failure.detail !== RECYCLED && !closed) {
      log.warn(
        { event: "rule_host_replaced", reason: failure.detail, pid: host.process.pid },
        "rule host replaced",
      );
    }
    if (diedEarly && !group.throwaway && !group.loadError) group.earlyDeaths++;
    if (diedEarly && group.earlyDeaths > 0 && !failingSince.has(group) && !group.throwaway) {
      failingSince.add(group);
      log.error(
        { event: "rule_host_failing", reason: failure.detail },
        "rule hosts keep dying before they load; restarting them with back-off",
      );
    }
    retireIfDone(group);
    if (!closed && groups.get(group.rule.version) === group) refill(group);
  }

  /** Brings a version's group back to its size, after the back-off when hosts keep dying. */
  function refill(group: Group): void {
    if (closed || group.throwaway || group.respawnTimer) return;
    const wanted = isCurrent(group) ? config.ruleWorkers : Math.min(config.ruleWorkers, group.queue.length);
    let missing = wanted - group.hosts.size;
    for (const spare of spares.hosts) {
      if (missing <= 0 || group.throwaway) break;
      adopt(spare, group);
      missing--;
    }
    if (missing <= 0) return;
    const delay =
      group.earlyDeaths === 0 ? 0 : Math.min(BACKOFF_MS.max, BACKOFF_MS.first * 2 ** (group.earlyDeaths - 1));
    if (delay === 0) {
      for (let i = 0; i < missing; i++) spawn(group);
      return;
    }
    group.respawnTimer = setTimeout(() => {
      group.respawnTimer = undefined;
      refill(group);
    }, delay);
    (group.respawnTimer as { unref?: () => void }).unref?.();
  }

  /** Stops the hosts of a version that is no longer current once it has nothing left to do. */
  function retireIfDone(group: Group): void {
    if (isCurrent(group) || group.throwaway || group.queue.length > 0) return;
    for (const host of group.hosts) {
      if (host.state === "idle" || host.state === "starting" || host.state === "loading") {
        kill(host, { kind: "crashed", detail: RECYCLED });
      }
    }
    if (group.hosts.size === 0) {
      clearTimeout(group.respawnTimer);
      if (groups.get(group.rule.version) === group) groups.delete(group.rule.version);
    }
  }

  function dispatch(group: Group): void {
    for (const host of group.hosts) {
      if (group.queue.length === 0) break;
      if (host.state !== "idle") continue;
      const job = group.queue.shift()!;
      queued--;
      host.state = "busy";
      host.job = job;
      host.callId = job.callId;
      host.process.allowOutput(HOST_OUTPUT.call);
      job.started = performance.now();
      host.timer = setTimeout(
        () => kill(host, { kind: "timeout", detail: `the rule did not finish within ${timeoutMs} ms` }),
        timeoutMs + GRACE_MS,
      );
      host.process.send(JSON.stringify({ type: "run", callId: job.callId, input: job.input, timeoutMs }));
      sampleWhileBusy();
    }
    retireIfDone(group);
  }

  /** Memory of busy and loading hosts, every few milliseconds while there are any. */
  function sampleWhileBusy(): void {
    if (busySampler) return;
    busySampler = setInterval(() => {
      const busy = allHosts().filter((host) => host.state === "busy" || host.state === "loading");
      if (busy.length === 0) {
        clearInterval(busySampler);
        busySampler = undefined;
        return;
      }
      for (const host of busy) {
        const stats = processStats(host.process.pid);
        if (!stats || host.baselineRss === undefined) continue;
        if (stats.rssBytes - host.baselineRss > memoryLimitBytes) killForMemory(host, stats.rssBytes);
      }
    }, BUSY_SAMPLE_MS);
    (busySampler as { unref?: () => void }).unref?.();
  }

  // An idle host uses no CPU and keeps its memory: anything else is rule code still running
  // (a callback planted in the host's realm) or memory kept past the limit.
  const idleSampler = setInterval(() => {
    for (const host of allHosts()) {
      if (host.state !== "idle") continue;
      const stats = processStats(host.process.pid);
      if (!stats) continue;
      if (host.lastCpuMs !== undefined && stats.cpuMs - host.lastCpuMs > IDLE_CPU_MS) {
        kill(host, { kind: "crashed", detail: "the rule host was busy between calls" });
      } else if (host.baselineRss !== undefined && stats.rssBytes - host.baselineRss > memoryLimitBytes) {
        killForMemory(host, stats.rssBytes);
      }
      host.lastCpuMs = stats.cpuMs;
    }
  }, IDLE_SAMPLE_MS);
  (idleSampler as { unref?: () => void }).unref?.();

  /**
   * The group of a version. The most recently deployed version seen of a rule is that
   * rule's current one: a call that read the rule just before a deploy runs on its own
   * version without taking the warm hosts back from the new one.
   */
  function groupFor(rule: RuleScript): Group {
    let group = groups.get(rule.version);
    if (!group) {
      group = newGroup(rule, false);
      groups.set(rule.version, group);
    }
    if (rule.deployedAt > group.rule.deployedAt) group.rule = rule;
    const previous = current.get(ruleIdOf(rule));
    if (previous !== group && (!previous || group.rule.deployedAt >= previous.rule.deployedAt)) {
      current.set(ruleIdOf(rule), group);
      refill(group);
      if (previous) retireIfDone(previous);
    }
    return group;
  }

  function newJob(
    input: AnyRuleInput,
    requestId: string,
    finish: (execution: RuleExecution) => void,
    onConsole?: (line: RuleLogLine) => void,
  ): RunJob {
    return {
      callId: nextCallId++,
      input: JSON.stringify(input),
      requestId,
      logs: [],
      logBytes: 0,
      onConsole,
      started: performance.now(),
      finish,
    };
  }

  const busyFailure: HostFailure = {
    kind: "busy",
    detail: "too many rule calls are waiting",
  };
  const reject = (job: RunJob) => {
    observer?.callRejected();
    failJob(job, busyFailure);
  };

  /**
   * Runs `start` now when fewer than `throwawayHosts` throwaway hosts are running, later when
   * a turn comes free; false when too many wait already.
   */
  function throwawayTurn(start: () => void): boolean {
    if (throwawaysRunning < throwawayHosts) {
      throwawaysRunning++;
      start();
      return true;
    }
    if (throwawayTurns.length >= maxThrowawayQueue) return false;
    throwawayTurns.push(start);
    return true;
  }

  /** A throwaway host has exited: the next waiting one starts. */
  function throwawayDone(): void {
    throwawaysRunning--;
    const next = throwawayTurns.shift();
    if (next && !closed) {
      throwawaysRunning++;
      next();
    }
  }

  /**
   * A throwaway host for one script: loads it, then runs `job` on it if given. Its load is
   * timed from when it starts, not from when it queued for a turn.
   */
  function throwaway(
    script: string,
    job: RunJob | undefined,
    onLoaded: (error: CompileError | undefined) => void,
  ): void {
    const group = newGroup({ script, version: `throwaway-${nextCallId++}`, deployedAt: 0 }, true);
    groups.set(group.rule.version, group);
    const host = spawn(group);
    host.onLoaded = (error) => {
      onLoaded(error);
      if (error || !job) {
        kill(host, { kind: "crashed", detail: RECYCLED });
        return;
      }
      group.queue.push(job);
      queued++;
    };
  }

  for (let i = 0; i < config.ruleWorkers; i++) spawn(spares);

  return {
    execute: (rule, input, requestId, onConsole) =>
      new Promise<RuleExecution>((finish) => {
        const job = newJob(input, requestId, finish, onConsole);
        if (closed) return failJob(job, { kind: "crashed", detail: "the rule pool is closed" });
        if (queued >= maxQueue) return reject(job);
        const group = groupFor(rule);
        group.queue.push(job);
        queued++;
        refill(group);
        dispatch(group);
      }),
    tryScript: (script, input, requestId) =>
      new Promise<RuleExecution>((finish) => {
        const job = newJob(input, requestId, finish);
        if (closed) return failJob(job, { kind: "crashed", detail: "the rule pool is closed" });
        if (queued >= maxQueue) return reject(job);
        const started = throwawayTurn(() => {
          if (closed) return failJob(job, { kind: "crashed", detail: "the rule pool is closed" });
          job.started = performance.now();
          throwaway(script, job, (error) => {
            if (error)
              failJob(job, {
                kind: "crashed",
                detail: `the rule does not compile: ${error.message}${describePosition(error)}`,
              });
          });
        });
        if (!started) failJob(job, busyFailure);
      }),
    compile: (script) =>
      new Promise<CompileError | "busy" | undefined>((resolve) => {
        if (closed) return resolve({ message: "the rule pool is closed" });
        const started = throwawayTurn(() => {
          if (closed) return resolve({ message: "the rule pool is closed" });
          throwaway(script, undefined, resolve);
        });
        if (!started) resolve("busy");
      }),
    prepare(rule) {
      if (!closed) groupFor(rule);
    },
    queueDepth: () => queued,
    warm: () => [...current.keys()].every((ruleId) => servedOnce.has(ruleId)),
    async close() {
      closed = true;
      for (const start of throwawayTurns.splice(0)) start();
      clearInterval(idleSampler);
      clearInterval(busySampler);
      const hosts = allHosts();
      for (const group of groups.values()) {
        clearTimeout(group.respawnTimer);
        for (const job of group.queue.splice(0))
          failJob(job, { kind: "crashed", detail: "the rule pool is closed" });
      }
      await Promise.all(
        hosts.map(
          (host) =>
            new Promise<void>((resolve) => {
              if (host.state === "dead") return resolve();
              const previous = host.process;
              previous.onExit((exit) => {
                onExit(host, exit);
                resolve();
              });
              kill(host, { kind: "crashed", detail: "the rule pool is closed" });
            }),
        ),
      );
    },
  };
}
