import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { decodeJwt } from "jose";
import type { RuleInput } from "../../src/rules/contract.ts";
import { createHarness, type Harness, seedTenant } from "../support/harness.ts";
import { deployRule, storeRuleUnchecked } from "../support/rules.ts";

let h: Harness;
let seed: Awaited<ReturnType<typeof seedTenant>>;

beforeAll(async () => {
  h = await createHarness({ RULE_TIMEOUT_MS: "1500" });
  seed = await seedTenant(h);
});
afterAll(() => h.close());

const exchange = (extra: Record<string, string> = {}) =>
  h.token(
    {
      grant_type: "password",
      username: "alice@example.com",
      password: "correct horse battery",
      audience: "https://api.example.com",
      scope: "read:things",
      client_id: seed.postClient.client_id,
      client_secret: seed.postClient.client_secret,
      ...extra,
    },
    { headers: { "user-agent": "contract-test/1.0" } },
  );

async function claimsAfter(script: string, extra?: Record<string, string>) {
  await deployRule(h, script);
  const response = await exchange(extra);
  const body = await response.json();
  expect(response.status).toBe(200);
  return { body, claims: decodeJwt(body.access_token) };
}

async function errorAfter(script: string, { unchecked = false } = {}) {
  if (unchecked) await storeRuleUnchecked(h, script);
  else await deployRule(h, script);
  const response = await exchange();
  const body = await response.json();
  expect(Object.keys(body).sort()).toEqual(["error", "error_description"]);
  expect(response.headers.get("cache-control")).toBe("no-store");
  return { status: response.status, ...body };
}

describe("the seed's sample rule", () => {
  test("adds the extra scope and the namespaced claim", async () => {
    const { body, claims } = await claimsAfter(readFileSync("rules/password-exchange.js", "utf8"));
    expect(body.scope).toBe("read:things extra");
    expect(claims.scope).toBe("read:things extra");
    expect(claims["https://foo.com/claim"]).toBe("bar");
  });
});

describe("inputs", () => {
  test("user, client, scope, audience and context, without password or client secret", async () => {
    await h.admin("PUT", "/rules/password-exchange/secrets", { API_KEY: "s3cr3t-value" });
    await h.admin("PATCH", `/clients/${seed.postClient.client_id}`, { client_metadata: { tier: "gold" } });
    const { claims } = await claimsAfter(`
      module.exports = function (user, client, scope, audience, context, cb) {
        cb(null, { scope: scope, 'https://t.example/in': { user: user, client: client, scope: scope, audience: audience, context: context } });
      };`);
    // The rule echoed its inputs into a claim: they arrive as the contract types them.
    const input = claims["https://t.example/in"] as RuleInput;
    expect(input.user).toEqual({
      tenant: "default",
      id: seed.alice.user_id,
      displayName: "Alice",
      email: "alice@example.com",
      user_metadata: {},
      app_metadata: { roles: ["admin"] },
    });
    expect(input.client).toEqual({
      tenant: "default",
      id: seed.postClient.client_id,
      name: "post client",
      metadata: { tier: "gold" },
    });
    expect(input.scope).toEqual(["read:things"]);
    expect(input.audience).toBe("https://api.example.com");
    expect(input.context.userAgent).toBe("contract-test/1.0");
    expect(typeof input.context.ip).toBe("string");
    expect(input.context.webtask).toEqual({ secrets: { API_KEY: "s3cr3t-value" } });
    expect(input.context.request).toEqual({
      grant_type: "password",
      username: "alice@example.com",
      audience: "https://api.example.com",
      scope: "read:things",
      client_id: seed.postClient.client_id,
    });
  });
});

describe("outputs", () => {
  test("an async rule may return its result", async () => {
    const { claims } = await claimsAfter(`
      module.exports = async function (user, client, scope) {
        await new Promise(function (resolve) { setTimeout(resolve, 5); });
        return { scope: scope.concat(['extra']), 'https://t.example/async': true };
      };`);
    expect(claims.scope).toBe("read:things extra");
    expect(claims["https://t.example/async"]).toBe(true);
  });

  test("the nested shape sets access token claims from accessToken", async () => {
    const { claims } = await claimsAfter(`
      module.exports = function (user, client, scope, audience, context, cb) {
        cb(null, { accessToken: { scope: ['read:things'], 'https://t.example/a': 1 }, idToken: { 'https://t.example/i': 2 } });
      };`);
    expect(claims["https://t.example/a"]).toBe(1);
    expect(claims["https://t.example/i"]).toBeUndefined();
    expect(claims.scope).toBe("read:things");
  });

  test("a result without scope gives an empty scope", async () => {
    const { body, claims } = await claimsAfter(`
      module.exports = function (user, client, scope, audience, context, cb) { cb(null, { 'https://t.example/x': 'y' }); };`);
    expect(body.scope).toBe("");
    expect(claims.scope).toBe("");
  });

  test("only URL-named claims pass; registered claims cannot be overwritten; drops are logged", async () => {
    const { claims } = await claimsAfter(`
      module.exports = function (user, client, scope, audience, context, cb) {
        cb(null, { scope: scope, iss: 'evil', sub: 'someone-else', exp: 9999999999, gty: 'x', plain: 1,
                   'urn:not:http': 2, 'https://ok.example/c': 3, 'http://ok.example/d': 4 });
      };`);
    expect(claims.iss).toBe("http://localhost/");
    expect(claims.sub).toBe(seed.alice.user_id);
    expect(claims.gty).toBe("password");
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(claims.plain).toBeUndefined();
    expect(claims["urn:not:http"]).toBeUndefined();
    expect(claims["https://ok.example/c"]).toBe(3);
    expect(claims["http://ok.example/d"]).toBe(4);
    const warnings = h.logLines.filter((line) => line.includes('"event":"rule_warning"')).join("\n");
    for (const name of ["iss", "sub", "exp", "gty", "plain", "urn:not:http"])
      expect(warnings).toContain(`\\"${name}\\"`);
  });

  test("the rule's scope replaces the granted one, including scopes the API does not define", async () => {
    const { claims } = await claimsAfter(`
      module.exports = function (user, client, scope, audience, context, cb) { cb(null, { scope: ['write:things', 'custom'] }); };`);
    expect(claims.scope).toBe("write:things custom");
  });

  test("a second cb is ignored", async () => {
    const { claims } = await claimsAfter(`
      module.exports = function (user, client, scope, audience, context, cb) {
        cb(null, { scope: ['first'] });
        cb(new Error('second'));
        cb(null, { scope: ['third'] });
      };`);
    expect(claims.scope).toBe("first");
  });

  test("timers, crypto and the web globals work", async () => {
    const { claims } = await claimsAfter(`
      module.exports = function (user, client, scope, audience, context, cb) {
        var ticks = 0;
        var interval = setInterval(function () { ticks++; }, 1);
        setTimeout(async function () {
          clearInterval(interval);
          var digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode('abc'));
          var bytes = new Uint8Array(digest);
          cb(null, { scope: scope, 'https://t.example/env': {
            ticked: ticks > 0,
            digestLength: bytes.length,
            firstByte: bytes[0],
            uuid: /^[0-9a-f-]{36}$/.test(crypto.randomUUID()),
            random: crypto.getRandomValues(new Uint8Array(4)).length,
            url: new URL('/p?q=1', 'https://x.example').searchParams.get('q'),
            b64: btoa('hi'),
            clone: structuredClone({ a: [1] }).a[0],
            micro: typeof queueMicrotask,
            errors: [typeof InvalidScopeError, typeof InvalidRequestError, typeof ServerError]
          } });
        }, 20);
      };`);
    expect(claims["https://t.example/env"]).toEqual({
      ticked: true,
      digestLength: 32,
      firstByte: 0xba,
      uuid: true,
      random: 4,
      url: "1",
      b64: "aGk=",
      clone: 1,
      micro: "function",
      errors: ["function", "function", "function"],
    });
  });

  test("console output reaches the log with the request id", async () => {
    await deployRule(
      h,
      `module.exports = function (user, client, scope, audience, context, cb) {
        console.log('hello from', user.email, { n: 1 });
        console.warn('careful');
        cb(null, { scope: scope });
      };`,
    );
    const response = await exchange();
    expect(response.status).toBe(200);
    const requestId = response.headers.get("x-request-id");
    const lines = h.logLines.filter(
      (line) => line.includes('"event":"rule_console"') && line.includes(requestId!),
    );
    expect(lines.length).toBe(2);
    expect(lines[0]).toContain('hello from alice@example.com {\\"n\\":1}');
    expect(lines[1]).toContain('"level":"warn"');
  });
});

describe("rule errors map onto RFC 6749 §5.2 error responses", () => {
  test("cb(err), a throw and a rejection deny with 403 access_denied and the message", async () => {
    for (const body of [
      "cb(new Error('not today'));",
      "throw new Error('not today');",
      "return Promise.reject(new Error('not today'));",
    ]) {
      const answer = await errorAfter(
        `module.exports = function (user, client, scope, audience, context, cb) { ${body} };`,
      );
      expect(answer).toEqual({ status: 403, error: "access_denied", error_description: "not today" });
    }
    const asyncThrow = await errorAfter(
      "module.exports = async function () { await null; throw new Error('async no'); };",
    );
    expect(asyncThrow).toEqual({ status: 403, error: "access_denied", error_description: "async no" });
  });

  test("InvalidScopeError, InvalidRequestError and ServerError map to 400, 400 and 500", async () => {
    expect(
      await errorAfter(
        "module.exports = function (u, c, s, a, ctx, cb) { cb(new InvalidScopeError('bad scope')); };",
      ),
    ).toEqual({ status: 400, error: "invalid_scope", error_description: "bad scope" });
    expect(
      await errorAfter("module.exports = function () { throw new InvalidRequestError('need more'); };"),
    ).toEqual({ status: 400, error: "invalid_request", error_description: "need more" });
    expect(
      await errorAfter("module.exports = async function () { throw new ServerError('db down'); };"),
    ).toEqual({
      status: 500,
      error: "server_error",
      error_description: "db down",
    });
  });

  const generic = {
    status: 500,
    error: "server_error",
    error_description: "The password-exchange rule failed.",
  };

  test("garbage results are a generic 500", async () => {
    for (const result of ["42", "'text'", "[1, 2]", "null", "{ scope: 'not-an-array' }", "{ scope: [1] }"]) {
      expect(
        await errorAfter(`module.exports = function (u, c, s, a, ctx, cb) { cb(null, ${result}); };`),
      ).toEqual(generic);
    }
  });

  test("a non-serialisable or huge result is a generic 500", async () => {
    expect(
      await errorAfter(
        "module.exports = function (u, c, s, a, ctx, cb) { cb(null, { 'https://x.example/n': 1n }); };",
      ),
    ).toEqual(generic);
    expect(
      await errorAfter(
        "module.exports = function (u, c, s, a, ctx, cb) { var o = {}; o.self = o; cb(null, { 'https://x.example/c': o }); };",
      ),
    ).toEqual(generic);
    expect(
      await errorAfter(
        "module.exports = function (u, c, s, a, ctx, cb) { cb(null, { 'https://x.example/big': 'x'.repeat(200000) }); };",
      ),
    ).toEqual(generic);
  });

  test("a rule that does not compile or exports no function is a generic 500 at run time", async () => {
    expect(await errorAfter("module.exports = function ( {", { unchecked: true })).toEqual(generic);
    expect(await errorAfter("module.exports = 42;", { unchecked: true })).toEqual(generic);
    expect(await errorAfter("throw new Error('top level');", { unchecked: true })).toEqual(generic);
    const detail = h.logLines.filter((line) => line.includes("does not compile")).join("\n");
    expect(detail).toContain("top level");
  });

  test("the rule still runs normally after every failure", async () => {
    const { claims } = await claimsAfter(readFileSync("rules/password-exchange.js", "utf8"));
    expect(claims["https://foo.com/claim"]).toBe("bar");
  });

  test("a disabled rule is skipped", async () => {
    await h.admin("PUT", "/rules/password-exchange", {
      script: "module.exports = function (u, c, s, a, ctx, cb) { cb(new Error('should not run')); };",
      enabled: false,
    });
    const response = await exchange();
    expect(response.status).toBe(200);
    expect((await response.json()).scope).toBe("read:things");
  });
});
