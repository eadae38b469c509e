/**
 * The rule sandbox's limits on both runtimes: rules run in rule-host processes that the
 * server kills when they overrun, and the test checks that the CPU is really released
 * afterwards, in the server and in the hosts.
 */
import { aliceExchange, createHarness, type Harness, seedTenant } from "../support/harness.ts";
import { childCpuDuring } from "../support/process-tree.ts";
import { deployRule, tryRule } from "../support/rules.ts";
import { afterAll, beforeAll, describe, expect, test } from "../support/test-api.ts";

describe("e2e: the rule sandbox", () => {
  let h: Harness;
  let seed: Awaited<ReturnType<typeof seedTenant>>;
  beforeAll(async () => {
    h = await createHarness({ RULE_TIMEOUT_MS: "700", RULE_MEMORY_MB: "64" });
    seed = await seedTenant(h);
  });
  afterAll(() => h.close());

  const exchange = () => aliceExchange(h, seed);
  const healthy =
    "module.exports = async function (u, c, scope) { return { scope: scope, 'https://t.example/ok': 1 }; };";

  async function expect500ThenHealthy(script: string) {
    await deployRule(h, script);
    const response = await exchange();
    expect(response.status).toBe(500);
    expect((await response.json()).error).toBe("server_error");
    await deployRule(h, healthy);
    expect((await exchange()).status).toBe(200);
  }

  test("a rule that spins, or never answers, is stopped", async () => {
    await expect500ThenHealthy("module.exports = function () { while (true) {} };");
    await expect500ThenHealthy("module.exports = async function () { await null; for (;;) {} };");
    await expect500ThenHealthy("module.exports = function (u, c, s, a, ctx, cb) {};");
  });

  test("after a spinning rule is stopped the CPU is released", async () => {
    await deployRule(h, "module.exports = function () { while (true) {} };");
    for (let i = 0; i < 3; i++) expect((await exchange()).status).toBe(500);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = process.cpuUsage();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const used = process.cpuUsage(before);
    const cpuShare = (used.user + used.system) / 1000 / (performance.now() - started);
    // A leaked spinning thread would hold one whole core (share ≥ 1).
    expect(cpuShare).toBeLessThan(0.5);
    // And so would a rule host that was not stopped.
    expect(await childCpuDuring(1000)).toBeLessThan(150);
    await deployRule(h, healthy);
  });

  test("a rule that allocates without bound is stopped and the server survives", async () => {
    const rssBefore = process.memoryUsage().rss;
    await expect500ThenHealthy(
      "module.exports = function () { var hoard = []; for (;;) hoard.push({ a: [1, 2, 3], s: 'x' + hoard.length }); };",
    );
    // Bounded: nowhere near the gigabytes an unchecked bomb reaches.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(1024 * 1024 * 1024);
  });

  test("the sandbox has no runtime, no server process or network, and no code generation", async () => {
    const answer = await tryRule(
      h,
      `module.exports = async function () {
        var report = [typeof Deno, typeof Bun, typeof ShadowRealm];
        // Node's process, Buffer and require, and fetch, are the rule realm's own: an empty
        // environment, and no host reachable without RULE_ALLOWED_HOSTS.
        report.push(JSON.stringify(process.env), typeof Buffer.from, typeof require('crypto').createHash);
        report.push(await fetch('http://127.0.0.1:1/').then(() => 'fetched', () => 'no-fetch'));
        try { eval('1'); report.push('eval'); } catch (e) { report.push('no-eval'); }
        try { (function(){}).constructor('return 1')(); report.push('ctor'); } catch (e) { report.push('no-ctor'); }
        try { URL.constructor('return 1')(); report.push('host-ctor'); } catch (e) { report.push('no-host-ctor'); }
        return { scope: report };
      };`,
    );
    expect(answer.result.scope).toEqual([
      "undefined",
      "undefined",
      "undefined",
      "{}",
      "function",
      "function",
      "no-fetch",
      "no-eval",
      "no-ctor",
      "no-host-ctor",
    ]);
    const imported = await h.admin("PUT", "/rules/password-exchange", {
      script: "module.exports = async function () { return import('node:fs'); };",
    });
    expect(imported.status).toBe(400);
  });
});
