import { decodeJwt } from "jose";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logs/logger.ts";
import { createRulePool } from "../../src/rules/pool.ts";
import { sampleRuleInput } from "../../src/rules/sample-input.ts";
import { aliceExchange, createHarness, type Harness, seedTenant } from "../support/harness.ts";
import { deployRule, storeRuleUnchecked } from "../support/rules.ts";
import { afterAll, beforeAll, describe, expect, test } from "../support/test-api.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("e2e: the rule sandbox limits", () => {
  let h: Harness;
  let seed: Awaited<ReturnType<typeof seedTenant>>;

  // A time limit far above what the memory watchdog needs, so a memory bomb stopped by the
  // time limit would show up as rule_timeout-style detail instead of rule_memory_limit.
  beforeAll(async () => {
    h = await createHarness({ RULE_TIMEOUT_MS: "1000", RULE_MEMORY_MB: "64", RULE_WORKERS: "2" });
    seed = await seedTenant(h);
  });
  afterAll(() => h.close());

  const exchange = () => aliceExchange(h, seed);

  const generic = { error: "server_error", error_description: "The password-exchange rule failed." };

  async function expectGeneric500(detail: RegExp) {
    const before = h.logLines.length;
    const response = await exchange();
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual(generic);
    expect(h.logLines.slice(before).join("\n")).toMatch(detail);
  }

  const healthy =
    "module.exports = function (u, c, scope, a, ctx, cb) { cb(null, { scope: scope, 'https://t.example/ok': true }); };";

  async function expectHealthyAfterwards() {
    await deployRule(h, healthy);
    const response = await exchange();
    expect(response.status).toBe(200);
    expect(decodeJwt((await response.json()).access_token)["https://t.example/ok"]).toBe(true);
  }

  describe("time limit (RULE_TIMEOUT_MS)", () => {
    const stuck: Array<[string, string]> = [
      ["never calls back", "module.exports = function (u, c, s, a, ctx, cb) {};"],
      ["spins synchronously", "module.exports = function () { while (true) {} };"],
      [
        "awaits a promise that never settles",
        "module.exports = async function () { await new Promise(function () {}); };",
      ],
      ["spins after an await", "module.exports = async function () { await null; while (true) {} };"],
      ["spins in a timer", "module.exports = function () { setTimeout(function () { for (;;) {} }, 1); };"],
      ["keeps rescheduling timers", "module.exports = function () { setInterval(function () {}, 1); };"],
    ];
    for (const [name, script] of stuck) {
      test(`a rule that ${name} is stopped and answered with 500`, async () => {
        await deployRule(h, script);
        await expectGeneric500(/did not finish within 1000 ms/);
        await expectHealthyAfterwards();
      });
    }

    test("top-level code that spins is refused at deploy time", async () => {
      const response = await h.admin("PUT", "/rules/password-exchange", { script: "while (true) {}" });
      expect(response.status).toBe(400);
      expect((await response.json()).message).toMatch(/timed out/);
    });

    test("the server keeps answering while a rule spins", async () => {
      await deployRule(h, "module.exports = function () { while (true) {} };");
      const spinning = exchange();
      await sleep(50);
      const started = performance.now();
      const jwks = await h.request("/.well-known/jwks.json");
      const elapsed = performance.now() - started;
      expect(jwks.status).toBe(200);
      expect(elapsed).toBeLessThan(100);
      expect((await spinning).status).toBe(500);
      await expectHealthyAfterwards();
    });
  });

  describe("memory limit (RULE_MEMORY_MB)", () => {
    test("a rule that allocates without bound is stopped by the memory watchdog and the server survives", async () => {
      await deployRule(
        h,
        `module.exports = function () {
        var hoard = [];
        for (;;) { hoard.push(new Array(1 << 20).fill(hoard.length)); }
      };`,
      );
      const before = h.logLines.length;
      const response = await exchange();
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual(generic);
      const logged = h.logLines.slice(before).join("\n");
      expect(logged).toContain('"event":"rule_memory_limit"');
      expect(logged).toContain("exceeded the memory limit of 64 MB");
      expect(logged).not.toContain("did not finish within");
      expect(logged).toContain('"event":"rule_host_replaced"');
      await expectHealthyAfterwards();
    });

    test("a string-doubling bomb is stopped too", async () => {
      await deployRule(
        h,
        "module.exports = function () { var parts = []; var s = 'x'; for (;;) { s = s + s; parts.push(s + '!'); } };",
      );
      const response = await exchange();
      expect(response.status).toBe(500);
      await expectHealthyAfterwards();
    });
  });

  test("hosts that keep dying before they load restart with back-off, and that is logged once", async () => {
    await storeRuleUnchecked(
      h,
      "var hoard = []; for (;;) hoard.push(new Uint8Array(1 << 20).fill(1), new Array(1 << 16).fill(1)); module.exports = function () {};",
    );
    const before = h.logLines.length;
    expect((await exchange()).status).toBe(500);
    await sleep(2500);
    const logged = h.logLines.slice(before);
    const deaths = logged.filter((line) => line.includes('"event":"rule_host_replaced"')).length;
    // Without back-off two hosts would die and restart every ~150 ms: ~30 times in 2.5 s.
    expect(deaths).toBeGreaterThan(1);
    expect(deaths).toBeLessThan(14);
    expect(logged.filter((line) => line.includes('"event":"rule_host_failing"')).length).toBe(1);
    await expectHealthyAfterwards();
  });

  describe("load", () => {
    test("100 concurrent exchanges with the rule all succeed", async () => {
      await deployRule(h, healthy);
      const responses = await Promise.all(Array.from({ length: 100 }, () => exchange()));
      expect(responses.map((response) => response.status)).toEqual(Array(100).fill(200));
    });

    test("a rule swap during load drops nothing; later requests see the new rule", async () => {
      const version = (n: number) =>
        `module.exports = function (u, c, scope, a, ctx, cb) { setTimeout(function () { cb(null, { scope: scope, 'https://t.example/v': ${n} }); }, 2); };`;
      await deployRule(h, version(1));
      const inFlight = Array.from({ length: 60 }, () => exchange());
      await sleep(5);
      await deployRule(h, version(2));
      const more = Array.from({ length: 40 }, () => exchange());
      const responses = await Promise.all([...inFlight, ...more]);
      const seen = new Set<unknown>();
      for (const response of responses) {
        expect(response.status).toBe(200);
        seen.add(decodeJwt((await response.json()).access_token)["https://t.example/v"]);
      }
      expect([...seen].every((value) => value === 1 || value === 2)).toBe(true);
      const after = await exchange();
      expect(decodeJwt((await after.json()).access_token)["https://t.example/v"]).toBe(2);
    });
  });

  describe("the pool", () => {
    test("a full queue answers temporarily_unavailable (503)", async () => {
      const config = loadConfig({ RULE_WORKERS: "1", RULE_TIMEOUT_MS: "300" });
      const pool = createRulePool({ config, log: createLogger("silent"), maxQueue: 1 });
      try {
        const spin = {
          script: "module.exports = function () { while (true) {} };",
          version: "spin",
          deployedAt: 1,
        };
        const input = sampleRuleInput("default", "urn:x");
        pool.prepare(spin);
        while (!pool.warm()) await sleep(10);
        const runs = [1, 2, 3].map(() => pool.execute(spin, input, "q"));
        const third = await runs[2]!;
        expect(third.failure?.kind).toBe("busy");
        for (const run of runs.slice(0, 2)) expect((await run).failure?.kind).toBe("timeout");
      } finally {
        await pool.close();
      }
    });

    test("a worker keeps serving after one of its calls timed out", async () => {
      const config = loadConfig({ RULE_WORKERS: "1", RULE_TIMEOUT_MS: "1000" });
      const pool = createRulePool({ config, log: createLogger("silent") });
      try {
        const input = sampleRuleInput("default", "urn:x");
        const ok = {
          script: "module.exports = async function (u, c, scope) { return { scope: scope }; };",
          version: "ok",
          deployedAt: 2,
        };
        expect((await pool.execute(ok, input, "a")).result).toEqual({ scope: ["read:sample"] });
        const spin = {
          script: "module.exports = function () { while (true) {} };",
          version: "spin",
          deployedAt: 1,
        };
        expect((await pool.execute(spin, input, "b")).failure?.kind).toBe("timeout");
        expect((await pool.execute(ok, input, "c")).result).toEqual({ scope: ["read:sample"] });
      } finally {
        await pool.close();
      }
    });
  });

  test("a stack overflow is a crash (500), not a denial", async () => {
    await deployRule(
      h,
      "module.exports = function () { function down(n) { return down(n + 1) + 1; } down(0); };",
    );
    await expectGeneric500(/the rule crashed: RangeError/);
    await expectHealthyAfterwards();
  });
});
