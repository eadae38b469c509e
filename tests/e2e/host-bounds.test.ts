/**
 * The server bounds its rule hosts by itself, whatever a host says or does: what a host may
 * write (counted as the bytes arrive; a host that floods or writes out of turn is killed),
 * how many throwaway hosts `try` and deploy checks start at once, the memory top-level code
 * keeps, and a readiness that stays up while a new version warms.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decodeJwt } from "jose";
import { aliceExchange, createHarness, type Harness, seedTenant } from "../support/harness.ts";
import { childPids } from "../support/process-tree.ts";
import { deployRule } from "../support/rules.ts";
import { afterAll, beforeAll, describe, expect, test } from "../support/test-api.ts";

const HOSTILE_HOST = fileURLToPath(new URL("./fixtures/hostile-host.ts", import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Bun's per-test limit for the bursts (Deno has none). */
const SLOW = 60_000;

/** A rule that puts `claim: value` in the access token. */
const claiming = (value: string, extra = "") =>
  `${extra}\nmodule.exports = function (u, c, scope, a, ctx, cb) { cb(null, { accessToken: { 'https://t.example/v': '${value}' } }); };`;

/** The rule hosts among this process's children that have not exited (zombies excluded). */
function liveHosts(): number[] {
  return childPids().filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      return state !== "Z" && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("rule-host");
    } catch {
      return false;
    }
  });
}

/** The most hosts alive at once, outside `before`, while `work` runs (sampled every 10 ms). */
async function peakHostsDuring<T>(before: number[], work: Promise<T>): Promise<{ peak: number; result: T }> {
  let peak = 0;
  let done = false;
  const sampling = (async () => {
    while (!done) {
      peak = Math.max(peak, liveHosts().filter((pid) => !before.includes(pid)).length);
      await sleep(10);
    }
  })();
  const result = await work;
  done = true;
  await sampling;
  return { peak, result };
}

describe("e2e: the server bounds its rule hosts", () => {
  describe("output a host writes (a host that floods or writes out of turn is killed)", () => {
    let h: Harness;
    let seed: Awaited<ReturnType<typeof seedTenant>>;
    beforeAll(async () => {
      h = await createHarness({ RULE_TIMEOUT_MS: "5000" }, { pool: { hostEntry: HOSTILE_HOST } });
      seed = await seedTenant(h);
    });
    afterAll(() => h.close());

    /** Exchanges through an honest rule work again: a fresh host serves them. */
    async function honestExchangeWorks(value: string) {
      await deployRule(h, claiming(value));
      const response = await aliceExchange(h, seed);
      expect(response.status).toBe(200);
      expect(decodeJwt((await response.json()).access_token)["https://t.example/v"]).toBe(value);
    }

    const replacedFor = (from: number, reason: RegExp) =>
      h.logLines
        .slice(from)
        .some((line) => line.includes('"event":"rule_host_replaced"') && reason.test(line));

    test("a host that floods the server with console lines during a call is killed, the call fails cleanly", async () => {
      await honestExchangeWorks("before");
      await deployRule(h, claiming("flooded", "// hostile-host: flood-call"));
      const from = h.logLines.length;
      const response = await aliceExchange(h, seed);
      expect(response.status).toBe(500);
      expect((await response.json()).error).toBe("server_error");
      expect(replacedFor(from, /wrote more than it may while busy/)).toBe(true);
      // The server kept at most the caps of what it read.
      expect(
        h.logLines.slice(from).filter((line) => line.includes('"event":"rule_console"')).length,
      ).toBeLessThanOrEqual(100);
      await honestExchangeWorks("after a flood in a call");
    });

    test("a host that writes while idle (forged idle reports, ~100 MB) is killed and exchanges keep working", async () => {
      await deployRule(h, claiming("idle-flood", "// hostile-host: flood-idle"));
      const from = h.logLines.length;
      const response = await aliceExchange(h, seed);
      expect(response.status).toBe(200);
      const deadline = Date.now() + 5000;
      while (!replacedFor(from, /wrote more than it may while idle/) && Date.now() < deadline)
        await sleep(20);
      expect(replacedFor(from, /wrote more than it may while idle/)).toBe(true);
      await honestExchangeWorks("after a flood while idle");
    });

    test("a line after `done` that is not the idle report gets the host killed", async () => {
      await deployRule(h, claiming("late", "// hostile-host: log-after-done"));
      const from = h.logLines.length;
      const response = await aliceExchange(h, seed);
      expect(response.status).toBe(200);
      const deadline = Date.now() + 5000;
      while (!replacedFor(from, /out of turn/) && Date.now() < deadline) await sleep(20);
      expect(replacedFor(from, /sent \\"log\\" out of turn/)).toBe(true);
      await honestExchangeWorks("after a late console line");
    });
  });

  describe("throwaway hosts, memory at top level, readiness during a deploy", () => {
    let h: Harness;
    let seed: Awaited<ReturnType<typeof seedTenant>>;
    beforeAll(async () => {
      h = await createHarness({ RULE_WORKERS: "2", RULE_MEMORY_MB: "64", RULE_TIMEOUT_MS: "3000" });
      seed = await seedTenant(h);
      await deployRule(h, claiming("warm"));
      expect((await aliceExchange(h, seed)).status).toBe(200);
    });
    afterAll(() => h.close());

    test(
      "20 concurrent tries start at most one throwaway host at a time (RULE_WORKERS=2) and all answer 200",
      async () => {
        const warm = liveHosts();
        const tries = Array.from({ length: 20 }, (_, i) =>
          h.admin("POST", "/rules/password-exchange/try", { script: claiming(`try-${i}`) }),
        );
        const { peak, result } = await peakHostsDuring(warm, Promise.all(tries));
        const statuses = result.map((response) => response.status);
        expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
        expect(statuses.filter((status) => status === 200).length).toBe(20);
        expect(peak).toBeGreaterThanOrEqual(1);
        expect(peak).toBeLessThanOrEqual(1);
        // Exchanges were served by the warm hosts meanwhile.
        expect((await aliceExchange(h, seed)).status).toBe(200);
      },
      SLOW,
    );

    test("a rule whose top-level code keeps ~150 MB at RULE_MEMORY_MB=64 is refused at deploy", async () => {
      const hoarding = claiming(
        "hoard",
        "var kept = []; for (var i = 0; i < 150; i++) kept.push(new Uint8Array(1 << 20).fill(i));",
      );
      const response = await h.admin("PUT", "/rules/password-exchange", { script: hoarding });
      expect(response.status).toBe(400);
      expect((await response.json()).message).toMatch(/memory limit of 64 MB/);
      await deployRule(h, claiming("honest after the hoard"));
      const exchange = await aliceExchange(h, seed);
      expect(exchange.status).toBe(200);
      expect(decodeJwt((await exchange.json()).access_token)["https://t.example/v"]).toBe(
        "honest after the hoard",
      );
    });

    test("/health/ready stays 200 while a newly deployed version warms up", async () => {
      const slowStart = "var started = Date.now(); while (Date.now() - started < 1000) {}";
      const statuses: number[] = [];
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const response = await h.request("/health/ready");
          statuses.push(response.status);
          await response.arrayBuffer();
          await sleep(25);
        }
      })();
      await deployRule(h, claiming("slow", slowStart));
      const exchange = await aliceExchange(h, seed);
      polling = false;
      await poller;
      expect(decodeJwt((await exchange.json()).access_token)["https://t.example/v"]).toBe("slow");
      expect(statuses.length).toBeGreaterThan(20);
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
    });
  });

  describe("a burst of deploys", () => {
    let h: Harness;
    beforeAll(async () => {
      // 3 s: the twenty deploys still take far longer together than one time limit (~18 s on a
      // slow 2-core machine), so a deploy charged for its wait would fail; and such a machine,
      // running another suite beside this one, still fits each check's ~200 ms within it.
      h = await createHarness({ RULE_WORKERS: "2", RULE_TIMEOUT_MS: "3000" });
    });
    afterAll(() => h.close());

    test(
      "20 concurrent deploys of valid rules whose top level computes ~200 ms are all accepted",
      async () => {
        // CPU, not a clock: twenty at once on a small machine would each take seconds.
        const computing = "var sum = 0; for (var i = 0; i < 2e8; i++) sum += i;";
        const deploys = Array.from({ length: 20 }, (_, i) =>
          h.admin("PUT", "/rules/password-exchange", { script: claiming(`deploy-${i}`, computing) }),
        );
        const answers = await Promise.all(
          (await Promise.all(deploys)).map(async (response) => `${response.status} ${await response.text()}`),
        );
        expect(answers.filter((answer) => !answer.startsWith("200 "))).toEqual([]);
      },
      SLOW,
    );
  });

  describe("throwaway hosts beyond the queue", () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness({ RULE_WORKERS: "2" }, { pool: { maxThrowawayQueue: 2 } });
    });
    afterAll(() => h.close());

    test("tries beyond the running and waiting ones answer 503 temporarily_unavailable with Retry-After", async () => {
      const slow = claiming("slow", "var started = Date.now(); while (Date.now() - started < 300) {}");
      const responses = await Promise.all(
        Array.from({ length: 8 }, () => h.admin("POST", "/rules/password-exchange/try", { script: slow })),
      );
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 200).length).toBe(3);
      expect(statuses.filter((status) => status === 503).length).toBe(5);
      const refused = responses.find((response) => response.status === 503)!;
      expect(refused.headers.get("retry-after")).toBe("2");
      expect(await refused.json()).toEqual({
        statusCode: 503,
        error: "Service Unavailable",
        message: "Too many rule tries and deploy checks are running; retry shortly.",
        errorCode: "temporarily_unavailable",
      });
      const deploy = await h.admin("PUT", "/rules/password-exchange", { script: claiming("after") });
      expect(deploy.status).toBe(200);
    });
  });
});
