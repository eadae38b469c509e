import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "../config.ts";
import type { Logger } from "../logs/logger.ts";
import { processStats as readProcessStats, spawnRuleHost } from "../runtime/rule-host-process.ts";
import { requiredModules } from "./check-rule-source.ts";
import type { AnyRuleInput, RuleExecution, RuleId, RuleLogLine, RuleScript } from "./contract.ts";
import {
  type HostEnd,
  type HostFailure,
  type HostStop,
  type HostSupervisor,
  superviseHost,
} from "./host-supervisor.ts";
import { createModuleGate, modulesProblem } from "./module-check.ts";
import { type CancelTimer, type PoolTimers, realTimers } from "./pool-timers.ts";
import { type CompileError, describePosition, HOST_OUTPUT, MAX_HOST_LINE } from "./protocol.ts";
import { failCall, newRuleCall, type RuleCall } from "./rule-call.ts";

/** Throwaway hosts (`try`, compile checks) waiting for a turn, at most; more are answered busy. */
const THROWAWAY_QUEUE = 64;
/** Back-off for hosts that die before they have loaded their rule: the first delay, doubled per death up to `max`. */
export const BACKOFF_MS = { first: 100, max: 5000 } as const;

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
  /**
   * Why one of `specifiers` (`require` names, `name@range`) cannot be required by rules
   * here (README, "Calling your services from a rule"), or undefined when all can.
   */
  modulesProblem(specifiers: readonly string[]): string | undefined;
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

interface Host {
  supervisor: HostSupervisor;
  group: Group;
  /** A throwaway host's caller, told once whether its script loaded. */
  onLoaded?: (error: CompileError | undefined) => void;
}

/** The hosts of one rule version, of one throwaway run, or the spares started with the pool. */
interface Group {
  rule: RuleScript;
  kind: "version" | "throwaway" | "spares";
  hosts: Set<Host>;
  queue: RuleCall[];
  /** Deaths before a successful load, in a row: drives the back-off. */
  earlyDeaths: number;
  /** Set while a back-off delays new hosts. */
  cancelRespawn?: CancelTimer;
  loadError?: CompileError;
}

/** What the pool tells its watcher (the metrics): hosts it replaced, and calls it turned away. */
export interface RulePoolObserver {
  hostReplaced(reason: HostFailure["kind"]): void;
  callRejected(): void;
}

const retired: HostStop = { kind: "stopped", reason: "retired" };
const used: HostStop = { kind: "stopped", reason: "used" };
const poolClosed: HostFailure = { kind: "crashed", detail: "the rule pool is closed" };
const busyFailure: HostFailure = { kind: "busy", detail: "too many rule calls are waiting" };

/** What a throwaway host's caller is told when the host ended before its script loaded. */
function loadFailure(end: HostEnd, memoryMb: number): CompileError {
  if (end.kind === "timeout") return { message: "The rule's top-level code timed out." };
  if (end.kind === "memory")
    return { message: `The rule's top-level code exceeded the memory limit of ${memoryMb} MB.` };
  const detail = end.kind === "stopped" ? "the rule host was stopped" : end.detail;
  return { message: `The rule could not be loaded: ${detail}` };
}

/** What the metrics count a host's end as: its failure, or for a host stopped after its rule overran or crashed, that. */
function replacedFor(end: HostEnd): HostFailure["kind"] | undefined {
  if (end.kind !== "stopped") return end.kind;
  return end.reason === "distrusted" ? end.after : undefined;
}

/**
 * A pool of warm rule-host processes. Each host runs one rule version, one call at a time,
 * under a supervisor (src/rules/host-supervisor.ts) that enforces the protocol, the output
 * budgets, the time and memory limits and idleness between calls, killing a host that breaks
 * them. `RULE_WORKERS` hosts serve the current version of each rule (the password-exchange and
 * the credentials-exchange rule each have theirs, so one never retires the other's hosts), and
 * a new version gets new hosts while the old ones finish what they have and are stopped. The
 * pool replaces dead hosts, backs off from hosts that keep dying before they load, and bounds
 * the queue. Throwaway hosts (`try`, compile checks) run at most half of `RULE_WORKERS`
 * (rounded up) at once; up to {@link THROWAWAY_QUEUE} more wait for a turn, and the rest are
 * answered busy.
 */
export function createRulePool(options: {
  config: Pick<Config, "ruleWorkers" | "ruleTimeoutMs" | "ruleMemoryMb"> &
    Partial<Pick<Config, "ruleModulesDir" | "ruleAllowedHosts">>;
  log: Logger;
  maxQueue?: number;
  /** Throwaway hosts waiting for a turn, at most (default {@link THROWAWAY_QUEUE}). */
  maxThrowawayQueue?: number;
  observer?: RulePoolObserver;
  /** The host program; tests give a hostile one. Default: src/runtime/rule-host.ts. */
  hostEntry?: string;
  /** Starts a host process; unit tests give fake ones. Default: a Deno process ({@link spawnRuleHost}). */
  spawnHost?: typeof spawnRuleHost;
  /** A host's CPU time and memory; unit tests give made-up figures. Default: read from /proc. */
  processStats?: typeof readProcessStats;
  /** Every deadline, back-off and watchdog period; unit tests give a fake clock. Default: the runtime's timers. */
  timers?: PoolTimers;
}): RulePool {
  const { config, log, observer } = options;
  const spawnHost = options.spawnHost ?? spawnRuleHost;
  const processStats = options.processStats ?? readProcessStats;
  const timers = options.timers ?? realTimers;
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
  const access = { modulesDir: config.ruleModulesDir, allowedHosts: config.ruleAllowedHosts ?? [] };
  const moduleGate = createModuleGate(access.modulesDir);
  /** Why a script's modules cannot be required, checked before a host is spent on it. */
  const scriptModulesProblem = (script: string) => modulesProblem(access.modulesDir, requiredModules(script));
  /** Each rule's current version. */
  const current = new Map<RuleId, Group>();
  const ruleIdOf = (rule: RuleScript): RuleId => rule.ruleId ?? "password-exchange";
  const isCurrent = (group: Group) => current.get(ruleIdOf(group.rule)) === group;
  let nextCallId = 1;
  let closed = false;
  let queued = 0;
  const failingSince = new Set<Group>();
  /** Rules some version of which has loaded in a host: their calls can be served. */
  const servedOnce = new Set<RuleId>();

  // Hosts started with the pool, before any rule is known, so the first exchange finds one
  // nearly ready: the first version's group adopts them.
  const spares = newGroup({ script: "", version: "spares", deployedAt: 0 }, "spares");
  const allHosts = () => [...groups.values(), spares].flatMap((group) => [...group.hosts]);

  function newGroup(rule: RuleScript, kind: Group["kind"]): Group {
    return { rule, kind, hosts: new Set(), queue: [], earlyDeaths: 0 };
  }

  function spawn(group: Group): Host {
    const process = spawnHost({
      cwd: hostDirectory,
      memoryMb: config.ruleMemoryMb,
      maxLine: MAX_HOST_LINE,
      output: HOST_OUTPUT.starting,
      entry: options.hostEntry,
      access,
    });
    const host: Host = {
      group,
      supervisor: superviseHost({
        process,
        timeoutMs: config.ruleTimeoutMs,
        memoryMb: config.ruleMemoryMb,
        singleUse: group.kind === "throwaway",
        log,
        processStats,
        timers,
        events: {
          ready: () => onReady(host),
          loaded: (error) => onLoaded(host, error),
          idle: () => dispatch(host.group),
          exited: (end, loaded) => onExit(host, end, loaded),
        },
      }),
    };
    group.hosts.add(host);
    return host;
  }

  function onReady(host: Host): void {
    if (host.group === spares) host.supervisor.holdAsSpare();
    else host.supervisor.load(host.group.rule.script);
  }

  /** Gives a spare host (started before any rule was asked for) to `group`. */
  function adopt(host: Host, group: Group): void {
    spares.hosts.delete(host);
    host.group = group;
    group.hosts.add(host);
    // One still starting loads the rule when it reports ready.
    if (host.supervisor.state === "spare") host.supervisor.load(group.rule.script);
  }

  function onLoaded(host: Host, error: CompileError | undefined): void {
    const group = host.group;
    if (host.onLoaded) {
      const tell = host.onLoaded;
      host.onLoaded = undefined;
      // The throwaway's own callback stops the host when there is nothing to run.
      tell(error);
      if (error) return;
    } else if (error) {
      // A deployed rule that no longer loads (its top-level code timed out, say): its
      // waiting calls fail, and the next host is started after a back-off.
      group.loadError = error;
      const detail = `the rule does not compile: ${error.message}${describePosition(error)}`;
      for (const call of group.queue.splice(0)) {
        queued--;
        failCall(call, { kind: "crashed", detail });
      }
      group.earlyDeaths++;
      return host.supervisor.kill({ kind: "crashed", detail });
    }
    group.earlyDeaths = 0;
    group.loadError = undefined;
    if (failingSince.delete(group)) log.info({ event: "rule_host_recovered" }, "rule hosts start again");
    if (group.kind === "version") servedOnce.add(ruleIdOf(group.rule));
    dispatch(group);
  }

  function onExit(host: Host, end: HostEnd, loaded: boolean): void {
    // Hosts the pool stopped itself (a version retired, a throwaway done) say nothing about the rule.
    const failure = end.kind === "stopped" ? undefined : end;
    const diedEarly = !loaded && failure !== undefined && !closed;
    const group = host.group;
    group.hosts.delete(host);
    if (host.onLoaded) {
      host.onLoaded(loadFailure(end, config.ruleMemoryMb));
      host.onLoaded = undefined;
    }
    if (group.kind === "throwaway") {
      groups.delete(group.rule.version);
      throwawayDone();
    }
    const version = group.kind === "version";
    const anyLoaded = [...group.hosts].some(
      ({ supervisor }) => supervisor.state !== "starting" && supervisor.state !== "loading",
    );
    if (diedEarly && version && !anyLoaded) {
      // No host of this version could load it: the calls waiting for one fail now rather than after a back-off.
      for (const call of group.queue.splice(0)) {
        queued--;
        failCall(call, failure);
      }
    }
    const reason = replacedFor(end);
    if (reason && !closed && version) observer?.hostReplaced(reason);
    if (failure && !closed) {
      log.warn(
        { event: "rule_host_replaced", reason: failure.detail, pid: host.supervisor.pid },
        "rule host replaced",
      );
    }
    if (diedEarly && version && !group.loadError) group.earlyDeaths++;
    if (diedEarly && version && group.earlyDeaths > 0 && !failingSince.has(group)) {
      failingSince.add(group);
      log.error(
        { event: "rule_host_failing", reason: failure.detail },
        "rule hosts keep dying before they load; restarting them with back-off",
      );
    }
    retireIfDone(group);
    if (!closed && groups.get(group.rule.version) === group) refill(group);
  }

  /**
   * Brings a version's group back to its size: at once, or after the back-off when its hosts
   * keep dying before they load (`backedOff`: that wait is over). Once the wait is over, a
   * version with no host left is restarted only for a call that waits for it: a rule that
   * cannot load (a parser bomb in its top-level code) keeps no core busy while nothing asks
   * for it.
   */
  function refill(group: Group, backedOff = false): void {
    if (closed || group.kind !== "version" || group.cancelRespawn) return;
    const wanted = isCurrent(group) ? config.ruleWorkers : Math.min(config.ruleWorkers, group.queue.length);
    let missing = wanted - group.hosts.size;
    for (const spare of spares.hosts) {
      if (missing <= 0) break;
      adopt(spare, group);
      missing--;
    }
    if (missing <= 0) return;
    const delay =
      group.earlyDeaths === 0 || backedOff
        ? 0
        : Math.min(BACKOFF_MS.max, BACKOFF_MS.first * 2 ** (group.earlyDeaths - 1));
    if (delay === 0) {
      for (let i = 0; i < missing; i++) spawn(group);
      return;
    }
    group.cancelRespawn = timers.after(
      delay,
      () => {
        group.cancelRespawn = undefined;
        if (group.queue.length > 0 || group.hosts.size > 0) refill(group, true);
      },
      { background: true },
    );
  }

  /** Stops the hosts of a version that is no longer current once it has nothing left to do. */
  function retireIfDone(group: Group): void {
    if (group.kind !== "version" || isCurrent(group) || group.queue.length > 0) return;
    for (const host of group.hosts) {
      const { state } = host.supervisor;
      if (state === "idle" || state === "starting" || state === "loading") host.supervisor.stop(retired);
    }
    if (group.hosts.size === 0) {
      group.cancelRespawn?.();
      if (groups.get(group.rule.version) === group) {
        groups.delete(group.rule.version);
        moduleGate.forget(group.rule.version);
      }
    }
  }

  function dispatch(group: Group): void {
    for (const host of group.hosts) {
      if (group.queue.length === 0) break;
      if (!host.supervisor.available) continue;
      const call = group.queue.shift()!;
      queued--;
      host.supervisor.run(call);
    }
    retireIfDone(group);
  }

  /**
   * The group of a version. The most recently deployed version seen of a rule is that
   * rule's current one: a call that read the rule just before a deploy runs on its own
   * version without taking the warm hosts back from the new one.
   */
  function groupFor(rule: RuleScript): Group {
    let group = groups.get(rule.version);
    if (!group) {
      group = newGroup(rule, "version");
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

  const newCall = (
    input: AnyRuleInput,
    requestId: string,
    finish: (execution: RuleExecution) => void,
    onConsole?: (line: RuleLogLine) => void,
  ) => newRuleCall(nextCallId++, input, requestId, finish, onConsole);

  const reject = (call: RuleCall) => {
    observer?.callRejected();
    failCall(call, busyFailure);
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
   * A throwaway host for one script: loads it, then runs `call` on it if given. Its load is
   * timed from when it starts, not from when it queued for a turn.
   */
  function throwaway(
    script: string,
    call: RuleCall | undefined,
    onLoaded: (error: CompileError | undefined) => void,
  ): void {
    const group = newGroup({ script, version: `throwaway-${nextCallId++}`, deployedAt: 0 }, "throwaway");
    groups.set(group.rule.version, group);
    const host = spawn(group);
    host.onLoaded = (error) => {
      onLoaded(error);
      if (error || !call) return host.supervisor.stop(used);
      group.queue.push(call);
      queued++;
    };
  }

  for (let i = 0; i < config.ruleWorkers; i++) spawn(spares);

  return {
    execute: (rule, input, requestId, onConsole) =>
      new Promise<RuleExecution>((finish) => {
        const call = newCall(input, requestId, finish, onConsole);
        if (closed) return failCall(call, poolClosed);
        if (queued >= maxQueue) return reject(call);
        // The modules folder may have changed under a deployed version.
        const problem = moduleGate.problem(rule.version, rule.script);
        if (problem) return failCall(call, { kind: "crashed", detail: problem });
        const group = groupFor(rule);
        group.queue.push(call);
        queued++;
        refill(group);
        dispatch(group);
      }),
    tryScript: (script, input, requestId) =>
      new Promise<RuleExecution>((finish) => {
        const call = newCall(input, requestId, finish);
        if (closed) return failCall(call, poolClosed);
        if (queued >= maxQueue) return reject(call);
        const problem = scriptModulesProblem(script);
        if (problem) return failCall(call, { kind: "crashed", detail: `the rule does not load: ${problem}` });
        const started = throwawayTurn(() => {
          if (closed) return failCall(call, poolClosed);
          call.started = performance.now();
          throwaway(script, call, (error) => {
            if (error)
              failCall(call, {
                kind: "crashed",
                detail: `the rule does not compile: ${error.message}${describePosition(error)}`,
              });
          });
        });
        if (!started) failCall(call, busyFailure);
      }),
    compile: (script) =>
      new Promise<CompileError | "busy" | undefined>((resolve) => {
        if (closed) return resolve({ message: "the rule pool is closed" });
        const problem = scriptModulesProblem(script);
        if (problem) return resolve({ message: problem });
        const started = throwawayTurn(() => {
          if (closed) return resolve({ message: "the rule pool is closed" });
          throwaway(script, undefined, resolve);
        });
        if (!started) resolve("busy");
      }),
    modulesProblem: (specifiers) => modulesProblem(access.modulesDir, specifiers),
    prepare(rule) {
      if (!closed) groupFor(rule);
    },
    queueDepth: () => queued,
    warm: () => [...current.keys()].every((ruleId) => servedOnce.has(ruleId)),
    async close() {
      closed = true;
      for (const start of throwawayTurns.splice(0)) start();
      const hosts = allHosts();
      for (const group of groups.values()) {
        group.cancelRespawn?.();
        for (const call of group.queue.splice(0)) failCall(call, poolClosed);
      }
      await Promise.all(
        hosts.map((host) => {
          host.supervisor.kill(poolClosed);
          return host.supervisor.exited;
        }),
      );
    },
  };
}
