/**
 * One rule host under its supervisor, with a fake process, a fake /proc and a fake clock:
 * every deadline and watchdog sample happens exactly when the test moves the clock, so each
 * limit is checked at its edge (one millisecond or one byte short of it, and past it).
 */
import { describe, expect, test } from "bun:test";
import { createLogger } from "../../src/logs/logger.ts";
import type { RuleExecution } from "../../src/rules/contract.ts";
import { HOST_WATCH, type HostEnd, superviseHost } from "../../src/rules/host-supervisor.ts";
import { HOST_OUTPUT } from "../../src/rules/protocol.ts";
import { newRuleCall } from "../../src/rules/rule-call.ts";
import { sampleRuleInput } from "../../src/rules/sample-input.ts";
import { fakeHost, fakeStats, fakeTimers } from "../support/fake-rule-host.ts";

const TIMEOUT_MS = 1000;
const MEMORY_MB = 64;
const MB = 2 ** 20;
const BASELINE = 50 * MB;
const SCRIPT = "module.exports = function (u, c, scope, a, ctx, cb) { cb(null, { scope: scope }); };";

function supervised(options: { singleUse?: boolean } = {}) {
  const process = fakeHost();
  const stats = fakeStats();
  const timers = fakeTimers();
  const logLines: string[] = [];
  const events: string[] = [];
  const ends: Array<{ end: HostEnd; loaded: boolean }> = [];
  stats.set(process, { cpuMs: 0, rssBytes: BASELINE });
  const supervisor = superviseHost({
    process,
    timeoutMs: TIMEOUT_MS,
    memoryMb: MEMORY_MB,
    singleUse: options.singleUse ?? false,
    log: createLogger("debug", { write: (line: string) => logLines.push(line) }),
    processStats: stats.read,
    timers,
    events: {
      ready: () => events.push("ready"),
      loaded: (error) => events.push(error ? `loaded: ${error.message}` : "loaded"),
      idle: () => events.push("idle"),
      exited: (end, loaded) => ends.push({ end, loaded }),
    },
  });

  /** Ready, loaded, idle: a warm host. */
  const warm = () => {
    process.say({ type: "ready" });
    supervisor.load(SCRIPT);
    process.say({ type: "loaded" });
    expect(supervisor.state).toBe("idle");
  };

  let nextCallId = 1;
  /** Gives the host a call; `outcome()` is what the caller got, once it got it. */
  const call = () => {
    let outcome: RuleExecution | undefined;
    const next = newRuleCall(nextCallId++, sampleRuleInput("t", "urn:x"), "request-1", (execution) => {
      outcome = execution;
    });
    supervisor.run(next);
    return { callId: next.callId, outcome: () => outcome };
  };

  /** A call answered `ok` and reported idle. */
  const serveOne = () => {
    const { callId } = call();
    process.say({ type: "done", callId, end: { kind: "ok", json: "{}" } });
    process.say({ type: "idle", callId });
  };

  return { process, stats, timers, logLines, events, ends, supervisor, warm, call, serveOne };
}

describe("the host supervisor: protocol", () => {
  test("ready, load, loaded, a call with a console line, done, idle: each step sets what the host may write", () => {
    const { process, supervisor, events, logLines, call } = supervised();
    process.say({ type: "ready" });
    expect(events).toEqual(["ready"]);
    supervisor.load(SCRIPT);
    expect(process.last()).toEqual({ type: "load", script: SCRIPT, timeoutMs: TIMEOUT_MS });
    expect(process.budget).toEqual(HOST_OUTPUT.loading);
    process.say({ type: "loaded" });
    expect([supervisor.state, supervisor.available, process.budget]).toEqual([
      "idle",
      true,
      HOST_OUTPUT.silent,
    ]);
    expect(events).toEqual(["ready", "loaded"]);

    const { callId, outcome } = call();
    expect(process.last()).toMatchObject({ type: "run", callId, timeoutMs: TIMEOUT_MS });
    expect([supervisor.state, supervisor.available, process.budget]).toEqual([
      "busy",
      false,
      HOST_OUTPUT.call,
    ]);
    process.say({ type: "log", callId, level: "info", text: "hello" });
    process.say({ type: "done", callId, end: { kind: "ok", json: '{"scope":["a"]}' } });
    expect(outcome()).toMatchObject({ result: { scope: ["a"] }, logs: [{ level: "info", text: "hello" }] });
    expect([supervisor.state, process.budget]).toEqual(["cleaning", HOST_OUTPUT.afterDone]);
    expect(logLines.join("\n")).toContain('"event":"rule_console"');
    process.say({ type: "idle", callId });
    expect([supervisor.state, process.budget]).toEqual(["idle", HOST_OUTPUT.silent]);
    expect(events).toEqual(["ready", "loaded", "idle"]);
    expect(process.killed).toBe(false);
  });

  test("a spare is held silent, with no start deadline, until it is given a rule", () => {
    const { process, supervisor, timers } = supervised();
    process.say({ type: "ready" });
    supervisor.holdAsSpare();
    expect([supervisor.state, process.budget]).toEqual(["spare", HOST_OUTPUT.silent]);
    timers.advance(60_000);
    expect(process.killed).toBe(false);
  });

  test("a compile error is reported and leaves the host to the pool", () => {
    const { process, supervisor, events } = supervised();
    process.say({ type: "ready" });
    supervisor.load("syntax error(");
    process.say({ type: "loaded", error: { message: "Unexpected token", line: 1 } });
    expect(events).toEqual(["ready", "loaded: Unexpected token"]);
    expect([supervisor.state, process.killed]).toEqual(["loading", false]);
  });

  const offences: Array<[string, (host: ReturnType<typeof supervised>) => void, RegExp]> = [
    ["a message out of turn", ({ process }) => process.say({ type: "loaded" }), /sent "loaded" out of turn/],
    ["a line that is no message", ({ process }) => process.say("{not json"), /malformed message/],
    ["output past its budget", ({ process }) => process.overflow(), /wrote more than it may while idle/],
    [
      "an idle report with no call",
      ({ process }) => process.say({ type: "idle", callId: 1 }),
      /"idle" out of turn/,
    ],
  ];
  for (const [name, offend, detail] of offences) {
    test(`${name} from an idle host gets it killed as crashed`, () => {
      const host = supervised();
      host.warm();
      offend(host);
      expect(host.process.killed).toBe(true);
      expect(host.supervisor.available).toBe(false);
      host.process.exit();
      expect(host.ends).toEqual([
        { end: { kind: "crashed", detail: expect.stringMatching(detail) }, loaded: true },
      ]);
    });
  }

  test("an answer for another call fails the call in progress with the host's crash", () => {
    const { process, warm, call, ends } = supervised();
    warm();
    const { callId, outcome } = call();
    process.say({ type: "done", callId: callId + 1, end: { kind: "ok", json: "{}" } });
    expect(process.killed).toBe(true);
    expect(outcome()).toBeUndefined();
    process.exit();
    expect(outcome()?.failure).toEqual({ kind: "crashed", detail: 'the rule host sent "done" out of turn' });
    expect(ends[0]?.end.kind).toBe("crashed");
  });
});

describe("the host supervisor: deadlines", () => {
  test("a host that does not report ready in time is killed (timeout)", () => {
    const { process, timers, ends } = supervised();
    const deadline = Math.max(TIMEOUT_MS, HOST_WATCH.startMs) + HOST_WATCH.graceMs;
    timers.advance(deadline - 1);
    expect(process.killed).toBe(false);
    timers.advance(1);
    expect(process.killed).toBe(true);
    process.exit();
    expect(ends).toEqual([
      {
        end: { kind: "timeout", detail: `the rule host did not start within ${TIMEOUT_MS} ms` },
        loaded: false,
      },
    ]);
  });

  test("top-level code that does not finish within the time limit and the grace is killed (timeout)", () => {
    const { process, supervisor, timers, ends } = supervised();
    process.say({ type: "ready" });
    supervisor.load(SCRIPT);
    timers.advance(TIMEOUT_MS + HOST_WATCH.graceMs - 1);
    expect(process.killed).toBe(false);
    timers.advance(1);
    expect(process.killed).toBe(true);
    process.exit();
    expect(ends[0]).toEqual({
      end: { kind: "timeout", detail: `the rule's top-level code did not finish within ${TIMEOUT_MS} ms` },
      loaded: false,
    });
  });

  test("a call not answered within the time limit and the grace is killed, and the call fails as a timeout", () => {
    const { process, timers, warm, call, ends } = supervised();
    warm();
    const { outcome } = call();
    timers.advance(TIMEOUT_MS + HOST_WATCH.graceMs - 1);
    expect(process.killed).toBe(false);
    timers.advance(1);
    expect(process.killed).toBe(true);
    process.exit();
    const timeout = { kind: "timeout", detail: `the rule did not finish within ${TIMEOUT_MS} ms` } as const;
    expect(outcome()?.failure).toEqual(timeout);
    expect(ends).toEqual([{ end: timeout, loaded: true }]);
  });

  test("a host that does not report idle within the grace after its answer is killed: its rule kept running", () => {
    const { process, timers, warm, call, ends } = supervised();
    warm();
    const { callId, outcome } = call();
    process.say({ type: "done", callId, end: { kind: "ok", json: "{}" } });
    expect(outcome()?.result).toEqual({});
    timers.advance(HOST_WATCH.idleGraceMs - 1);
    expect(process.killed).toBe(false);
    timers.advance(1);
    expect(process.killed).toBe(true);
    process.exit();
    expect(ends[0]?.end).toEqual({ kind: "crashed", detail: "the rule kept running after its call ended" });
  });

  test("answered calls cancel their deadlines: a host serving calls for a long time is never killed", () => {
    const { process, timers, warm, serveOne } = supervised();
    warm();
    for (let i = 0; i < 20; i++) {
      serveOne();
      timers.advance(TIMEOUT_MS);
    }
    expect(process.killed).toBe(false);
  });
});

describe("the host supervisor: the resource watchdog", () => {
  const limit = MEMORY_MB * MB;

  test("memory past the limit while a call runs: killed at the next sample, the call fails as memory", () => {
    const { process, stats, timers, warm, call, ends, logLines } = supervised();
    warm();
    const { outcome } = call();
    stats.set(process, { rssBytes: BASELINE + limit });
    timers.advance(HOST_WATCH.busySampleMs * 5);
    expect(process.killed).toBe(false);
    stats.set(process, { rssBytes: BASELINE + limit + 1 });
    timers.advance(HOST_WATCH.busySampleMs - 1);
    expect(process.killed).toBe(false);
    timers.advance(1);
    expect(process.killed).toBe(true);
    expect(logLines.join("\n")).toContain('"event":"rule_memory_limit"');
    process.exit();
    const memory = {
      kind: "memory",
      detail: `the rule exceeded the memory limit of ${MEMORY_MB} MB`,
    } as const;
    expect(outcome()?.failure).toEqual(memory);
    expect(ends).toEqual([{ end: memory, loaded: true }]);
  });

  test("memory counts from the RSS at ready: what top-level code keeps past the limit gets the host killed at load", () => {
    const { process, stats, supervisor, events, ends } = supervised();
    process.say({ type: "ready" });
    supervisor.load(SCRIPT);
    stats.set(process, { rssBytes: BASELINE + limit + 1 });
    process.say({ type: "loaded" });
    expect(process.killed).toBe(true);
    expect(events).toEqual(["ready"]);
    process.exit();
    expect(ends[0]?.end.kind).toBe("memory");
  });

  test("memory a rule keeps between calls is checked at its idle report", () => {
    const { process, stats, warm, call, events } = supervised();
    warm();
    const { callId } = call();
    process.say({ type: "done", callId, end: { kind: "ok", json: "{}" } });
    stats.set(process, { rssBytes: BASELINE + limit + 1 });
    process.say({ type: "idle", callId });
    expect(process.killed).toBe(true);
    expect(events).toEqual(["ready", "loaded"]);
  });

  test("an idle host whose memory grows past the limit is killed at the next idle sample", () => {
    const { process, stats, timers, warm } = supervised();
    warm();
    timers.advance(HOST_WATCH.idleSampleMs);
    stats.set(process, { rssBytes: BASELINE + limit + 1 });
    timers.advance(HOST_WATCH.idleSampleMs - 1);
    expect(process.killed).toBe(false);
    timers.advance(1);
    expect(process.killed).toBe(true);
  });

  test("CPU used while idle, past the allowance per sample, gets the host killed: rule code is still running", () => {
    const { process, stats, timers, warm, serveOne, ends } = supervised();
    warm();
    serveOne();
    timers.advance(HOST_WATCH.idleSampleMs);
    let cpuMs = 0;
    for (let i = 0; i < 10; i++) {
      cpuMs += HOST_WATCH.idleCpuMs;
      stats.set(process, { cpuMs });
      timers.advance(HOST_WATCH.idleSampleMs);
    }
    expect(process.killed).toBe(false);
    stats.set(process, { cpuMs: cpuMs + HOST_WATCH.idleCpuMs + 1 });
    timers.advance(HOST_WATCH.idleSampleMs);
    expect(process.killed).toBe(true);
    process.exit();
    expect(ends[0]?.end).toEqual({ kind: "crashed", detail: "the rule host was busy between calls" });
  });

  test("CPU used during a call is not held against the host", () => {
    const { process, stats, timers, warm, call } = supervised();
    warm();
    timers.advance(HOST_WATCH.idleSampleMs);
    const { callId } = call();
    stats.set(process, { cpuMs: 900 });
    timers.advance(HOST_WATCH.idleSampleMs * 1.5);
    process.say({ type: "done", callId, end: { kind: "ok", json: "{}" } });
    process.say({ type: "idle", callId });
    timers.advance(HOST_WATCH.idleSampleMs * 4);
    expect(process.killed).toBe(false);
  });

  test("a host that ran out of heap (V8's own limit) fails its call as memory, and that is logged", () => {
    const { process, warm, call, ends, logLines } = supervised();
    warm();
    const { outcome } = call();
    process.exit({ code: 133, stderr: "Fatal JavaScript out of memory: Reached heap limit" });
    expect(outcome()?.failure?.kind).toBe("memory");
    expect(ends[0]?.end.kind).toBe("memory");
    expect(logLines.join("\n")).toContain("the rule host ran out of heap");
  });
});

describe("the host supervisor: hosts stopped on purpose", () => {
  test("a call whose rule overran is answered, then the host is stopped as distrusted, not crashed", () => {
    const { process, warm, call, ends } = supervised();
    warm();
    const { callId, outcome } = call();
    process.say({ type: "done", callId, end: { kind: "timeout" } });
    expect(outcome()?.failure).toEqual({
      kind: "timeout",
      detail: `the rule did not finish within ${TIMEOUT_MS} ms`,
    });
    expect(process.killed).toBe(true);
    process.exit();
    expect(ends).toEqual([
      { end: { kind: "stopped", reason: "distrusted", after: "timeout" }, loaded: true },
    ]);
  });

  test("a call whose rule crashed the sandbox: stopped as distrusted after a crash", () => {
    const { process, warm, call, ends } = supervised();
    warm();
    const { callId, outcome } = call();
    process.say({ type: "done", callId, end: { kind: "failed", detail: "the rule's realm broke" } });
    expect(outcome()?.failure).toEqual({ kind: "crashed", detail: "the rule's realm broke" });
    process.exit();
    expect(ends[0]?.end).toEqual({ kind: "stopped", reason: "distrusted", after: "crashed" });
  });

  test("a throwaway host is stopped as used after its one call", () => {
    const { process, warm, call, ends } = supervised({ singleUse: true });
    warm();
    const { callId, outcome } = call();
    process.say({ type: "done", callId, end: { kind: "ok", json: "[1]" } });
    expect(outcome()?.result).toEqual([1]);
    expect(process.killed).toBe(true);
    process.exit();
    expect(ends[0]?.end).toEqual({ kind: "stopped", reason: "used" });
  });

  test("the first end wins: a stop then a kill is reported as the stop; `exited` resolves once it has been told", async () => {
    const { process, supervisor, warm, ends } = supervised();
    warm();
    supervisor.stop({ kind: "stopped", reason: "retired" });
    expect(supervisor.available).toBe(false);
    supervisor.kill({ kind: "crashed", detail: "the rule pool is closed" });
    process.exit();
    await supervisor.exited;
    expect(ends).toEqual([{ end: { kind: "stopped", reason: "retired" }, loaded: true }]);
    expect(supervisor.state).toBe("dead");
  });

  test("once exited, no timer of the host is left behind", () => {
    const { process, timers, warm, call } = supervised();
    warm();
    call();
    expect(timers.pending()).toBeGreaterThan(0);
    process.exit();
    expect(timers.pending()).toBe(0);
  });
});
