/**
 * The rule pool over fake hosts, a fake /proc and a fake clock: spare-host adoption, the
 * back-off for hosts that die before they load, the retirement of an old version's hosts
 * after a deploy, throwaway turns, and what the metrics and the log are told. Nothing waits
 * for real time; each host says exactly what the test makes it say.
 */
import { describe, expect, test } from "bun:test";
import { createLogger } from "../../src/logs/logger.ts";
import type { RuleScript } from "../../src/rules/contract.ts";
import { HOST_WATCH } from "../../src/rules/host-supervisor.ts";
import { BACKOFF_MS, createRulePool } from "../../src/rules/pool.ts";
import { HOST_OUTPUT } from "../../src/rules/protocol.ts";
import { sampleRuleInput } from "../../src/rules/sample-input.ts";
import { type FakeHost, fakeSpawner, fakeStats, fakeTimers } from "../support/fake-rule-host.ts";

const TIMEOUT_MS = 1000;
const MB = 2 ** 20;
const input = sampleRuleInput("t", "urn:x");
const rule = (n: number): RuleScript => ({ script: `// version ${n}`, version: `v${n}`, deployedAt: n });

function fixture(options: { ruleWorkers?: number; maxThrowawayQueue?: number } = {}) {
  const spawner = fakeSpawner();
  const stats = fakeStats();
  const timers = fakeTimers();
  const logLines: string[] = [];
  const replaced: string[] = [];
  const rules = createRulePool({
    config: { ruleWorkers: options.ruleWorkers ?? 2, ruleTimeoutMs: TIMEOUT_MS, ruleMemoryMb: 64 },
    log: createLogger("debug", { write: (line: string) => logLines.push(line) }),
    maxThrowawayQueue: options.maxThrowawayQueue,
    observer: {
      hostReplaced: (reason) => replaced.push(reason),
      callRejected: () => replaced.push("rejected"),
    },
    spawnHost: spawner.spawn,
    processStats: stats.read,
    timers,
  });
  const answered = new Map<FakeHost, number>();

  /**
   * Every live host answers as an honest one would, until none has anything left to say:
   * `ready` once, `loaded` for its rule, and for each call `done` (its result names the
   * script the host loaded) then `idle`.
   */
  const settle = () => {
    for (let progressed = true; progressed; ) {
      progressed = false;
      for (const host of spawner.alive()) {
        if (host.killed) continue;
        const seen = answered.get(host) ?? 0;
        if (host.said.length === 0) {
          host.say({ type: "ready" });
          progressed = true;
        } else if (seen < host.sent.length) {
          answered.set(host, seen + 1);
          progressed = true;
          const message = host.sent[seen]!;
          if (message.type === "load") {
            host.say({ type: "loaded" });
          } else {
            const loaded = host.sent.find((sent) => sent.type === "load");
            const json = JSON.stringify({ script: loaded?.type === "load" ? loaded.script : undefined });
            host.say({ type: "done", callId: message.callId, end: { kind: "ok", json } });
            host.say({ type: "idle", callId: message.callId });
          }
        }
      }
    }
  };

  const logged = (event: string) => logLines.filter((line) => line.includes(`"event":"${event}"`)).length;

  return { rules, spawner, stats, timers, logLines, replaced, settle, logged };
}

const loads = (host: FakeHost) => host.sent.filter((message) => message.type === "load").length;
const runs = (host: FakeHost) => host.sent.filter((message) => message.type === "run").length;

describe("the rule pool: spare hosts", () => {
  test("the hosts started with the pool are held unloaded, then serve the first rule: no other host starts", async () => {
    const { rules, spawner, settle } = fixture();
    expect(spawner.hosts).toHaveLength(2);
    settle();
    expect(spawner.hosts.map((host) => [host.sent, host.budget])).toEqual([
      [[], HOST_OUTPUT.silent],
      [[], HOST_OUTPUT.silent],
    ]);
    expect(rules.warm()).toBe(true);

    const run = rules.execute(rule(1), input, "r1");
    expect(rules.warm()).toBe(false);
    expect(spawner.hosts.map((host) => host.last())).toEqual([
      { type: "load", script: "// version 1", timeoutMs: TIMEOUT_MS },
      { type: "load", script: "// version 1", timeoutMs: TIMEOUT_MS },
    ]);
    settle();
    expect((await run).result).toEqual({ script: "// version 1" });
    expect(rules.warm()).toBe(true);
    expect(spawner.hosts).toHaveLength(2);
  });

  test("a spare still starting when its rule is asked for loads it as soon as it reports ready", async () => {
    const { rules, spawner, settle } = fixture({ ruleWorkers: 1 });
    const run = rules.execute(rule(1), input, "r1");
    const [spare] = spawner.hosts;
    expect(spare!.sent).toEqual([]);
    spare!.say({ type: "ready" });
    expect(spare!.last()).toMatchObject({ type: "load", script: "// version 1" });
    settle();
    expect((await run).result).toEqual({ script: "// version 1" });
    expect(spawner.hosts).toHaveLength(1);
  });
});

describe("the rule pool: back-off", () => {
  test("hosts that die before they load restart after a delay that doubles up to its cap; a load ends it", async () => {
    const { rules, spawner, timers, settle, logged, replaced } = fixture({ ruleWorkers: 1 });
    /** The newest host reports ready, is sent its rule, and dies while loading it. */
    const dieWhileLoading = () => {
      const host = spawner.hosts.at(-1)!;
      host.say({ type: "ready" });
      expect(loads(host)).toBe(1);
      host.exit({ code: 1 });
    };
    const crashed = { kind: "crashed", detail: "the rule host exited (code 1)" } as const;

    const first = rules.execute(rule(1), input, "r1");
    dieWhileLoading();
    // No host of the version could load it: the waiting call fails now, not after the back-off.
    expect((await first).failure).toEqual(crashed);

    const delays = [100, 200, 400, 800, 1600, 3200, 5000, 5000];
    expect(delays[0]).toBe(BACKOFF_MS.first);
    for (const [round, delay] of delays.entries()) {
      const started = spawner.hosts.length;
      const waiting = rules.execute(rule(1), input, `r${round}`);
      timers.advance(delay - 1);
      expect([round, spawner.hosts.length]).toEqual([round, started]);
      timers.advance(1);
      expect([round, spawner.hosts.length]).toEqual([round, started + 1]);
      dieWhileLoading();
      expect((await waiting).failure).toEqual(crashed);
    }
    expect(logged("rule_host_failing")).toBe(1);
    expect(logged("rule_host_replaced")).toBe(delays.length + 1);
    expect(replaced).toEqual(Array(delays.length + 1).fill("crashed"));

    // The next host loads: the back-off ends, and a death after a load is replaced at once.
    const served = rules.execute(rule(1), input, "r-last");
    timers.advance(BACKOFF_MS.max);
    settle();
    expect((await served).result).toEqual({ script: "// version 1" });
    expect(logged("rule_host_recovered")).toBe(1);
    spawner.hosts.at(-1)!.exit({ code: 1 });
    expect(spawner.alive()).toHaveLength(1);
  });

  test("a version none of whose hosts could load gets new ones only when a call waits for them", async () => {
    const { rules, spawner, timers, settle } = fixture({ ruleWorkers: 1 });
    void rules.execute(rule(1), input, "r1");
    spawner.hosts[0]!.say({ type: "ready" });
    spawner.hosts[0]!.exit({ code: 1 });
    timers.advance(60_000);
    expect(spawner.hosts).toHaveLength(1);

    const waiting = rules.execute(rule(1), input, "r2");
    timers.advance(BACKOFF_MS.first - 1);
    expect(spawner.hosts).toHaveLength(1);
    timers.advance(1);
    expect(spawner.hosts).toHaveLength(2);
    settle();
    expect((await waiting).result).toEqual({ script: "// version 1" });
  });

  test("the back-off is per version: a new deploy starts its hosts at once", async () => {
    const { rules, spawner, settle } = fixture({ ruleWorkers: 1 });
    void rules.execute(rule(1), input, "r1");
    spawner.hosts[0]!.say({ type: "ready" });
    spawner.hosts[0]!.exit({ code: 1 });
    const alive = spawner.alive().length;
    const run = rules.execute(rule(2), input, "r2");
    expect(spawner.alive()).toHaveLength(alive + 1);
    settle();
    expect((await run).result).toEqual({ script: "// version 2" });
  });
});

describe("the rule pool: retirement after a deploy", () => {
  test("the old version's idle hosts are stopped at once, its busy one once its call is answered", async () => {
    const { rules, spawner, settle, logged, replaced } = fixture();
    const warmUp = rules.execute(rule(1), input, "r1");
    settle();
    await warmUp;
    const [busy, idle] = spawner.hosts as [FakeHost, FakeHost];
    const inFlight = rules.execute(rule(1), input, "r2");
    expect(runs(busy)).toBe(2);

    rules.prepare(rule(2));
    expect(spawner.hosts).toHaveLength(4);
    expect([busy.killed, idle.killed]).toEqual([false, true]);
    idle.exit();

    const callId = (busy.last() as { callId: number }).callId;
    busy.say({ type: "done", callId, end: { kind: "ok", json: '"v1 answered"' } });
    expect((await inFlight).result).toBe("v1 answered");
    busy.say({ type: "idle", callId });
    expect(busy.killed).toBe(true);
    busy.exit();

    // Stopped on purpose: neither the metrics nor the log count it as a replaced host.
    expect(replaced).toEqual([]);
    expect(logged("rule_host_replaced")).toBe(0);
    const next = rules.execute(rule(2), input, "r3");
    settle();
    expect((await next).result).toEqual({ script: "// version 2" });
    expect(spawner.alive()).toHaveLength(2);
  });

  test("a call that read the old version just before the deploy runs on a new host of it, never on a stopped one", async () => {
    const { rules, spawner, settle, replaced } = fixture();
    const warmUp = rules.execute(rule(1), input, "r1");
    settle();
    await warmUp;
    const old = [...spawner.hosts];
    rules.prepare(rule(2));
    expect(old.every((host) => host.killed)).toBe(true);

    const late = rules.execute(rule(1), input, "r2");
    expect(old.map(runs)).toEqual([1, 0]);
    spawner.reapKilled();
    expect(spawner.hosts).toHaveLength(5);
    settle();
    expect((await late).result).toEqual({ script: "// version 1" });
    // Its work done, the version's last host is retired too.
    expect(spawner.hosts[4]!.killed).toBe(true);
    expect(replaced).toEqual([]);
  });

  test("a version asked for after a newer one was deployed does not take the warm hosts back", async () => {
    const { rules, spawner, settle } = fixture();
    rules.prepare(rule(2));
    settle();
    const late = rules.execute(rule(1), input, "r1");
    settle();
    expect((await late).result).toEqual({ script: "// version 1" });
    expect(spawner.hosts.slice(0, 2).map((host) => host.killed)).toEqual([false, false]);
    expect(spawner.hosts[2]!.killed).toBe(true);
  });
});

describe("the rule pool: what the metrics and the log are told", () => {
  test("a crash, an overrun, memory past the limit: each host replaced once, under its reason", async () => {
    const { rules, spawner, stats, timers, settle, replaced, logged } = fixture({ ruleWorkers: 1 });
    for (const host of spawner.hosts) stats.set(host, { rssBytes: 50 * MB });
    const warmUp = rules.execute(rule(1), input, "r1");
    settle();
    await warmUp;

    spawner.hosts.at(-1)!.exit({ code: 1 });
    expect(replaced).toEqual(["crashed"]);
    expect(logged("rule_host_replaced")).toBe(1);

    settle();
    const overran = rules.execute(rule(1), input, "r2");
    const host = spawner.hosts.at(-1)!;
    host.say({ type: "done", callId: (host.last() as { callId: number }).callId, end: { kind: "timeout" } });
    expect((await overran).failure?.kind).toBe("timeout");
    host.exit();
    // The call itself was answered: the host was stopped, so no `rule_host_replaced` line.
    expect(replaced).toEqual(["crashed", "timeout"]);
    expect(logged("rule_host_replaced")).toBe(1);

    const newest = spawner.hosts.at(-1)!;
    stats.set(newest, { rssBytes: 50 * MB });
    settle();
    const hog = rules.execute(rule(1), input, "r3");
    stats.set(newest, { rssBytes: 50 * MB + 64 * MB + 1 });
    timers.advance(HOST_WATCH.busySampleMs);
    expect(newest.killed).toBe(true);
    newest.exit();
    expect((await hog).failure?.kind).toBe("memory");
    expect(replaced).toEqual(["crashed", "timeout", "memory"]);
    expect(logged("rule_host_replaced")).toBe(2);
    expect(spawner.alive()).toHaveLength(1);
  });

  test("throwaway hosts (compile checks, try) are never counted as replaced", async () => {
    const { rules, spawner, settle, replaced, logged } = fixture();
    const compiled = rules.compile("// fine");
    settle();
    expect(await compiled).toBeUndefined();
    // The next throwaway host starts once this one has exited.
    spawner.reapKilled();
    const tried = rules.tryScript("// fine", input, "r1");
    settle();
    expect((await tried).result).toEqual({ script: "// fine" });
    spawner.reapKilled();
    expect(replaced).toEqual([]);
    expect(logged("rule_host_replaced")).toBe(0);
  });
});

describe("the rule pool: throwaway turns", () => {
  test("half the workers run throwaway hosts at once, a bounded number wait, the rest are busy", async () => {
    const { rules, spawner, settle } = fixture({ ruleWorkers: 2, maxThrowawayQueue: 1 });
    const spares = spawner.hosts.length;
    const first = rules.compile("// first");
    const second = rules.compile("// second");
    expect(await rules.compile("// third")).toBe("busy");
    expect(spawner.hosts).toHaveLength(spares + 1);

    const throwaway = spawner.hosts.at(-1)!;
    throwaway.say({ type: "ready" });
    throwaway.say({ type: "loaded", error: { message: "Unexpected token", line: 1 } });
    expect(await first).toEqual({ message: "Unexpected token", line: 1 });
    // Its turn ends when the host has exited, not when it answered.
    expect(spawner.hosts).toHaveLength(spares + 1);
    throwaway.exit();
    expect(spawner.hosts).toHaveLength(spares + 2);
    settle();
    expect(await second).toBeUndefined();
  });

  test("a throwaway host that dies while loading tells the caller why", async () => {
    const { rules, spawner, timers } = fixture();
    const compiled = rules.compile("while (true) {}");
    const throwaway = spawner.hosts.at(-1)!;
    throwaway.say({ type: "ready" });
    timers.advance(TIMEOUT_MS + HOST_WATCH.graceMs);
    throwaway.exit();
    expect(await compiled).toEqual({ message: "The rule's top-level code timed out." });
  });
});

test("close kills every host, fails what waits, and resolves once they have exited", async () => {
  const { rules, spawner } = fixture();
  const waiting = rules.execute(rule(1), input, "r1");
  const closing = rules.close();
  expect((await waiting).failure).toEqual({ kind: "crashed", detail: "the rule pool is closed" });
  expect(spawner.hosts.every((host) => host.killed)).toBe(true);
  spawner.reapKilled();
  await closing;
  expect((await rules.execute(rule(1), input, "r2")).failure).toEqual({
    kind: "crashed",
    detail: "the rule pool is closed",
  });
});
