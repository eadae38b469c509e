import type { PoolTimers } from "../../src/rules/pool-timers.ts";
import type { FromHost, OutputBudget, ToHost } from "../../src/rules/protocol.ts";
import type { ProcessStats, RuleHostProcess } from "../../src/runtime/rule-host-process.ts";

type Exit = { code: number | null; signal: string | null; stderr: string };

/**
 * A rule-host process the test plays by hand: what the supervisor sent it and the output
 * budget it was last given are recorded; `say` delivers a line as the host would write it,
 * and `exit` ends it. Like the real one, it reads nothing more once killed, and exits only
 * when the test says so (a real SIGKILL takes a moment too).
 */
export interface FakeHost extends RuleHostProcess {
  sent: ToHost[];
  /** The lines it wrote that were read. */
  said: string[];
  budget: OutputBudget | undefined;
  killed: boolean;
  exited: boolean;
  /** Writes `message` as one protocol line (or a raw line, when a string). */
  say(message: FromHost | string): void;
  /** Writes past its output budget: the reader reports it once and stops reading. */
  overflow(): void;
  exit(exit?: Partial<Exit>): void;
  /** The last message sent to it. */
  last(): ToHost | undefined;
}

let nextPid = 1000;

export function fakeHost(): FakeHost {
  let onLine: (line: string | undefined) => void = () => {};
  let onExit: (exit: Exit) => void = () => {};
  const host: FakeHost = {
    pid: nextPid++,
    sent: [],
    said: [],
    budget: undefined,
    killed: false,
    exited: false,
    send(line) {
      if (!host.exited) host.sent.push(JSON.parse(line) as ToHost);
    },
    onLine(handler) {
      onLine = handler;
    },
    allowOutput(budget) {
      host.budget = budget;
    },
    onExit(handler) {
      onExit = handler;
    },
    kill() {
      host.killed = true;
    },
    say(message) {
      if (host.killed || host.exited) return;
      const line = typeof message === "string" ? message : JSON.stringify(message);
      host.said.push(line);
      onLine(line);
    },
    overflow() {
      if (host.killed || host.exited) return;
      onLine(undefined);
    },
    exit(exit = {}) {
      if (host.exited) return;
      host.exited = true;
      onExit({ code: null, signal: host.killed ? "SIGKILL" : null, stderr: "", ...exit });
    },
    last: () => host.sent.at(-1),
  };
  return host;
}

/** A spawner for the pool that hands out fake hosts and keeps them, oldest first. */
export function fakeSpawner() {
  const hosts: FakeHost[] = [];
  return {
    hosts,
    spawn: () => {
      const host = fakeHost();
      hosts.push(host);
      return host;
    },
    /** Hosts not yet exited. */
    alive: () => hosts.filter((host) => !host.exited),
    /** Ends every host the pool killed, as the OS would after SIGKILL. */
    reapKilled() {
      for (const host of hosts) if (host.killed) host.exit();
    },
  };
}

/** A `/proc` the test writes: each host's CPU time and RSS, as the watchdog will read them. */
export function fakeStats() {
  const figures = new Map<number, ProcessStats>();
  return {
    read: (pid: number): ProcessStats | undefined => figures.get(pid),
    set(host: { pid: number }, stats: Partial<ProcessStats>) {
      figures.set(host.pid, { cpuMs: 0, rssBytes: 0, ...figures.get(host.pid), ...stats });
    },
  };
}

/**
 * A clock that moves only when the test says: `advance(ms)` runs, in order of their time,
 * the timers that come due, so every deadline and sample happens exactly where the test puts it.
 */
export function fakeTimers(): PoolTimers & { advance(ms: number): void; now(): number; pending(): number } {
  let now = 0;
  let nextOrder = 0;
  const timers = new Set<{ at: number; order: number; run: () => void; every?: number }>();
  const add = (ms: number, run: () => void, every?: number) => {
    const timer = { at: now + ms, order: nextOrder++, run, every };
    timers.add(timer);
    return () => {
      timers.delete(timer);
    };
  };
  return {
    after: (ms, run) => add(ms, run),
    every: (ms, run) => add(ms, run, ms),
    now: () => now,
    pending: () => timers.size,
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers]
          .filter((timer) => timer.at <= until)
          .sort((a, b) => a.at - b.at || a.order - b.order)[0];
        if (!due) break;
        now = due.at;
        if (due.every === undefined) timers.delete(due);
        else {
          due.at += due.every;
          due.order = nextOrder++;
        }
        due.run();
      }
      now = until;
    },
  };
}
