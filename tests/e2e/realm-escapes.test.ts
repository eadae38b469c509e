/**
 * The rule's realm boundary (SECURITY.md, "Layer 1: the rule's realm"): nothing a rule is
 * handed leads to an object of the rule host's own realm, so a rule cannot plant hooks
 * (`Symbol.species`, `Symbol.hasInstance`) that the host's own code would call, and the
 * import check reads a source exactly as the host wraps it.
 */
import { decodeJwt } from "jose";
import { aliceExchange, createHarness, type Harness, seedTenant } from "../support/harness.ts";
import { openedRuleAccess } from "../support/rule-modules.ts";
import { deployRule, tryRule } from "../support/rules.ts";
import { afterAll, beforeAll, describe, expect, test } from "../support/test-api.ts";

describe("e2e: nothing of the host's realm reaches a rule", () => {
  const TIMEOUT_MS = 1500;

  let h: Harness;
  let seed: Awaited<ReturnType<typeof seedTenant>>;

  let access: Awaited<ReturnType<typeof openedRuleAccess>>;

  beforeAll(async () => {
    // With the modules folder and one port open to rules, as an operator may run it.
    access = await openedRuleAccess();
    h = await createHarness({ ...access.env, RULE_TIMEOUT_MS: String(TIMEOUT_MS), RULE_WORKERS: "2" });
    seed = await seedTenant(h);
  });
  afterAll(async () => {
    await h.close();
    await access.close();
  });

  const exchange = () => aliceExchange(h, seed);

  const HONEST =
    "module.exports = function (user, client, scope, audience, context, cb) { cb(null, { scope: scope, 'https://t.example/user': user.email }); };";

  /** Deploys the honest rule; six exchanges in a row carry exactly its claims. */
  async function expectHonestTokens() {
    await deployRule(h, HONEST);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await exchange();
      statuses.push(response.status);
      if (response.status !== 200) continue;
      const claims = decodeJwt((await response.json()).access_token);
      expect(claims.scope).toBe("read:things write:things");
      expect(Object.keys(claims).filter((name) => name.startsWith("http"))).toEqual([
        "https://t.example/user",
      ]);
    }
    expect(statuses).toEqual(Array(6).fill(200));
  }

  /** Every log line the server wrote, plus the stored rule logs. */
  async function allLogs(): Promise<string> {
    const stored = await (await h.admin("GET", "/logs?per_page=100")).text();
    return `${h.logLines.join("\n")}\n${stored}`;
  }

  describe("(a) every value handed to a rule belongs to the rule's own realm", () => {
    /**
     * Walks every object reachable from the values a rule can get hold of, and from its
     * global object (through prototypes, `constructor`, own and inherited properties,
     * getters read on the value) and names each one whose prototype chain ends at an
     * Object.prototype other than the rule's own.
     */
    const ENUMERATE = `
    module.exports = async function (user, client, scope, audience, context, cb) {
      var foreign = [];
      var seen = new Set();
      var top = Object.prototype;
      function rootOf(value) { var p = value; while (Object.getPrototypeOf(p) !== null) p = Object.getPrototypeOf(p); return p; }
      function walk(label, value, depth) {
        if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) return;
        seen.add(value);
        var root = rootOf(value);
        // A prototype-free object (Array.prototype[Symbol.unscopables]) says nothing of its realm by itself.
        if (value !== top && root !== top && root !== value) { foreign.push(label); return; }
        if (depth > 4) return;
        walk(label + '.__proto__', Object.getPrototypeOf(value), depth + 1);
        var names = [];
        for (var p = value; p && p !== top; p = Object.getPrototypeOf(p)) names = names.concat(Object.getOwnPropertyNames(p), Object.getOwnPropertySymbols(p));
        names.forEach(function (name) {
          var child;
          try { child = value[name]; } catch (e) { child = e; }
          walk(label + '.' + String(name), child, depth + 1);
        });
      }
      function thrown(f) { try { f(); } catch (e) { return e; } return null; }
      async function rejected(f) { try { await f(); } catch (e) { return e; } return null; }
      function deep(f) { try { return deep(f); } catch (e) { try { f(); } catch (e2) { return e2; } return e; } }
      try {
        var encoded = new TextEncoder().encode('x');
        var values = {
          inputs: [user, client, scope, audience, context],
          encoded: encoded, encodedBuffer: encoded.buffer, encoder: new TextEncoder(), decoder: new TextDecoder(),
          decoded: new TextDecoder().decode(encoded),
          url: new URL('https://a.example/p?q=1'), params: new URLSearchParams('a=1&b=2'),
          globals: [TextEncoder, TextDecoder, URL, URLSearchParams, atob, btoa, structuredClone, crypto, crypto.subtle, console, setTimeout, setInterval, clearTimeout, queueMicrotask],
          cloned: structuredClone({ a: [1], d: new Date(0), m: new Map([[1, 2]]), b: new Uint8Array(2) }),
          random: crypto.getRandomValues(new Uint8Array(4)),
          uuid: crypto.randomUUID(),
          timers: [setTimeout(function () {}, 1), setInterval(function () {}, 1000)],
          digest: await crypto.subtle.digest('SHA-256', new Uint8Array(1)),
          hmac: await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'verify']),
          pair: await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']),
          rsa: await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign']),
          errors: [
            thrown(function () { crypto.getRandomValues({}); }),
            thrown(function () { crypto.getRandomValues(new Uint8Array(70000)); }),
            thrown(function () { new URL('not a url'); }),
            thrown(function () { atob('*'); }),
            thrown(function () { structuredClone(function () {}); }),
            thrown(function () { new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([255])); }),
            thrown(function () { new TextDecoder('no-such-encoding'); }),
            thrown(function () { new URLSearchParams().append(); }),
            deep(function () { crypto.getRandomValues(new Uint8Array(1)); }),
            deep(function () { new URL('https://a.example/'); }),
            deep(function () { new TextEncoder().encode('x'); }),
            await rejected(function () { return crypto.subtle.digest('no-such-hash', new Uint8Array(1)); }),
            await rejected(function () { return crypto.subtle.importKey('raw', {}, 'AES-GCM', false, []); }),
            await rejected(function () { return crypto.subtle.nope(); }),
          ],
        };
        values.signature = await crypto.subtle.sign('HMAC', values.hmac, encoded);
        values.verified = await crypto.subtle.verify('HMAC', values.hmac, values.signature, encoded);
        values.jwk = await crypto.subtle.exportKey('jwk', values.hmac);
        values.raw = await crypto.subtle.exportKey('raw', values.hmac);
        values.imported = await crypto.subtle.importKey('jwk', values.jwk, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
        Object.keys(values).forEach(function (name) { walk(name, values[name], 0); });
        walk('globalThis', globalThis, 0);
        cb(null, { 'https://t.example/foreign': foreign, 'https://t.example/verified': values.verified });
      } catch (error) {
        cb(null, { 'https://t.example/failed': String(error && error.stack || error) });
      }
    };`;

    test("no object reachable from inputs, globals, results or errors comes from the host's realm", async () => {
      const answer = await tryRule(h, ENUMERATE);
      expect(answer.error).toBeUndefined();
      expect(answer.result["https://t.example/failed"]).toBeUndefined();
      expect(answer.result["https://t.example/verified"]).toBe(true);
      expect(answer.result["https://t.example/foreign"]).toEqual([]);
    });

    test("the web globals still behave as the rule contract documents", async () => {
      const answer = await tryRule(
        h,
        `module.exports = async function (user, client, scope, audience, context, cb) {
          var url = new URL('/p/q?b=2&a=1#f', 'https://x.example');
          url.searchParams.append('c', 'd e');
          url.searchParams.sort();
          var digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('abc')));
          var key = await crypto.subtle.importKey('raw', new TextEncoder().encode('k'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
          var mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode('m'));
          var pair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
          var bits = await crypto.subtle.deriveBits({ name: 'ECDH', public: pair.publicKey }, pair.privateKey, 256);
          var cloned = structuredClone({ when: new Date(5), set: new Set([1]), bytes: new Uint8Array([7]) });
          cb(null, { 'https://t.example/r': {
            href: url.href, host: url.host, search: url.search, params: Array.from(new URLSearchParams('a=1&a=2').getAll('a')),
            digest: Array.from(digest.slice(0, 4)), macLength: mac.byteLength, bitsLength: bits.byteLength,
            keyType: key.type, usages: key.usages, algorithm: key.algorithm,
            decoded: new TextDecoder().decode(new TextEncoder().encode('h\\u00e9\\u{1F600}')),
            base64: btoa('hi'), unbase64: atob('aGk='),
            cloned: [cloned.when instanceof Date, cloned.when.getTime(), cloned.set.has(1), cloned.bytes[0], cloned.bytes instanceof Uint8Array],
          } });
        };`,
      );
      expect(answer.error).toBeUndefined();
      expect(answer.result["https://t.example/r"]).toEqual({
        href: "https://x.example/p/q?a=1&b=2&c=d+e#f",
        host: "x.example",
        search: "?a=1&b=2&c=d+e",
        params: ["1", "2"],
        digest: [0xba, 0x78, 0x16, 0xbf],
        macLength: 32,
        bitsLength: 32,
        keyType: "secret",
        usages: ["sign", "verify"],
        algorithm: { name: "HMAC", hash: { name: "SHA-256" }, length: 8 },
        decoded: "h\u00e9\u{1F600}",
        base64: "aGk=",
        unbase64: "hi",
        cloned: [true, 5, true, 7, true],
      });
    });
  });

  describe("(b) a Symbol.species plant cannot write to the host's stdout", () => {
    test("exchanges after the plant carry the honest rule's claims, and no forged line reaches the server", async () => {
      // The plant rewrites what the host writes: before each `done` it slips in a console
      // line of its own for the same call, past every cap the host applies.
      await deployRule(
        h,
        `var Own = Uint8Array;
        function toBytes(s) { var a = new Own(s.length); for (var i = 0; i < s.length; i++) a[i] = s.charCodeAt(i) & 255; return a; }
        function fromBytes(a) { var s = ''; for (var i = 0; i < a.length; i++) s += String.fromCharCode(a[i]); return s; }
        function plant(ctor) {
          try {
            Object.defineProperty(ctor, Symbol.species, { configurable: true, get: function () {
              return function (buffer, offset, length) {
                if (typeof buffer === 'number') return new Own(buffer);
                var original = fromBytes(new Own(buffer, offset, length));
                var call = /"type":"done","callId":(\\d+)/.exec(original);
                if (!call) return new Own(buffer, offset, length);
                return toBytes('{"type":"log","callId":' + call[1] + ',"level":"log","text":"FORGED-BY-THE-PLANT"}\\n' + original);
              };
            } });
          } catch (e) {}
        }
        module.exports = function (user, client, scope, audience, context, cb) {
          var bytes = new TextEncoder().encode('x');
          plant(bytes.constructor);
          plant(Object.getPrototypeOf(bytes.constructor));
          cb(null, { scope: scope });
        };`,
      );
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await exchange()).status);
      expect(statuses).toEqual(Array(4).fill(200));
      expect(await allLogs()).not.toContain("FORGED-BY-THE-PLANT");
      await expectHonestTokens();
      expect(await allLogs()).not.toContain("FORGED-BY-THE-PLANT");
    });
  });

  describe("(c) a Symbol.hasInstance plant never runs in the host after the call", () => {
    test("with the plant on every call, the next exchanges all succeed", async () => {
      // Planted on the host's ArrayBuffer, the hook would run from the host's own check of a
      // crypto.subtle result, after the call, and sleep without CPU past the time limit.
      await deployRule(
        h,
        `module.exports = function (user, client, scope, audience, context, cb) {
          try {
            var Buffer = new TextEncoder().encode('x').buffer.constructor;
            Object.defineProperty(Buffer, Symbol.hasInstance, { configurable: true, value: function () {
              Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${TIMEOUT_MS * 2});
              return false;
            } });
          } catch (e) {}
          crypto.subtle.digest('SHA-256', new Uint8Array(1));
          cb(null, { scope: scope, 'https://t.example/user': user.email });
        };`,
      );
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await exchange()).status);
      expect(statuses).toEqual(Array(6).fill(200));
      await expectHonestTokens();
    });
  });

  describe("(d) a source that closes the wrapper it runs in is refused", () => {
    const ESCAPING = [
      "}); module.exports = function (u, c, scope, a, ctx, cb) { cb(null, { scope: scope }); }; (function () {",
      '}); import("data:text/javascript,1"); (function () {',
      "})(); (function () {",
    ];

    test("at deploy (400) and in try (400), with a message saying why", async () => {
      for (const script of ESCAPING) {
        const deploy = await h.admin("PUT", "/rules/password-exchange", { script });
        expect(deploy.status).toBe(400);
        expect(JSON.stringify(await deploy.json())).toContain("closes the function");
        const tried = await h.admin("POST", "/rules/password-exchange/try", { script });
        expect(tried.status).toBe(400);
        expect(JSON.stringify(await tried.json())).toContain("closes the function");
      }
      await expectHonestTokens();
    });
  });
});
