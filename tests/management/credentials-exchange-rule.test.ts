import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { decodeJwt } from "jose";
import {
  aliceExchange,
  createHarness,
  type Harness,
  type SeededTenant,
  seedTenant,
} from "../support/harness.ts";

let h: Harness;
let seed: SeededTenant;
let m2m: { client_id: string; client_secret: string };
const API = "https://api.example.com";
const RULE = "/rules/credentials-exchange";
const json = async (response: Response | Promise<Response>) => (await response).json();
const exchange = (params: Record<string, string> = {}) =>
  h.token({
    grant_type: "client_credentials",
    client_id: m2m.client_id,
    client_secret: m2m.client_secret,
    audience: API,
    ...params,
  });

beforeAll(async () => {
  h = await createHarness();
  seed = await seedTenant(h);
  m2m = await json(
    h.admin("POST", "/clients", {
      name: "billing",
      grant_types: ["client_credentials"],
      client_metadata: { tier: "gold" },
    }),
  );
  await h.admin("POST", "/client-grants", {
    client_id: m2m.client_id,
    audience: API,
    scope: ["read:things", "write:things"],
  });
});
afterAll(() => h.close());

test("with no rule deployed the routes answer 404 and exchanges pass unchanged", async () => {
  const missing = await h.admin("GET", RULE);
  expect(missing.status).toBe(404);
  expect((await json(exchange())).scope).toBe("read:things write:things");
});

test("the rules/ example adds namespaced claims and narrows the scope, with its secret", async () => {
  const script = readFileSync("rules/credentials-exchange.js", "utf8");
  const deployed = await h.admin("PUT", RULE, { script });
  expect(deployed.status).toBe(200);
  expect(await deployed.json()).toMatchObject({ id: "credentials-exchange", enabled: true });
  await h.admin("PUT", `${RULE}/secrets`, { READ_ONLY_TIERS: "gold,silver" });
  expect(await json(h.admin("GET", `${RULE}/secrets`))).toEqual({ names: ["READ_ONLY_TIERS"] });

  const body = await json(exchange());
  expect(body.scope).toBe("read:things");
  const claims = decodeJwt(body.access_token);
  expect(claims).toMatchObject({
    "https://example.com/tier": "gold",
    "https://example.com/client_name": "billing",
    scope: "read:things",
    gty: "client-credentials",
    sub: `${m2m.client_id}@clients`,
  });
});

test("the password-exchange rule keeps running beside it, each on its own hosts", async () => {
  await h.admin("PUT", "/rules/password-exchange", {
    script: `module.exports = function (user, client, scope, audience, context, cb) {
      cb(null, { scope, "https://example.com/from": "password-exchange" });
    };`,
  });
  for (let round = 0; round < 3; round++) {
    const password = await json(aliceExchange(h, seed));
    expect(decodeJwt(password.access_token)["https://example.com/from"]).toBe("password-exchange");
    const credentials = await json(exchange());
    expect(decodeJwt(credentials.access_token)["https://example.com/tier"]).toBe("gold");
  }
});

test("a rule that denies (UnauthorizedError or any error) is access_denied; registered claims are dropped", async () => {
  await h.admin("PUT", RULE, {
    script: `module.exports = function (client, scope, audience, context, cb) {
      if (context.request.scope === "write:things") return cb(new UnauthorizedError("writes are closed"));
      cb(null, { sub: "someone-else", "https://example.com/ok": true });
    };`,
  });
  const denied = await exchange({ scope: "write:things" });
  expect(denied.status).toBe(403);
  expect(await denied.json()).toEqual({ error: "access_denied", error_description: "writes are closed" });
  const allowed = await json(exchange({ scope: "read:things" }));
  const claims = decodeJwt(allowed.access_token);
  expect(claims.sub).toBe(`${m2m.client_id}@clients`);
  expect(claims["https://example.com/ok"]).toBe(true);
  const logs = (await json(h.admin("GET", "/logs?per_page=100"))) as Array<Record<string, unknown>>;
  expect(logs.find((log) => log.type === "feccft")).toMatchObject({
    description: "writes are closed",
    client_id: m2m.client_id,
  });
  expect(logs.find((log) => log.type === "rule_warning")).toMatchObject({ client_id: m2m.client_id });
});

test("a disabled rule is skipped; DELETE removes it", async () => {
  const current = await json(h.admin("GET", RULE));
  await h.admin("PUT", RULE, { script: current.script, enabled: false });
  expect((await exchange({ scope: "write:things" })).status).toBe(200);
  expect((await h.admin("DELETE", RULE)).status).toBe(204);
  expect((await h.admin("DELETE", RULE)).status).toBe(404);
});

test("try runs a script on a sample client input without deploying it", async () => {
  const tried = await h.admin("POST", `${RULE}/try`, {
    script: `module.exports = function (client, scope, audience, context, cb) {
      console.log("client", client.id, "audience", audience);
      cb(null, { scope: ["read:sample"], "https://example.com/secret_names": Object.keys(context.webtask.secrets) });
    };`,
    audience: API,
    client: { id: "cli_try" },
  });
  expect(tried.status).toBe(200);
  const body = await tried.json();
  expect(body).toMatchObject({
    scope: ["read:sample"],
    access_token_claims: { "https://example.com/secret_names": ["READ_ONLY_TIERS"] },
    warnings: [],
    logs: [{ level: "log", text: `client cli_try audience ${API}` }],
  });
  expect(body.id_token_claims).toBeUndefined();
  const withUser = await h.admin("POST", `${RULE}/try`, { script: "module.exports = () => {}", user: {} });
  expect(withUser.status).toBe(400);
  expect((await h.admin("GET", RULE)).status).toBe(404);
});

test("a script that does not compile is refused at deploy", async () => {
  const refused = await h.admin("PUT", RULE, { script: "module.exports = function (" });
  expect(refused.status).toBe(400);
  expect((await refused.json()).errorCode).toBe("invalid_rule");
});
