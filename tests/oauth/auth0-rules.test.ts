import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeJwt } from "jose";
import { aliceExchange, createHarness, type Harness, seedTenant } from "../support/harness.ts";

/**
 * Auth0 Rules (`function (user, context, callback)`) through real exchanges: rules created
 * with the Management API, run in real rule hosts on password, password-realm and refresh
 * exchanges, their effects read from the tokens, the Management API and the log.
 */

let h: Harness;
let seed: Awaited<ReturnType<typeof seedTenant>>;

beforeAll(async () => {
  // One host per version, so `global` is one object across this file's exchanges.
  h = await createHarness({ RULE_WORKERS: "1", RULE_TIMEOUT_MS: "2000" });
  seed = await seedTenant(h);
});
afterAll(() => h.close());

const json = async (response: Response | Promise<Response>) => {
  const answer = await response;
  const text = await answer.text();
  return { status: answer.status, body: text ? JSON.parse(text) : undefined };
};

/** Creates a rule; `script` is the body of `function (user, context, callback) { … }`. */
async function rule(name: string, order: number, body: string, enabled = true) {
  const created = await json(
    h.admin("POST", "/rules", {
      name,
      order,
      enabled,
      script: `function (user, context, callback) {\n${body}\n}`,
    }),
  );
  expect(created.status).toBe(201);
  return created.body as { id: string };
}

/** Deletes every rule and configuration value, so each test starts from none. */
async function clearRules() {
  const { body: rules } = await json(h.admin("GET", "/rules"));
  for (const { id } of rules) await h.admin("DELETE", `/rules/${id}`);
  const { body: keys } = await json(h.admin("GET", "/rules-configs"));
  for (const { key } of keys) await h.admin("DELETE", `/rules-configs/${key}`);
}

/** Alice's exchange; the answer's body and its access and ID tokens' claims. */
async function exchange(extra: Record<string, string> = {}) {
  const { status, body } = await json(
    aliceExchange(h, seed, { scope: "openid profile email offline_access read:things", ...extra }),
  );
  return {
    status,
    body,
    access: status === 200 ? decodeJwt(body.access_token) : {},
    id: status === 200 && body.id_token ? decodeJwt(body.id_token) : {},
  };
}

const logsOf = async (requestType: string) =>
  (await json(h.admin("GET", `/logs?q=type:${requestType}&per_page=20`))).body;

describe("the pipeline", () => {
  test("enabled rules run in ascending order, each seeing the user and context the one before passed on; disabled ones are skipped", async () => {
    await clearRules();
    await rule(
      "third",
      30,
      `context.accessToken.trail = context.trail.concat("third"); callback(null, user, context);`,
    );
    await rule(
      "first",
      10,
      `context.trail = ["first"]; user.nickname = "changed by first"; callback(null, user, context);`,
    );
    await rule("second", 20, `context.trail.push("second:" + user.nickname); callback(null, user, context);`);
    await rule("skipped", 25, `context.trail.push("disabled"); callback(null, user, context);`, false);
    const { status, access } = await exchange();
    expect(status).toBe(200);
    expect(access.trail).toEqual(["first", "second:changed by first", "third"]);
    // Changes to `user` are not stored.
    const { body: alice } = await json(h.admin("GET", `/users/${encodeURIComponent(seed.alice.user_id)}`));
    expect(alice.nickname).not.toBe("changed by first");
  });

  test("reordering and disabling take effect on the next exchange", async () => {
    const { body: rules } = await json(h.admin("GET", "/rules"));
    const byName = Object.fromEntries(rules.map((r: { name: string; id: string }) => [r.name, r.id]));
    expect((await h.admin("PATCH", `/rules/${byName.third}`, { order: 5 })).status).toBe(200);
    // "third" now runs before "first" set context.trail: it fails, and the exchange is denied.
    const denied = await exchange();
    expect(denied.status).toBe(403);
    expect(denied.body.error).toBe("access_denied");
    await h.admin("PATCH", `/rules/${byName.third}`, { enabled: false });
    const { access } = await exchange();
    expect(access.trail).toBeUndefined();
  });

  test("the user is Auth0's normalized profile and the context carries Auth0's fields for a password exchange", async () => {
    await clearRules();
    await rule(
      "dump",
      1,
      `const { accessToken, idToken, ...rest } = context;
       context.accessToken["https://example.com/context"] = rest;
       context.accessToken["https://example.com/user"] = user;
       callback(null, user, context);`,
    );
    const { status, access } = await exchange({ audience: "https://api.example.com" });
    expect(status).toBe(200);
    const context = access["https://example.com/context"] as {
      request: { body: Record<string, unknown> };
      authentication: { methods: { name: string; timestamp: number }[] };
    };
    const user = access["https://example.com/user"] as Record<string, unknown>;
    const { body: client } = await json(h.admin("GET", `/clients/${seed.postClient.client_id}`));
    expect(context).toMatchObject({
      tenant: "default",
      clientID: seed.postClient.client_id,
      clientName: "post client",
      clientMetadata: client.client_metadata ?? {},
      connection: "Username-Password-Authentication",
      connectionID: expect.stringMatching(/^con_/),
      connectionStrategy: "auth0",
      protocol: "oauth2-password",
      stats: { loginsCount: user.logins_count },
      authorization: { roles: [] },
      sso: { with_auth0: false, with_dbconn: false },
    });
    expect(context.request).toMatchObject({ ip: expect.any(String), hostname: "localhost", query: {} });
    expect(context.request.body).toMatchObject({
      grant_type: "password",
      username: "alice@example.com",
      audience: "https://api.example.com",
      scope: "openid profile email offline_access read:things",
      client_id: seed.postClient.client_id,
    });
    expect(context.request.body.password).toBeUndefined();
    expect(context.request.body.client_secret).toBeUndefined();
    expect(context.authentication.methods).toEqual([{ name: "pwd", timestamp: expect.any(Number) }]);
    expect(Math.abs((context.authentication.methods[0]?.timestamp ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(user).toMatchObject({
      user_id: seed.alice.user_id,
      email: "alice@example.com",
      email_verified: false,
      name: "Alice",
      app_metadata: { roles: ["admin"] },
      user_metadata: {},
      blocked: false,
      identities: [
        {
          connection: "Username-Password-Authentication",
          provider: "auth0",
          user_id: seed.alice.user_id.replace(/^auth0\|/, ""),
          isSocial: false,
        },
      ],
      last_login: expect.any(String),
      last_ip: expect.any(String),
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    // This login is counted already, as Auth0's `context.stats.loginsCount` is.
    const { body: stored } = await json(h.admin("GET", `/users/${encodeURIComponent(seed.alice.user_id)}`));
    expect(user.logins_count).toBe(stored.logins_count);
    expect(user.password).toBeUndefined();
  });

  test("password-realm runs the rules with the same protocol", async () => {
    await clearRules();
    await rule(
      "protocol",
      1,
      `context.accessToken.protocol = context.protocol; callback(null, user, context);`,
    );
    const { body: realmClient } = await json(
      h.admin("POST", "/clients", {
        name: "realm client",
        grant_types: ["http://auth0.com/oauth/grant-type/password-realm"],
      }),
    );
    const { status, body, access } = await exchange({
      grant_type: "http://auth0.com/oauth/grant-type/password-realm",
      realm: "Username-Password-Authentication",
      scope: "openid read:things",
      client_id: realmClient.client_id,
      client_secret: realmClient.client_secret,
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(access.protocol).toBe("oauth2-password");
  });
});

describe("errors", () => {
  const cases: [string, string, number, string][] = [
    ["UnauthorizedError", `callback(new UnauthorizedError("not on weekends"));`, 403, "not on weekends"],
    ["another error", `callback(new Error("plain error"));`, 403, "plain error"],
    ["a throw", `throw new Error("thrown");`, 403, "thrown"],
    ["a string", `callback("just a string");`, 403, "just a string"],
    ["a timer's throw", `setTimeout(() => { throw new Error("from a timer"); }, 1);`, 403, "from a timer"],
  ];
  for (const [kind, body, status, message] of cases) {
    test(`${kind} denies the exchange with the message, and stops the pipeline`, async () => {
      await clearRules();
      await rule("failing", 1, body);
      await rule("after", 2, `console.log("after ran"); callback(null, user, context);`);
      const answer = await exchange();
      expect(answer.status).toBe(status);
      expect(answer.body).toEqual({ error: "access_denied", error_description: message });
      const lines = await logsOf("rule_log");
      expect(lines.some((line: { description: string }) => line.description === "after ran")).toBe(false);
    });
  }

  test("an async rule's rejection denies", async () => {
    await clearRules();
    const created = await json(
      h.admin("POST", "/rules", {
        name: "async-rule",
        order: 1,
        script: `async function (user, context, callback) { await null; throw new UnauthorizedError("async no"); }`,
      }),
    );
    expect(created.status).toBe(201);
    expect((await exchange()).body).toEqual({ error: "access_denied", error_description: "async no" });
  });

  test("the pipeline shares one time limit: a rule that never calls back is a 500, and the next exchange works", async () => {
    await clearRules();
    await rule("quick", 1, `callback(null, user, context);`);
    await rule("hangs", 2, `/* never calls back */`);
    const started = Date.now();
    const answer = await exchange();
    expect(answer.status).toBe(500);
    expect(answer.body.error).toBe("server_error");
    expect(Date.now() - started).toBeLessThan(10_000);
    await clearRules();
    await rule("fine", 1, `context.accessToken.fine = true; callback(null, user, context);`);
    expect((await exchange()).access.fine).toBe(true);
  });

  test("a rule that spins is stopped at the time limit and its host replaced", async () => {
    await clearRules();
    await rule("first", 1, `callback(null, user, context);`);
    await rule("spins", 2, `for (;;) {}`);
    const answer = await exchange();
    expect(answer.status).toBe(500);
    await clearRules();
    await rule("fine", 1, `context.accessToken.again = true; callback(null, user, context);`);
    expect((await exchange()).access.again).toBe(true);
  });

  test("a rule that exhausts memory ends the exchange with a 500, and the next exchange works", async () => {
    await clearRules();
    await rule("first", 1, `callback(null, user, context);`);
    await rule("hog", 2, `const hoard = []; for (;;) hoard.push(new Array(1e6).fill(hoard.length));`);
    const answer = await exchange();
    expect(answer.status).toBe(500);
    expect(answer.body.error).toBe("server_error");
    await clearRules();
    await rule("fine", 1, `context.accessToken.after = true; callback(null, user, context);`);
    expect((await exchange()).access.after).toBe(true);
  });

  test("a rule setting context.multifactor with no factor enabled is refused rather than granted without a second factor", async () => {
    await clearRules();
    await rule("mfa", 1, `context.multifactor = { provider: "any" }; callback(null, user, context);`);
    const answer = await exchange();
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe("access_denied");
    expect(answer.body.error_description).toMatch(/Multifactor/);
  });
});

describe("claims and scope", () => {
  test("claims go into the tokens under Auth0's custom-claim policy, and what is dropped is logged", async () => {
    await clearRules();
    await rule(
      "claims",
      1,
      `context.accessToken["https://example.com/plan"] = "gold";
       context.accessToken.plain = "private claims are allowed";
       context.accessToken.sub = "someone else";
       context.accessToken.permissions = ["all"];
       context.accessToken["https://tenant.auth0.com/x"] = 1;
       context.idToken["https://example.com/display"] = user.name;
       context.idToken.email = "spoofed@example.com";
       context.idToken.favourite = "tea";
       callback(null, user, context);`,
    );
    const { status, access, id } = await exchange();
    expect(status).toBe(200);
    expect(access["https://example.com/plan"]).toBe("gold");
    expect(access.plain).toBe("private claims are allowed");
    expect(access.sub).toBe(seed.alice.user_id);
    expect(access.permissions).toBeUndefined();
    expect(access["https://tenant.auth0.com/x"]).toBeUndefined();
    expect(id["https://example.com/display"]).toBe("Alice");
    expect(id.email).toBe("alice@example.com");
    expect(id.favourite).toBe("tea");
    const warnings = (await logsOf("rule_warning")).map(
      (event: { description: string }) => event.description,
    );
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('"sub"'),
        expect.stringContaining('"permissions"'),
        expect.stringContaining("auth0.com"),
        expect.stringContaining('"email"'),
      ]),
    );
  });

  test("context.accessToken.scope replaces the granted scope, as a string or an array", async () => {
    await clearRules();
    await rule(
      "scope",
      1,
      `context.accessToken.scope = "openid read:things"; callback(null, user, context);`,
    );
    expect((await exchange()).body.scope).toBe("openid read:things");
    await clearRules();
    await rule(
      "scope",
      1,
      `context.accessToken.scope = ["read:things", "write:things"]; callback(null, user, context);`,
    );
    expect((await exchange()).body.scope).toBe("read:things write:things");
  });

  test("the password-exchange rule runs after the rules: it gets their scope, and its claims win", async () => {
    await clearRules();
    await rule(
      "first",
      1,
      `context.accessToken.scope = ["read:things"]; context.accessToken["https://example.com/who"] = "rules"; context.accessToken["https://example.com/rules"] = true; callback(null, user, context);`,
    );
    const deployed = await h.admin("PUT", "/rules/password-exchange", {
      script: `module.exports = function (user, client, scope, audience, context, cb) {
        cb(null, { scope: scope.concat("write:things"), "https://example.com/who": "hook" });
      };`,
    });
    expect(deployed.status).toBe(200);
    try {
      const { body, access } = await exchange();
      expect(body.scope).toBe("read:things write:things");
      expect(access["https://example.com/who"]).toBe("hook");
      expect(access["https://example.com/rules"]).toBe(true);
    } finally {
      await h.admin("DELETE", "/rules/password-exchange");
    }
  });
});

describe("configuration, global and auth0", () => {
  test("configuration holds the rules configs values, read-only", async () => {
    await clearRules();
    expect((await h.admin("PUT", "/rules-configs/PLAN", { value: "platinum" })).status).toBe(200);
    await rule(
      "config",
      1,
      `try { configuration.PLAN = "changed"; } catch (e) {}
       context.accessToken["https://example.com/plan"] = configuration.PLAN;
       context.accessToken["https://example.com/missing"] = configuration.MISSING === undefined;
       callback(null, user, context);`,
    );
    const { access } = await exchange();
    expect(access["https://example.com/plan"]).toBe("platinum");
    expect(access["https://example.com/missing"]).toBe(true);
    await h.admin("PUT", "/rules-configs/PLAN", { value: "silver" });
    expect((await exchange()).access["https://example.com/plan"]).toBe("silver");
  });

  test("global is kept between exchanges of one version and shared by its rules; a new version starts afresh", async () => {
    await clearRules();
    await rule("count", 1, `global.calls = (global.calls || 0) + 1; callback(null, user, context);`);
    await rule("read", 2, `context.accessToken.calls = global.calls; callback(null, user, context);`);
    expect((await exchange()).access.calls).toBe(1);
    expect((await exchange()).access.calls).toBe(2);
    await h.admin("PUT", "/rules-configs/ANY", { value: "new version" });
    expect((await exchange()).access.calls).toBe(1);
  });

  test("auth0.users.updateAppMetadata and updateUserMetadata store the user's metadata, seen by later rules, the Management API and the next exchange", async () => {
    await clearRules();
    await rule(
      "count logins",
      1,
      `user.app_metadata.count = (user.app_metadata.count || 0) + 1;
       auth0.users.updateAppMetadata(user.user_id, user.app_metadata)
         .then(() => auth0.users.updateUserMetadata(user.user_id, { theme: "dark" }))
         .then(() => callback(null, user, context))
         .catch((err) => callback(err));`,
    );
    await rule(
      "read",
      2,
      `context.accessToken["https://example.com/count"] = user.app_metadata.count;
       context.accessToken["https://example.com/theme"] = user.user_metadata.theme;
       context.accessToken["https://example.com/domain"] = auth0.domain;
       context.accessToken["https://example.com/base"] = auth0.baseUrl;
       callback(null, user, context);`,
    );
    const first = await exchange();
    expect(first.access["https://example.com/count"]).toBe(1);
    expect(first.access["https://example.com/theme"]).toBe("dark");
    expect(first.access["https://example.com/domain"]).toBe("localhost");
    expect(first.access["https://example.com/base"]).toBe("http://localhost/api/v2");
    const { body: stored } = await json(h.admin("GET", `/users/${encodeURIComponent(seed.alice.user_id)}`));
    expect(stored.app_metadata).toEqual({ roles: ["admin"], count: 1 });
    expect(stored.user_metadata).toEqual({ theme: "dark" });
    expect((await exchange()).access["https://example.com/count"]).toBe(2);
    await h.admin("PATCH", `/users/${encodeURIComponent(seed.alice.user_id)}`, {
      app_metadata: { count: null },
      user_metadata: { theme: null },
    });
  });

  test("updating another user's metadata is refused, and nothing is stored", async () => {
    await clearRules();
    await rule(
      "other",
      1,
      `auth0.users.updateAppMetadata("auth0|someone-else", { hacked: true })
         .then(() => callback(null, user, context), (err) => callback(err));`,
    );
    const answer = await exchange();
    expect(answer.status).toBe(403);
    expect(answer.body.error_description).toMatch(/only the user being authenticated/);
  });

  test("metadata written before a later rule denies is stored, as Auth0 stored it at once", async () => {
    await clearRules();
    await rule(
      "mark",
      1,
      `auth0.users.updateAppMetadata(user.user_id, { marked: true }).then(() => callback(null, user, context));`,
    );
    await rule("deny", 2, `callback(new UnauthorizedError("denied after the mark"));`);
    expect((await exchange()).status).toBe(403);
    const { body: stored } = await json(h.admin("GET", `/users/${encodeURIComponent(seed.alice.user_id)}`));
    expect(stored.app_metadata.marked).toBe(true);
    await h.admin("PATCH", `/users/${encodeURIComponent(seed.alice.user_id)}`, {
      app_metadata: { marked: null },
    });
  });
});

describe("refresh", () => {
  test("a refresh runs the rules with protocol oauth2-refresh-token; a denial leaves the refresh token usable", async () => {
    await clearRules();
    await rule(
      "protocol",
      1,
      `context.accessToken.protocol = context.protocol;
       if (context.protocol === "oauth2-refresh-token" && configuration.REFUSE_REFRESH === "yes") {
         return callback(new UnauthorizedError("no refresh today"));
       }
       callback(null, user, context);`,
    );
    const login = await exchange();
    expect(login.access.protocol).toBe("oauth2-password");
    const refresh = (token: string) =>
      json(
        h.token({
          grant_type: "refresh_token",
          refresh_token: token,
          client_id: seed.postClient.client_id,
          client_secret: seed.postClient.client_secret,
        }),
      );
    const refreshed = await refresh(login.body.refresh_token);
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.access_token).protocol).toBe("oauth2-refresh-token");
    await h.admin("PUT", "/rules-configs/REFUSE_REFRESH", { value: "yes" });
    const denied = await refresh(refreshed.body.refresh_token);
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ error: "access_denied", error_description: "no refresh today" });
    await h.admin("DELETE", "/rules-configs/REFUSE_REFRESH");
    expect((await refresh(refreshed.body.refresh_token)).status).toBe(200);
  });

  test("a refresh never gets more scope than was granted, whatever a rule sets", async () => {
    await clearRules();
    await rule(
      "widen",
      1,
      `if (context.protocol === "oauth2-refresh-token") context.accessToken.scope = ["read:things", "write:things", "offline_access"];
       callback(null, user, context);`,
    );
    const login = await exchange({ scope: "offline_access read:things" });
    const refreshed = await json(
      h.token({
        grant_type: "refresh_token",
        refresh_token: login.body.refresh_token,
        client_id: seed.postClient.client_id,
        client_secret: seed.postClient.client_secret,
      }),
    );
    expect(refreshed.body.scope).toBe("read:things offline_access");
  });
});

describe("versions and the log", () => {
  test("an exchange in flight finishes on the version it started with, never a mix", async () => {
    await clearRules();
    const slow = await rule(
      "slow",
      1,
      `setTimeout(() => { context.accessToken.a = "v1"; callback(null, user, context); }, 600);`,
    );
    const second = await rule("second", 2, `context.accessToken.b = "v1"; callback(null, user, context);`);
    const inFlight = exchange();
    await Bun.sleep(200);
    await h.admin("PATCH", `/rules/${slow.id}`, {
      script: `function (user, context, callback) { context.accessToken.a = "v2"; callback(null, user, context); }`,
    });
    await h.admin("PATCH", `/rules/${second.id}`, {
      script: `function (user, context, callback) { context.accessToken.b = "v2"; callback(null, user, context); }`,
    });
    const old = await inFlight;
    expect([old.access.a, old.access.b]).toEqual(["v1", "v1"]);
    const next = await exchange();
    expect([next.access.a, next.access.b]).toEqual(["v2", "v2"]);
  });

  test("each rule's console lines name it, and the exchange's event lists each rule's time", async () => {
    await clearRules();
    await rule("greeter", 1, `console.log("hello from greeter"); callback(null, user, context);`);
    await rule("counter", 2, `console.info("one"); console.warn("two"); callback(null, user, context);`);
    const answer = await exchange();
    expect(answer.status).toBe(200);
    // The log lists the newest first.
    const mine = (await logsOf("rule_log")).slice(0, 3).reverse();
    expect(
      mine.map((event: { description: string; details: Record<string, unknown> }) => [
        event.description,
        event.details,
      ]),
    ).toEqual([
      ["hello from greeter", { level: "log", rule: "greeter" }],
      ["one", { level: "info", rule: "counter" }],
      ["two", { level: "warn", rule: "counter" }],
    ]);
    const [success] = await logsOf("sepft");
    expect(success.request_id).toBe(mine[0].request_id);
    expect(success.details.rules).toEqual([
      { name: "greeter", duration_ms: expect.any(Number) },
      { name: "counter", duration_ms: expect.any(Number) },
    ]);
  });

  test("client credentials exchanges do not run the rules", async () => {
    await clearRules();
    await rule("deny all", 1, `callback(new UnauthorizedError("never"));`);
    const answer = await json(
      h.token({
        grant_type: "client_credentials",
        audience: "https://api.example.com",
        client_id: seed.postClient.client_id,
        client_secret: seed.postClient.client_secret,
      }),
    );
    // Whatever the client may or may not be granted, the rules are not what decides it.
    expect(answer.body.error_description ?? "").not.toBe("never");
    await clearRules();
  });
});
