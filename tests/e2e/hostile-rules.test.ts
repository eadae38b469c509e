/**
 * A hostile rule author against the sandbox: one test per way an in-process sandbox was
 * broken, each asserting the safe behaviour. The server stays up and answers; a later
 * exchange carries exactly the deployed rule's claims and no secret; the hosts' CPU
 * returns to idle; logs and memory stay bounded; a `try` cannot fail an exchange.
 */
import { decodeJwt } from "jose";
import { aliceExchange, createHarness, type Harness, seedTenant } from "../support/harness.ts";
import { childCpuDuring, childPids, childRssBytes } from "../support/process-tree.ts";
import { openedRuleAccess } from "../support/rule-modules.ts";
import { deployRule, storeRuleUnchecked } from "../support/rules.ts";
import { afterAll, beforeAll, describe, expect, test } from "../support/test-api.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("e2e: a hostile rule author against the sandbox", () => {
  const TIMEOUT_MS = 1500;
  const MEMORY_MB = 64;
  const SECRET = "s3cr3t-value-never-in-a-token";

  let h: Harness;
  let seed: Awaited<ReturnType<typeof seedTenant>>;

  let access: Awaited<ReturnType<typeof openedRuleAccess>>;

  beforeAll(async () => {
    // With the modules folder and one port open to rules, as an operator may run it.
    access = await openedRuleAccess();
    h = await createHarness({
      ...access.env,
      RULE_TIMEOUT_MS: String(TIMEOUT_MS),
      RULE_MEMORY_MB: String(MEMORY_MB),
      RULE_WORKERS: "2",
    });
    seed = await seedTenant(h);
    const secrets = await h.admin("PUT", "/rules/password-exchange/secrets", { API_KEY: SECRET });
    expect(secrets.status).toBe(200);
  });
  afterAll(async () => {
    await h.close();
    await access.close();
  });

  const exchange = () => aliceExchange(h, seed);

  const tryScript = async (script: string) => {
    const response = await h.admin("POST", "/rules/password-exchange/try", { script });
    return { status: response.status, body: await response.json() };
  };

  /** The deployed rule: it adds exactly one claim and passes the scope through. */
  const HONEST =
    "module.exports = function (user, client, scope, audience, context, cb) { cb(null, { scope: scope, 'https://t.example/user': user.email }); };";

  /** Deploys the honest rule and checks a token carries exactly its claims: no secret, no extra scope. */
  async function expectHonestTokens() {
    await deployRule(h, HONEST);
    for (let i = 0; i < 4; i++) {
      const response = await exchange();
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(JSON.stringify(body)).not.toContain(SECRET);
      const claims = decodeJwt(body.access_token);
      expect(JSON.stringify(claims)).not.toContain(SECRET);
      expect(claims.scope).toBe("read:things write:things");
      expect(claims["https://t.example/user"]).toBe("alice@example.com");
      const custom = Object.keys(claims).filter((name) => name.startsWith("http"));
      expect(custom).toEqual(["https://t.example/user"]);
    }
  }

  /** Waits for the hosts to settle after a call, then expects them idle over a second. */
  async function expectIdleCpu() {
    await sleep(TIMEOUT_MS + 500);
    const used = await childCpuDuring(1000);
    expect(used).toBeLessThan(150);
  }

  /** Code that climbs from host values to the host realm's prototypes and plants hooks there. */
  const PLANT_HOOKS = `
  var realms = [];
  function grab(value) { try { var p = value; while (p && Object.getPrototypeOf(p)) p = Object.getPrototypeOf(p); if (p && realms.indexOf(p) < 0) realms.push(p); } catch (e) {} }
  try { grab(new URL('https://x.example/')); } catch (e) {}
  try { grab(new TextEncoder().encode('x')); grab(new TextEncoder()); } catch (e) {}
  try { grab(structuredClone({ a: [1] })); grab(structuredClone([1]).constructor.prototype); } catch (e) {}
  try { grab(new URLSearchParams('a=1')); } catch (e) {}
  try { structuredClone(Symbol()); } catch (e) { grab(e); }
  realms.forEach(function (objectPrototype) {
    try {
      Object.defineProperty(objectPrototype, 'scope', { configurable: true, get: function () { return ['read:data', 'admin:everything']; }, set: function () {} });
      Object.defineProperty(objectPrototype, 'https://evil.example/secrets', { configurable: true, enumerable: true, get: function () { return 'planted'; } });
      Object.defineProperty(objectPrototype, 'toJSON', { configurable: true, value: function () { return { scope: ['admin:everything'], planted: true }; } });
      objectPrototype.email = 'mallory@example.com';
    } catch (e) {}
  });
  try { JSON.parse = function () { return { user: { email: 'mallory@example.com' }, scope: ['admin:everything'] }; }; } catch (e) {}
  try { Array.prototype.push = function () { return 0; }; String.prototype.slice = function () { return this; }; } catch (e) {}
`;

  describe("1. a rule cannot crash the server with what it sends back", () => {
    test("JSON.stringify replaced to emit text that is not JSON: a 500, and the server answers on", async () => {
      const broken =
        "JSON.stringify = function () { return '{not json'; }; module.exports = function (u, c, scope, a, ctx, cb) { cb(null, { scope: scope }); };";
      const tried = await tryScript(broken);
      expect(tried.status).toBe(200);
      expect(tried.body.error.error).toBe("server_error");
      await deployRule(h, broken);
      const response = await exchange();
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({
        error: "server_error",
        error_description: "The password-exchange rule failed.",
      });
      await expectHonestTokens();
    });

    test("JSON.stringify replaced to return an object, a huge string or a throwing toString", async () => {
      for (const replacement of [
        "function () { return { toString: function () { throw new Error('boom'); } }; }",
        "function () { return 'x'.repeat(10 * 1024 * 1024); }",
        "function () { return '[' + '['.repeat(100000); }",
      ]) {
        await deployRule(
          h,
          `JSON.stringify = ${replacement}; module.exports = function (u, c, scope, a, ctx, cb) { cb(null, { scope: scope }); };`,
        );
        expect((await exchange()).status).toBe(500);
      }
      await expectHonestTokens();
    });
  });

  describe("2, 3. no version, dry run or refused deploy can touch another", () => {
    test("hooks planted by a try that was never deployed do not reach later tokens", async () => {
      await deployRule(h, HONEST);
      const tried = await tryScript(
        `${PLANT_HOOKS} module.exports = function (u, c, scope, a, ctx, cb) { cb(null, { scope: scope }); };`,
      );
      expect(tried.status).toBe(200);
      await expectHonestTokens();
    });

    test("hooks planted by a refused deploy's top-level code do not reach later tokens", async () => {
      await deployRule(h, HONEST);
      const refused = await h.admin("PUT", "/rules/password-exchange", {
        script: `${PLANT_HOOKS} throw new Error('refuse me');`,
      });
      expect(refused.status).toBe(400);
      await expectHonestTokens();
    });

    test("hooks planted by a deployed version do not reach the next version or its inputs", async () => {
      await deployRule(
        h,
        `${PLANT_HOOKS} module.exports = function (u, c, scope, a, ctx, cb) { ${PLANT_HOOKS} cb(null, { scope: ['read:data'] }); };`,
      );
      for (let i = 0; i < 3; i++) await exchange();
      await expectHonestTokens();
    });
  });

  describe("4. a parser bomb cannot keep a core busy", () => {
    const bomb = `module.exports = function () { return ${"[".repeat(120_000)}${"]".repeat(120_000)}; };`;

    test("a 256 KiB nested literal is refused at deploy, fails a try and a stored rule, and the CPU returns to idle", async () => {
      expect(bomb.length).toBeLessThanOrEqual(256 * 1024);
      const started = performance.now();
      const deploy = await h.admin("PUT", "/rules/password-exchange", { script: bomb });
      expect(deploy.status).toBe(400);
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 2000);
      const tried = await tryScript(bomb);
      expect(tried.body.error.error).toBe("server_error");
      await storeRuleUnchecked(h, bomb);
      expect((await exchange()).status).toBe(500);
      await expectIdleCpu();
      await expectHonestTokens();
    });
  });

  describe("5. no rule code runs after its call", () => {
    test("callbacks on crypto.subtle and timers left behind never run; the CPU returns to idle", async () => {
      await deployRule(
        h,
        `module.exports = function (u, c, scope, a, ctx, cb) {
        crypto.subtle.digest('SHA-256', new Uint8Array(8)).then(function () { for (;;) {} });
        setTimeout(function () { for (;;) {} }, 50);
        Promise.resolve().then(function () { cb(null, { scope: scope }); });
      };`,
      );
      for (let i = 0; i < 4; i++) expect((await exchange()).status).toBe(200);
      await expectIdleCpu();
      await expectHonestTokens();
    });

    test("a callback planted in the host's realm that spins between calls gets its host replaced", async () => {
      await deployRule(
        h,
        `module.exports = function (u, c, scope, a, ctx, cb) {
        try {
          var proto = Object.getPrototypeOf(Object.getPrototypeOf(new URL('https://x.example/')));
          Object.defineProperty(proto, 'then', { configurable: true, get: function () { for (;;) {} } });
        } catch (e) {}
        cb(null, { scope: scope });
      };`,
      );
      for (let i = 0; i < 3; i++) await exchange();
      await expectIdleCpu();
      await expectHonestTokens();
    });
  });

  describe("6. rule code still running after cb holds nothing up", () => {
    test("a spin after cb: the call answers at once, and the next exchange does not wait for the time limit", async () => {
      await deployRule(h, HONEST);
      const tried = await tryScript(
        "module.exports = function (u, c, scope, a, ctx, cb) { cb(null, { scope: scope }); JSON.stringify({ get x() { for (;;) {} } }); };",
      );
      expect(tried.body.error).toBeUndefined();
      expect(tried.body.duration_ms).toBeLessThan(TIMEOUT_MS / 2);
      const started = performance.now();
      expect((await exchange()).status).toBe(200);
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS / 2);
    });

    test("deployed, every exchange still answers well within the time limit, and its hosts are replaced", async () => {
      await deployRule(
        h,
        "module.exports = function (u, c, scope, a, ctx, cb) { cb(null, { scope: scope, 'https://t.example/user': u.email }); for (;;) {} };",
      );
      for (let i = 0; i < 4; i++) {
        const started = performance.now();
        expect((await exchange()).status).toBe(200);
        expect(performance.now() - started).toBeLessThan(TIMEOUT_MS / 2);
      }
      expect(h.logLines.join("\n")).toContain("the rule kept running after its call ended");
      await expectIdleCpu();
      await expectHonestTokens();
    });
  });

  describe("7. console output is bounded whatever the rule does to the intrinsics", () => {
    test("with String.prototype.slice and Array.prototype.join replaced, a flood stays bounded in the logs", async () => {
      const before = h.logLines.join("").length;
      await deployRule(
        h,
        `module.exports = function (u, c, scope, a, ctx, cb) {
        String.prototype.slice = function () { return String(this); };
        String.prototype.substring = String.prototype.slice;
        Array.prototype.join = function () { return 'y'.repeat(1 << 18); };
        var big = 'x'.repeat(1 << 20);
        for (var i = 0; i < 300; i++) { console.log(big, i); console.error([big]); }
        cb(null, { scope: scope });
      };`,
      );
      const response = await exchange();
      expect(response.status).toBe(200);
      const grown = h.logLines.join("").length - before;
      expect(grown).toBeLessThan(512 * 1024);
      const logs = await (await h.admin("GET", "/logs?per_page=100&type=rule_log")).text();
      expect(logs.length).toBeLessThan(512 * 1024);
    });
  });

  describe("8. memory a rule keeps between calls counts against its limit", () => {
    test("a rule that keeps 16 MB per call (heap and buffers) is recycled; the hosts stay bounded over 20 calls", async () => {
      await deployRule(
        h,
        `var kept = [];
      module.exports = function (u, c, scope, a, ctx, cb) {
        kept.push(new Uint8Array(8 << 20).fill(kept.length + 1));
        kept.push(new Array(1 << 20).fill(kept.length));
        cb(null, { scope: scope });
      };`,
      );
      const logsBefore = h.logLines.length;
      let largest = 0;
      for (let i = 0; i < 20; i++) {
        await exchange();
        largest = Math.max(largest, childRssBytes());
      }
      const logged = h.logLines.slice(logsBefore).join("\n");
      expect(logged).toContain('"event":"rule_memory_limit"');
      // Two hosts of ~50 MB each, each allowed MEMORY_MB more, plus hosts being replaced.
      expect(largest).toBeLessThan(4 * (60 + MEMORY_MB) * 2 ** 20);
      expect(childPids().length).toBeLessThanOrEqual(4);
      await expectHonestTokens();
    });
  });

  describe("9. a memory bomb in try fails only itself", () => {
    test("concurrent exchanges succeed while a try allocates without bound", async () => {
      await deployRule(h, HONEST);
      const bomb = tryScript(
        "module.exports = function () { var hoard = []; for (;;) { hoard.push(new Array(1 << 20).fill(hoard.length)); } };",
      );
      const exchanges = Array.from({ length: 10 }, () => exchange());
      const [tried, ...responses] = await Promise.all([bomb, ...exchanges]);
      expect(tried.body.error.error).toBe("server_error");
      expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    });
  });
});
