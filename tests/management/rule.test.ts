import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createHarness, type Harness } from "../support/harness.ts";
import { tryRule } from "../support/rules.ts";

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ RULE_TIMEOUT_MS: "1000" });
});
afterAll(() => h.close());

const sample = readFileSync("rules/password-exchange.js", "utf8");

describe("/api/v2/rules/password-exchange", () => {
  test("GET before any rule → 404; PUT deploys; GET shows it; DELETE removes it", async () => {
    expect((await h.admin("GET", "/rules/password-exchange")).status).toBe(404);
    const put = await h.admin("PUT", "/rules/password-exchange", { script: sample });
    expect(put.status).toBe(200);
    const rule = await put.json();
    expect(rule).toMatchObject({ id: "password-exchange", script: sample, enabled: true });
    expect(await (await h.admin("GET", "/rules/password-exchange")).json()).toEqual(rule);
    expect((await h.admin("DELETE", "/rules/password-exchange")).status).toBe(204);
    expect((await h.admin("GET", "/rules/password-exchange")).status).toBe(404);
    expect((await h.admin("DELETE", "/rules/password-exchange")).status).toBe(404);
  });

  test("a syntax error is refused with its line and column", async () => {
    const response = await h.admin("PUT", "/rules/password-exchange", {
      script: "module.exports = function (user, client, scope, audience, context, cb) {\n  var x = ;\n};",
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.message).toMatch(/line 2, column \d+/);
    expect((await h.admin("GET", "/rules/password-exchange")).status).toBe(404);
  });

  test("a script that exports no function or throws at top level is refused", async () => {
    for (const script of ["module.exports = { not: 'a function' };", "throw new Error('boom at load');"]) {
      const response = await h.admin("PUT", "/rules/password-exchange", { script });
      expect(response.status).toBe(400);
    }
  });

  test("an empty script is a 400; one over 256 KiB is a 413", async () => {
    expect((await h.admin("PUT", "/rules/password-exchange", { script: "" })).status).toBe(400);
    const big = `module.exports = function () {}; // ${"x".repeat(300 * 1024)}`;
    const tooBig = await h.admin("PUT", "/rules/password-exchange", { script: big });
    expect(tooBig.status).toBe(413);
    expect((await tooBig.json()).message).toBe("The rule script is larger than 262144 bytes.");
    expect((await h.admin("POST", "/rules/password-exchange/try", { script: big })).status).toBe(413);
  });
});

describe("/api/v2/rules/password-exchange/secrets", () => {
  test("PUT replaces, PATCH merges (null removes), GET lists names only; values never leave", async () => {
    const put = await h.admin("PUT", "/rules/password-exchange/secrets", {
      API_KEY: "value-one",
      OTHER: "value-two",
    });
    expect(await put.json()).toEqual({ names: ["API_KEY", "OTHER"] });
    const patch = await h.admin("PATCH", "/rules/password-exchange/secrets", {
      OTHER: null,
      THIRD: "value-three",
    });
    expect(await patch.json()).toEqual({ names: ["API_KEY", "THIRD"] });
    const get = await h.admin("GET", "/rules/password-exchange/secrets");
    expect(await get.json()).toEqual({ names: ["API_KEY", "THIRD"] });
    const replaced = await h.admin("PUT", "/rules/password-exchange/secrets", { ONLY: "value-four" });
    expect(await replaced.json()).toEqual({ names: ["ONLY"] });

    const answer = await tryRule(
      h,
      "module.exports = async function (u, c, scope, a, context) { return { scope: Object.keys(context.webtask.secrets).concat([context.webtask.secrets.ONLY]) }; };",
    );
    expect(answer.result.scope).toEqual(["ONLY", "value-four"]);
    const logged = h.logLines.join("\n");
    for (const value of ["value-one", "value-two", "value-three", "value-four"])
      expect(logged).not.toContain(value);
  });

  test("bad names or values are a 400", async () => {
    expect((await h.admin("PUT", "/rules/password-exchange/secrets", { "bad name": "x" })).status).toBe(400);
    expect((await h.admin("PUT", "/rules/password-exchange/secrets", { OK: 5 })).status).toBe(400);
    expect((await h.admin("PUT", "/rules/password-exchange/secrets", ["A"])).status).toBe(400);
  });
});

describe("POST /api/v2/rules/password-exchange/try", () => {
  test("runs a script on a sample input and returns claims, logs and duration", async () => {
    const answer = await tryRule(
      h,
      "module.exports = function (user, client, scope, audience, context, cb) { console.log('trying', user.email); cb(null, { scope: scope.concat(['extra']), 'https://t.example/c': 1, bad: 2 }); };",
      { user: { email: "someone@example.org" } },
    );
    expect(answer.scope).toEqual(["read:sample", "extra"]);
    expect(answer.access_token_claims).toEqual({ "https://t.example/c": 1 });
    expect(answer.warnings).toEqual([
      'dropped claim "bad" from the access token: claim names must be http or https URLs',
    ]);
    expect(answer.logs).toEqual([{ level: "log", text: "trying someone@example.org" }]);
    expect(typeof answer.duration_ms).toBe("number");
  });

  test("returns the error a token request would get, with the detail", async () => {
    const denied = await tryRule(
      h,
      "module.exports = function (u, c, s, a, ctx, cb) { cb(new Error('nope')); };",
    );
    expect(denied.error).toMatchObject({ error: "access_denied", error_description: "nope" });
    const stuck = await tryRule(h, "module.exports = function () { while (true) {} };");
    expect(stuck.error).toMatchObject({
      error: "server_error",
      detail: "the rule did not finish within 1000 ms",
    });
  });

  test("uses the deployed rule when no script is given", async () => {
    await h.admin("PUT", "/rules/password-exchange", { script: sample });
    const response = await h.admin("POST", "/rules/password-exchange/try", {});
    const answer = await response.json();
    expect(answer.scope).toEqual(["read:sample", "extra"]);
    expect(answer.access_token_claims).toEqual({ "https://foo.com/claim": "bar" });
  });
});
