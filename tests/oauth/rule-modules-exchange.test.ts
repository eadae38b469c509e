/**
 * `require` and outbound HTTP in every kind of extension code, through real exchanges: the
 * password-exchange hook, an Auth0 rule and an Auth0 action, each deployed through the
 * Management API (which checks their modules), each using Node's built-ins and real
 * packages from a RULE_MODULES_DIR npm installed, and calling a local service on the one
 * allowed host:port. `try` and an action's test run with the same folder and list.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeJwt } from "jose";
import { aliceExchange, createHarness, type Harness, seedTenant } from "../support/harness.ts";
import { openedRuleAccess } from "../support/rule-modules.ts";

let h: Harness;
let seed: Awaited<ReturnType<typeof seedTenant>>;
let access: Awaited<ReturnType<typeof openedRuleAccess>>;
let port: number;

beforeAll(async () => {
  access = await openedRuleAccess();
  port = access.port;
  h = await createHarness({ ...access.env, RULE_WORKERS: "1", RULE_TIMEOUT_MS: "5000" });
  seed = await seedTenant(h);
});
afterAll(async () => {
  await h.close();
  await access.close();
});

const json = async (response: Response | Promise<Response>) => {
  const answer = await response;
  const text = await answer.text();
  return { status: answer.status, body: text ? JSON.parse(text) : undefined };
};

async function exchangeClaims(): Promise<Record<string, unknown>> {
  const { status, body } = await json(aliceExchange(h, seed, { scope: "read:things" }));
  expect({ status, error: body.error_description }).toEqual({ status: 200, error: undefined });
  return decodeJwt(body.access_token);
}

/**
 * An expression that uses each of Node's built-ins a rule may require without a capability,
 * half by bare name and half by `node:` name, and answers what they computed.
 */
const BUILTINS = `({
  crypto: require('crypto').createHmac('sha256', 'key').update('data').digest('hex').slice(0, 16),
  url: require('node:url').parse('https://a.example/p?q=1').query,
  querystring: require('querystring').stringify({ a: 'b c' }),
  util: require('node:util').format('%s=%d', 'n', 5),
  buffer: require('buffer').Buffer.from('hi').toString('base64'),
  events: (() => { const e = new (require('node:events'))(); let got; e.on('x', (v) => { got = v; }); e.emit('x', 7); return got; })(),
  assert: (() => { try { require('assert').strictEqual(1, 2); return 'passed'; } catch (error) { return error.code; } })(),
  string_decoder: new (require('node:string_decoder').StringDecoder)('utf8').write(Buffer.from([0xc3, 0xa9])),
  path: require('path').join('/a', '../b', 'c'),
  punycode: require('node:punycode').toASCII('bücher.example'),
})`;

const BUILTINS_RESULT = {
  crypto: "5031fe3d989c6d15",
  url: "q=1",
  querystring: "a=b%20c",
  util: "n=5",
  buffer: "aGk=",
  events: 7,
  assert: "ERR_ASSERTION",
  string_decoder: "é",
  path: "/b/c",
  punycode: "xn--bcher-kva.example",
};

describe("the password-exchange hook", () => {
  /** Built when called: the service's port is known once the suite has started. */
  const script = () => `const _ = require('lodash@4.17.21');
module.exports = async function (user, client, scope, audience, context) {
  const service = await (await fetch('http://127.0.0.1:${port}/plans?user=' + encodeURIComponent(user.id))).json();
  return { scope, accessToken: { 'https://x/builtins': ${BUILTINS}, 'https://x/plan': service.plan, 'https://x/tags': _.uniq(['a', 'a', 'b']) } };
};`;

  test("deployed with its modules checked, it uses built-ins, lodash and the service", async () => {
    const deployed = await json(h.admin("PUT", "/rules/password-exchange", { script: script() }));
    expect(deployed.status).toBe(200);
    const claims = await exchangeClaims();
    expect(claims["https://x/builtins"]).toEqual(BUILTINS_RESULT);
    expect(claims).toMatchObject({ "https://x/plan": "gold", "https://x/tags": ["a", "b"] });
  });

  test("try runs with the same folder and allowed hosts", async () => {
    const tried = await json(h.admin("POST", "/rules/password-exchange/try", { script: script() }));
    expect(tried.status).toBe(200);
    expect(tried.body.access_token_claims).toMatchObject({ "https://x/plan": "gold" });
  });

  test("a version the folder does not satisfy, or a module it does not have, is a 400 naming it", async () => {
    for (const [wanted, message] of [
      ["lodash@4.17.19", "'lodash@4.17.19' needs lodash 4.17.19, but RULE_MODULES_DIR has lodash 4.17.21"],
      ["left-pad", "Cannot find module 'left-pad' in RULE_MODULES_DIR."],
    ]) {
      const refused = await json(
        h.admin("PUT", "/rules/password-exchange", { script: script().replace("lodash@4.17.21", wanted!) }),
      );
      expect(refused.status).toBe(400);
      expect(refused.body.message).toContain(message!);
    }
    await h.admin("DELETE", "/rules/password-exchange");
  });
});

describe("an Auth0 rule", () => {
  test("uses built-ins, uuid and request against the service, and a missing module is a 400", async () => {
    const created = await json(
      h.admin("POST", "/rules", {
        name: "enrich",
        order: 1,
        script: `function (user, context, callback) {
  const request = require('request@2.88.2');
  const { v4: uuid } = require('uuid');
  request.get({ url: 'http://127.0.0.1:${port}/crm', json: true }, function (error, response, body) {
    if (error) return callback(error);
    context.accessToken['https://x/builtins'] = ${BUILTINS};
    context.accessToken['https://x/crm'] = body.plan;
    context.accessToken['https://x/uuid'] = uuid().length;
    callback(null, user, context);
  });
}`,
      }),
    );
    expect(created.status).toBe(201);
    const claims = await exchangeClaims();
    expect(claims["https://x/builtins"]).toEqual(BUILTINS_RESULT);
    expect(claims).toMatchObject({ "https://x/crm": "gold", "https://x/uuid": 36 });
    const missing = await json(
      h.admin("POST", "/rules", {
        name: "missing",
        order: 2,
        script: "function (user, context, callback) { require('left-pad'); callback(null, user, context); }",
      }),
    );
    expect(missing).toEqual({
      status: 400,
      body: expect.objectContaining({
        message: "The rule does not load: Cannot find module 'left-pad' in RULE_MODULES_DIR.",
      }),
    });
    await h.admin("DELETE", `/rules/${created.body.id}`);
  });
});

describe("an Auth0 action", () => {
  test("declares its dependencies, uses built-ins, jsonwebtoken and axios, and its test runs the same", async () => {
    const created = await json(
      h.admin("POST", "/actions/actions", {
        name: "sign-and-call",
        supported_triggers: [{ id: "post-login", version: "v3" }],
        dependencies: [
          { name: "jsonwebtoken", version: "9.0.3" },
          { name: "axios", version: "latest" },
        ],
        code: `const jwt = require('jsonwebtoken');
const axios = require('axios');
exports.onExecutePostLogin = async (event, api) => {
  const { data } = await axios.get('http://127.0.0.1:${port}/risk', { params: { user: event.user.user_id } });
  const token = jwt.sign({ sub: event.user.user_id }, 'shared-secret', { algorithm: 'HS256', noTimestamp: true });
  api.accessToken.setCustomClaim('https://x/builtins', ${BUILTINS});
  api.accessToken.setCustomClaim('https://x/risk', data.plan);
  api.accessToken.setCustomClaim('https://x/signed', jwt.verify(token, 'shared-secret').sub === event.user.user_id);
};`,
        deploy: true,
      }),
    );
    expect(created.status).toBe(201);
    const bound = await json(
      h.admin("PATCH", "/actions/triggers/post-login/bindings", {
        bindings: [{ ref: { type: "action_id", value: created.body.id }, display_name: "sign-and-call" }],
      }),
    );
    expect(bound.status).toBe(200);
    const claims = await exchangeClaims();
    expect(claims["https://x/builtins"]).toEqual(BUILTINS_RESULT);
    expect(claims).toMatchObject({ "https://x/risk": "gold", "https://x/signed": true });

    const tested = await json(h.admin("POST", `/actions/actions/${created.body.id}/test`, { payload: {} }));
    expect(tested.status).toBe(200);
    expect(JSON.stringify(tested.body)).toContain("https://x/risk");
    await h.admin("PATCH", "/actions/triggers/post-login/bindings", { bindings: [] });
  });
});
