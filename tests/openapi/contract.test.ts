import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { LogEntry } from "../../src/logs/log-view.ts";
import type { Client } from "../../src/management/clients.ts";
import type { ResourceServer } from "../../src/management/resource-servers.ts";
import type { UserBlocks } from "../../src/management/user-blocks.ts";
import type { User } from "../../src/management/users.ts";
import type { OAuthError } from "../../src/oauth/errors.ts";
import type { TokenResponse } from "../../src/oauth/mint-tokens.ts";
import { expectDocumented } from "../support/contract.ts";
import {
  ADMIN_KEY,
  aliceExchangeParams,
  createHarness,
  type Harness,
  seedTenant,
} from "../support/harness.ts";

let h: Harness;
let seed: Awaited<ReturnType<typeof seedTenant>>;
beforeAll(async () => {
  h = await createHarness({ RULE_TIMEOUT_MS: "1000" });
  seed = await seedTenant(h);
});
afterAll(() => h.close());

/** RFC 6749 §5.2's error body. */
type ErrorBody = ReturnType<OAuthError["toBody"]>;
/** What `try` answers: the rule's outcome, or its error as the token endpoint would give it. */
type TryAnswer = { scope?: string[]; error?: ErrorBody };

/**
 * Sends a request and checks the answer against openapi.yaml; returns status and body,
 * typed as `Body` (which the schema check has just vouched for).
 */
async function call<Body = unknown>(
  method: string,
  path: string,
  init: { body?: string; headers?: Record<string, string> } = {},
) {
  const response = await h.request(path, { method, ...init });
  const status = response.status;
  const body = await expectDocumented(method, path, response);
  return { status, body: body as Body };
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});
const admin = (body?: unknown) =>
  body === undefined
    ? { headers: { authorization: `Bearer ${ADMIN_KEY}` } }
    : json(body, { authorization: `Bearer ${ADMIN_KEY}` });

const password = () => aliceExchangeParams(seed);

describe("POST /oauth/token answers as documented", () => {
  test("success, JSON, form and Basic", async () => {
    expect((await call("POST", "/oauth/token", json(password()))).status).toBe(200);
    const form = {
      body: new URLSearchParams(password()).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    };
    expect((await call("POST", "/oauth/token", form)).status).toBe(200);
    const { client_id, client_secret, ...rest } = password();
    const basic = `Basic ${btoa(`${seed.basicClient.client_id}:${seed.basicClient.client_secret}`)}`;
    expect((await call("POST", "/oauth/token", json(rest, { authorization: basic }))).status).toBe(200);
    expect(client_id && client_secret).toBeTruthy();
  });

  test("every error row", async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ ...password(), grant_type: "magic" }, 400, "unsupported_grant_type"],
      [{ ...password(), username: undefined }, 400, "invalid_request"],
      [{ ...password(), password: "wrong" }, 400, "invalid_grant"],
      [{ ...password(), username: "bob@example.com", password: "bob's password" }, 400, "invalid_grant"],
      [
        {
          ...password(),
          client_id: seed.refreshOnlyClient.client_id,
          client_secret: seed.refreshOnlyClient.client_secret,
        },
        400,
        "unauthorized_client",
      ],
      [{ ...password(), client_secret: "wrong" }, 401, "invalid_client"],
      [{ ...password(), audience: "urn:unknown" }, 403, "access_denied"],
      [{ ...password(), scope: "bad\\scope" }, 400, "invalid_scope"],
      [{ ...password(), padding: "x".repeat(70_000) }, 413, "invalid_request"],
    ];
    for (const [body, status, error] of cases) {
      const answer = await call<ErrorBody>("POST", "/oauth/token", json(body));
      expect([answer.status, answer.body.error]).toEqual([status, error]);
    }
    const malformed = await call("POST", "/oauth/token", {
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    const basic = await call(
      "POST",
      "/oauth/token",
      json(password(), { authorization: `Basic ${btoa(`${seed.basicClient.client_id}:nope`)}` }),
    );
    expect(basic.status).toBe(400); // Basic plus a body secret: invalid_request (RFC 6749 §2.3)
  });

  test("the rule's errors", async () => {
    const rules: Array<[string, number, string]> = [
      ["cb(new Error('denied by rule'))", 403, "access_denied"],
      ["cb(new InvalidScopeError('no'))", 400, "invalid_scope"],
      ["cb(new InvalidRequestError('no'))", 400, "invalid_request"],
      ["cb(new ServerError('down'))", 500, "server_error"],
      ["cb(null, 42)", 500, "server_error"],
    ];
    for (const [body, status, error] of rules) {
      const script = `module.exports = function (user, client, scope, audience, context, cb) { ${body}; };`;
      expect((await call("PUT", "/api/v2/rules/password-exchange", admin({ script }))).status).toBe(200);
      const answer = await call<ErrorBody>("POST", "/oauth/token", json(password()));
      expect([answer.status, answer.body.error]).toEqual([status, error]);
    }
    expect((await call("DELETE", "/api/v2/rules/password-exchange", admin())).status).toBe(204);
  });
});

test("refresh, revoke, userinfo and a user's refresh tokens answer as documented", async () => {
  const login = await call<TokenResponse>(
    "POST",
    "/oauth/token",
    json({ ...password(), scope: "openid profile email offline_access read:things" }),
  );
  expect(login.body.refresh_token).toBeDefined();
  const refreshed = await call(
    "POST",
    "/oauth/token",
    json({
      grant_type: "refresh_token",
      refresh_token: login.body.refresh_token,
      client_id: seed.postClient.client_id,
      client_secret: seed.postClient.client_secret,
    }),
  );
  expect(refreshed.status).toBe(200);
  const reused = await call<ErrorBody>(
    "POST",
    "/oauth/token",
    json({
      grant_type: "refresh_token",
      refresh_token: login.body.refresh_token,
      client_id: seed.postClient.client_id,
      client_secret: seed.postClient.client_secret,
    }),
  );
  expect([reused.status, reused.body.error]).toEqual([400, "invalid_grant"]);
  const widened = await call(
    "POST",
    "/oauth/token",
    json({
      grant_type: "refresh_token",
      refresh_token: "rt_x",
      scope: "a b",
      client_id: seed.postClient.client_id,
      client_secret: seed.postClient.client_secret,
    }),
  );
  expect(widened.status).toBe(400);

  const bearer = { headers: { authorization: `Bearer ${login.body.access_token}` } };
  expect((await call("GET", "/userinfo", bearer)).status).toBe(200);
  expect((await call("POST", "/userinfo", bearer)).status).toBe(200);
  expect((await call("GET", "/userinfo")).status).toBe(401);
  expect((await call("GET", "/userinfo", { headers: { authorization: "Bearer x.y.z" } })).status).toBe(401);
  expect((await call("GET", "/userinfo", { headers: { authorization: "Basic abc" } })).status).toBe(400);

  const form = (body: Record<string, string>) => ({
    body: new URLSearchParams(body).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  const credentials = { client_id: seed.postClient.client_id, client_secret: seed.postClient.client_secret };
  expect((await call("POST", "/oauth/revoke", form({ token: "rt_unknown", ...credentials }))).status).toBe(
    200,
  );
  expect((await call("POST", "/oauth/revoke", form({ ...credentials }))).status).toBe(400);
  expect(
    (
      await call(
        "POST",
        "/oauth/revoke",
        form({ token: "x", client_id: credentials.client_id, client_secret: "bad" }),
      )
    ).status,
  ).toBe(401);

  const userId = seed.alice.user_id;
  const families = await call("GET", `/api/v2/users/${userId}/refresh-tokens`, admin());
  expect(families.status).toBe(200);
  expect((await call("DELETE", `/api/v2/users/${userId}/refresh-tokens/rtf_missing`, admin())).status).toBe(
    404,
  );
  expect((await call("DELETE", `/api/v2/users/${userId}/refresh-tokens`, admin())).status).toBe(204);
  expect((await call("GET", "/api/v2/users/usr_missing/refresh-tokens", admin())).status).toBe(404);
  expect((await call("GET", `/api/v2/users/${userId}/refresh-tokens`)).status).toBe(401);
});

test("brute-force blocks, user blocks, keys and an oversized rule answer as documented", async () => {
  const wrong = { ...password(), username: "bob@example.com", password: "nope" };
  for (let i = 0; i < 10; i++) await h.token(wrong, { remoteAddress: "192.0.2.99" });
  const blocked = await h.token(wrong, { remoteAddress: "192.0.2.99" });
  expect(blocked.status).toBe(429);
  await expectDocumented("POST", "/oauth/token", blocked);
  const bob = seed.bob.user_id;
  const blocks = await call<typeof UserBlocks.static>("GET", `/api/v2/user-blocks/${bob}`, admin());
  expect(blocks.body.blocked_for).toHaveLength(1);
  expect((await call("DELETE", `/api/v2/user-blocks/${bob}`, admin())).status).toBe(204);
  expect((await call("GET", "/api/v2/user-blocks/usr_missing", admin())).status).toBe(404);
  expect((await call("DELETE", "/api/v2/user-blocks/usr_missing", admin())).status).toBe(404);
  expect((await call("GET", `/api/v2/user-blocks/${bob}`)).status).toBe(401);

  expect((await call("GET", "/api/v2/keys", admin())).status).toBe(200);
  expect((await call("POST", "/api/v2/keys/rotate", admin({ alg: "RS256" }))).status).toBe(201);
  expect((await call("POST", "/api/v2/keys/rotate", admin({ alg: "HS256" }))).status).toBe(400);
  expect((await call("POST", "/api/v2/keys/rotate")).status).toBe(401);

  const huge = `module.exports = function () {}; // ${"x".repeat(270 * 1024)}`;
  expect((await call("PUT", "/api/v2/rules/password-exchange", admin({ script: huge }))).status).toBe(413);
  expect((await call("POST", "/api/v2/rules/password-exchange/try", admin({ script: huge }))).status).toBe(
    413,
  );
});

test("discovery, JWKS and the document", async () => {
  expect((await call("GET", "/.well-known/openid-configuration")).status).toBe(200);
  expect((await call("GET", "/.well-known/jwks.json")).status).toBe(200);
  expect((await call("GET", "/openapi.yaml")).status).toBe(200);
});

describe("the management API answers as documented", () => {
  test("users", async () => {
    expect((await call("GET", "/api/v2/users")).status).toBe(401);
    const created = await call<User>(
      "POST",
      "/api/v2/users",
      admin({ email: "c1@example.com", password: "password123" }),
    );
    expect(created.status).toBe(201);
    const id = created.body.user_id;
    expect(
      (await call("POST", "/api/v2/users", admin({ email: "c1@example.com", password: "password123" })))
        .status,
    ).toBe(409);
    expect((await call("POST", "/api/v2/users", admin({ email: "nope" }))).status).toBe(400);
    expect((await call("GET", "/api/v2/users", admin())).status).toBe(200);
    expect((await call("GET", "/api/v2/users?include_totals=true&per_page=2", admin())).status).toBe(200);
    expect((await call("GET", "/api/v2/users?per_page=0", admin())).status).toBe(400);
    expect((await call("GET", `/api/v2/users/${id}`, admin())).status).toBe(200);
    expect((await call("PATCH", `/api/v2/users/${id}`, admin({ name: "C One" }))).status).toBe(200);
    expect((await call("PATCH", `/api/v2/users/${id}`, admin({ name: "" }))).status).toBe(400);
    expect((await call("PATCH", `/api/v2/users/${id}`, admin({ email: "alice@example.com" }))).status).toBe(
      409,
    );
    expect((await call("DELETE", `/api/v2/users/${id}`, admin())).status).toBe(204);
    expect((await call("GET", `/api/v2/users/${id}`, admin())).status).toBe(404);
    expect((await call("PATCH", `/api/v2/users/${id}`, admin({ name: "x" }))).status).toBe(404);
    expect((await call("DELETE", `/api/v2/users/${id}`, admin())).status).toBe(404);
  });

  test("clients", async () => {
    const created = await call<Client>("POST", "/api/v2/clients", admin({ name: "contract" }));
    expect(created.status).toBe(201);
    const id = created.body.client_id;
    expect((await call("POST", "/api/v2/clients", admin({}))).status).toBe(400);
    expect((await call("GET", "/api/v2/clients", admin())).status).toBe(200);
    expect((await call("GET", "/api/v2/clients?include_totals=true", admin())).status).toBe(200);
    expect((await call("GET", `/api/v2/clients/${id}`, admin())).status).toBe(200);
    expect((await call("PATCH", `/api/v2/clients/${id}`, admin({ name: "renamed" }))).status).toBe(200);
    expect((await call("PATCH", `/api/v2/clients/${id}`, admin({ grant_types: ["magic"] }))).status).toBe(
      400,
    );
    expect((await call("POST", `/api/v2/clients/${id}/rotate-secret`, admin())).status).toBe(200);
    expect(
      (await call("POST", `/api/v2/clients/${seed.publicClient.client_id}/rotate-secret`, admin())).status,
    ).toBe(400);
    expect((await call("DELETE", `/api/v2/clients/${id}`, admin())).status).toBe(204);
    expect((await call("GET", `/api/v2/clients/${id}`, admin())).status).toBe(404);
    expect((await call("POST", `/api/v2/clients/${id}/rotate-secret`, admin())).status).toBe(404);
    expect((await call("DELETE", `/api/v2/clients/${id}`, admin())).status).toBe(404);
    expect((await call("GET", "/api/v2/clients")).status).toBe(401);
  });

  test("resource servers", async () => {
    const created = await call<ResourceServer>(
      "POST",
      "/api/v2/resource-servers",
      admin({ identifier: "urn:contract" }),
    );
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(
      (await call("POST", "/api/v2/resource-servers", admin({ identifier: "urn:contract" }))).status,
    ).toBe(409);
    expect((await call("POST", "/api/v2/resource-servers", admin({ identifier: "" }))).status).toBe(400);
    expect((await call("GET", "/api/v2/resource-servers", admin())).status).toBe(200);
    expect((await call("GET", "/api/v2/resource-servers?include_totals=true", admin())).status).toBe(200);
    expect(
      (await call("GET", `/api/v2/resource-servers/${encodeURIComponent("urn:contract")}`, admin())).status,
    ).toBe(200);
    expect(
      (await call("PATCH", `/api/v2/resource-servers/${id}`, admin({ token_lifetime: 120 }))).status,
    ).toBe(200);
    expect((await call("PATCH", `/api/v2/resource-servers/${id}`, admin({ token_lifetime: 1 }))).status).toBe(
      400,
    );
    expect((await call("DELETE", `/api/v2/resource-servers/${id}`, admin())).status).toBe(204);
    expect((await call("GET", `/api/v2/resource-servers/${id}`, admin())).status).toBe(404);
    expect((await call("PATCH", `/api/v2/resource-servers/${id}`, admin({ name: "x" }))).status).toBe(404);
    expect((await call("DELETE", `/api/v2/resource-servers/${id}`, admin())).status).toBe(404);
    expect((await call("GET", "/api/v2/resource-servers")).status).toBe(401);
  });

  test("tenant settings", async () => {
    expect((await call("GET", "/api/v2/tenants/settings", admin())).status).toBe(200);
    expect(
      (await call("PATCH", "/api/v2/tenants/settings", admin({ friendly_name: "Contract" }))).status,
    ).toBe(200);
    expect((await call("PATCH", "/api/v2/tenants/settings", admin({}))).status).toBe(400);
    expect((await call("GET", "/api/v2/tenants/settings")).status).toBe(401);
  });

  test("the rule, its secrets and try", async () => {
    const sample = readFileSync("rules/password-exchange.js", "utf8");
    expect((await call("GET", "/api/v2/rules/password-exchange", admin())).status).toBe(404);
    expect((await call("DELETE", "/api/v2/rules/password-exchange", admin())).status).toBe(404);
    expect((await call("PUT", "/api/v2/rules/password-exchange", admin({ script: "nope(" }))).status).toBe(
      400,
    );
    expect((await call("PUT", "/api/v2/rules/password-exchange", admin({ script: sample }))).status).toBe(
      200,
    );
    expect((await call("GET", "/api/v2/rules/password-exchange", admin())).status).toBe(200);
    expect((await call("PUT", "/api/v2/rules/password-exchange/secrets", admin({ A: "1" }))).status).toBe(
      200,
    );
    expect((await call("PUT", "/api/v2/rules/password-exchange/secrets", admin({ "b c": "1" }))).status).toBe(
      400,
    );
    expect(
      (await call("PATCH", "/api/v2/rules/password-exchange/secrets", admin({ A: null, B: "2" }))).status,
    ).toBe(200);
    expect((await call("PATCH", "/api/v2/rules/password-exchange/secrets", admin({ B: 2 }))).status).toBe(
      400,
    );
    expect((await call("GET", "/api/v2/rules/password-exchange/secrets", admin())).status).toBe(200);
    const tried = await call<TryAnswer>("POST", "/api/v2/rules/password-exchange/try", admin({}));
    expect(tried.body.scope).toEqual(["read:sample", "extra"]);
    const failed = await call<TryAnswer>(
      "POST",
      "/api/v2/rules/password-exchange/try",
      admin({ script: "module.exports = function () { throw new Error('x'); };" }),
    );
    expect(failed.body.error?.error).toBe("access_denied");
    expect((await call("POST", "/api/v2/rules/password-exchange/try", admin({ script: "" }))).status).toBe(
      400,
    );
    expect((await call("DELETE", "/api/v2/rules/password-exchange", admin())).status).toBe(204);
    expect((await call("GET", "/api/v2/rules/password-exchange")).status).toBe(401);
  });
});

test("logs answer as documented", async () => {
  const list = await call<LogEntry[]>("GET", "/api/v2/logs?type=sepft", admin());
  expect(list.status).toBe(200);
  expect(list.body.length).toBeGreaterThan(0);
  expect((await call("GET", "/api/v2/logs?include_totals=true&per_page=5", admin())).status).toBe(200);
  expect((await call("GET", `/api/v2/logs/${list.body[0]!.log_id}`, admin())).status).toBe(200);
  expect((await call("GET", "/api/v2/logs/log_missing", admin())).status).toBe(404);
  expect((await call("GET", "/api/v2/logs?from_date=never", admin())).status).toBe(400);
  expect((await call("GET", "/api/v2/logs")).status).toBe(401);
  // The stream never ends, so only its status and media type are checked here.
  const stream = await h.request("/api/v2/logs/stream", admin());
  expect(stream.status).toBe(200);
  expect(stream.headers.get("content-type")).toStartWith("text/event-stream");
  await stream.body?.cancel();
});

describe("the checker itself", () => {
  const respond = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

  test("rejects a body that breaks the schema, an undocumented status and an undocumented path", async () => {
    await expect(
      expectDocumented("POST", "/oauth/token", respond(200, { token_type: "Bearer" })),
    ).rejects.toThrow();
    await expect(
      expectDocumented("POST", "/oauth/token", respond(400, { error: "made_up", error_description: "x" })),
    ).rejects.toThrow();
    await expect(expectDocumented("GET", "/api/v2/users", respond(418, {}))).rejects.toThrow();
    await expect(expectDocumented("GET", "/nowhere", respond(200, {}))).rejects.toThrow();
    await expect(
      expectDocumented("GET", "/api/v2/users/usr_1", respond(200, { user_id: "usr_1", extra: true })),
    ).rejects.toThrow();
  });
});
