import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeJwt } from "jose";
import {
  deployAction,
  findAction,
  insertAction,
  replaceBindings,
  updateAction,
} from "../../src/db/actions.ts";
import type { ActionSecrets } from "../../src/db/schema.ts";
import { aliceExchange, createHarness, type Harness, seedTenant } from "../support/harness.ts";

/**
 * Auth0 Actions (`exports.onExecutePostLogin`, `exports.onExecuteCredentialsExchange`)
 * through real exchanges: actions stored, deployed and bound in the database, run in real
 * rule hosts, their effects read from the tokens, the Management API and the log.
 */

let h: Harness;
let seed: Awaited<ReturnType<typeof seedTenant>>;

beforeAll(async () => {
  h = await createHarness({ RULE_WORKERS: "1", RULE_TIMEOUT_MS: "2000" });
  seed = await seedTenant(h);
});
afterAll(() => h.close());

const json = async (response: Response | Promise<Response>) => {
  const answer = await response;
  const text = await answer.text();
  return { status: answer.status, body: text ? JSON.parse(text) : undefined };
};

let created = 0;
/** Stores an action for `trigger` and deploys it; `secrets` are its own. */
async function action(
  trigger: "post-login" | "credentials-exchange",
  code: string,
  secrets: Record<string, string> = {},
) {
  const now = new Date();
  const id = crypto.randomUUID();
  const stored: ActionSecrets = Object.fromEntries(
    Object.entries(secrets).map(([name, value]) => [name, { value, updatedAt: now.getTime() }]),
  );
  await insertAction(h.deps.db, {
    id,
    name: `action-${++created}`,
    supportedTriggers: [{ id: trigger, version: trigger === "post-login" ? "v3" : "v2" }],
    code,
    runtime: "node22",
    dependencies: [],
    secrets: stored,
    deployedVersionId: null,
    deployedAt: null,
    createdAt: now,
    updatedAt: now,
  });
  await deployAction(h.deps.db, id, crypto.randomUUID(), new Date());
  return id;
}

/** Makes `ids` the trigger's bound actions, in that order. */
const bind = (trigger: string, ids: string[]) =>
  replaceBindings(
    h.deps.db,
    trigger,
    ids.map((actionId, index) => ({
      id: crypto.randomUUID(),
      actionId,
      displayName: `bound-${index + 1}`,
      createdAt: Date.now(),
    })),
    new Date(),
  );

async function exchange(extra: Record<string, string> = {}) {
  const { status, body } = await json(
    aliceExchange(h, seed, { scope: "openid offline_access read:things", ...extra }),
  );
  return {
    status,
    body,
    access: status === 200 ? decodeJwt(body.access_token) : {},
    id: status === 200 && body.id_token ? decodeJwt(body.id_token) : {},
  };
}

let machine: { client_id: string; client_secret: string };
const clientCredentials = async () => {
  const { status, body } = await json(
    h.token({
      grant_type: "client_credentials",
      audience: "https://api.example.com",
      client_id: machine.client_id,
      client_secret: machine.client_secret,
    }),
  );
  return { status, body, access: status === 200 ? decodeJwt(body.access_token) : {} };
};

describe("post-login", () => {
  test("event carries Auth0's fields for a password exchange, with each action's own secrets", async () => {
    const dump = await action(
      "post-login",
      `exports.onExecutePostLogin = async (event, api) => {
        const { secrets, ...rest } = event;
        api.accessToken.setCustomClaim("https://example.com/event", rest);
        api.accessToken.setCustomClaim("https://example.com/secrets", secrets);
      };`,
      { API_KEY: "first action's key" },
    );
    const other = await action(
      "post-login",
      `exports.onExecutePostLogin = async (event, api) => {
        api.accessToken.setCustomClaim("https://example.com/other_secrets", event.secrets);
      };`,
      { OTHER: "second action's" },
    );
    await bind("post-login", [dump, other]);
    const { status, access } = await exchange();
    expect(status).toBe(200);
    const event = access["https://example.com/event"] as Record<string, Record<string, unknown>>;
    expect(access["https://example.com/secrets"]).toEqual({ API_KEY: "first action's key" });
    expect(access["https://example.com/other_secrets"]).toEqual({ OTHER: "second action's" });
    expect(event.user).toMatchObject({ user_id: seed.alice.user_id, email: "alice@example.com" });
    expect(event.client).toEqual({ client_id: seed.postClient.client_id, name: "post client", metadata: {} });
    expect(event.connection).toMatchObject({
      name: "Username-Password-Authentication",
      strategy: "auth0",
      id: expect.stringMatching(/^con_/),
    });
    expect(event.request).toMatchObject({ method: "POST", hostname: "localhost", query: {} });
    const body = event.request?.body as Record<string, unknown>;
    expect(body).toMatchObject({ grant_type: "password", username: "alice@example.com" });
    expect(body.password).toBeUndefined();
    expect(body.client_secret).toBeUndefined();
    expect(event.transaction).toMatchObject({
      protocol: "oauth2-password",
      requested_scopes: ["openid", "offline_access", "read:things"],
    });
    expect(event.resource_server).toEqual({ identifier: "https://api.example.com" });
    expect(event.authentication).toEqual({ methods: [{ name: "pwd", timestamp: expect.any(String) }] });
    expect(event.authorization).toEqual({ roles: [] });
    expect(event.stats).toEqual({ logins_count: expect.any(Number) });
    expect(event.tenant).toEqual({ id: "default" });
    expect(event.refresh_token).toBeUndefined();
  });

  test("api: claims on both tokens, scopes added and removed, in binding order", async () => {
    const first = await action(
      "post-login",
      `exports.onExecutePostLogin = async (event, api) => {
        api.accessToken.setCustomClaim("order", ["first"]).accessToken.addScope("write:things");
        api.idToken.setCustomClaim("https://example.com/nick", "Ally");
      };`,
    );
    const second = await action(
      "post-login",
      `exports.onExecutePostLogin = async (event, api) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        api.accessToken.setCustomClaim("order", ["first", "second"]);
        api.accessToken.removeScope("offline_access");
      };`,
    );
    await bind("post-login", [first, second]);
    const { body, access, id } = await exchange();
    expect(access.order).toEqual(["first", "second"]);
    expect(id["https://example.com/nick"]).toBe("Ally");
    expect(body.scope.split(" ").sort()).toEqual(["openid", "read:things", "write:things"]);
    expect(body.refresh_token).toBeUndefined();
    const [success] = (await json(h.admin("GET", "/logs?q=type:sepft&per_page=1"))).body;
    expect(success.details.actions.map((a: { name: string }) => a.name)).toEqual(["bound-1", "bound-2"]);
  });

  test("api.access.deny is 403 access_denied with the reason, and later actions do not run", async () => {
    const deny = await action(
      "post-login",
      `exports.onExecutePostLogin = async (event, api) => { api.access.deny("Not from this app."); };`,
    );
    const later = await action(
      "post-login",
      `exports.onExecutePostLogin = async (event, api) => { console.log("later ran"); };`,
    );
    await bind("post-login", [deny, later]);
    expect((await exchange()).body).toEqual({
      error: "access_denied",
      error_description: "Not from this app.",
    });
    const lines = (await json(h.admin("GET", "/logs?q=type:rule_log&per_page=5"))).body;
    expect(lines.some((line: { description: string }) => line.description === "later ran")).toBe(false);
  });

  test("an error thrown or rejected denies; the methods a password grant cannot do fail clearly", async () => {
    await bind("post-login", [
      await action(
        "post-login",
        `exports.onExecutePostLogin = async () => { throw new Error("broken action"); };`,
      ),
    ]);
    expect((await exchange()).body).toEqual({ error: "access_denied", error_description: "broken action" });
    await bind("post-login", [
      await action(
        "post-login",
        `exports.onExecutePostLogin = async (event, api) => { api.redirect.sendUserTo("https://example.com"); };`,
      ),
    ]);
    const redirect = await exchange();
    expect(redirect.status).toBe(403);
    expect(redirect.body.error_description).toBe(
      "api.redirect.sendUserTo is not available on a password or refresh exchange.",
    );
    await bind("post-login", [
      await action(
        "post-login",
        `exports.onExecutePostLogin = async (event, api) => { api.multifactor.enable("any"); };`,
      ),
    ]);
    const mfa = await exchange();
    expect(mfa.status).toBe(403);
    expect(mfa.body.error_description).toMatch(/Multifactor/);
  });

  test("the flow shares the time limit: an action that never settles is a 500, and the next exchange works", async () => {
    await bind("post-login", [
      await action("post-login", `exports.onExecutePostLogin = async () => {};`),
      await action("post-login", `exports.onExecutePostLogin = () => new Promise(() => {});`),
    ]);
    const started = Date.now();
    const hung = await exchange();
    expect(hung.status).toBe(500);
    expect(hung.body.error).toBe("server_error");
    expect(Date.now() - started).toBeLessThan(10_000);
    await bind("post-login", []);
    expect((await exchange()).status).toBe(200);
  });

  test("metadata set through api.user is stored after the flow, and seen by the next exchange", async () => {
    const counter = await action(
      "post-login",
      `exports.onExecutePostLogin = async (event, api) => {
        const visits = (event.user.app_metadata.visits || 0) + 1;
        api.user.setAppMetadata("visits", visits);
        api.user.setUserMetadata("theme", "dark");
        api.accessToken.setCustomClaim("https://example.com/visits", visits);
      };`,
    );
    await bind("post-login", [counter]);
    expect((await exchange()).access["https://example.com/visits"]).toBe(1);
    expect((await exchange()).access["https://example.com/visits"]).toBe(2);
    const stored = (await json(h.admin("GET", `/users/${encodeURIComponent(seed.alice.user_id)}`))).body;
    expect(stored.app_metadata.visits).toBe(2);
    expect(stored.user_metadata.theme).toBe("dark");
    await h.admin("PATCH", `/users/${encodeURIComponent(seed.alice.user_id)}`, {
      app_metadata: { visits: null },
      user_metadata: { theme: null },
    });
  });

  test("api.cache survives between executions of one deployed flow, within its bounds", async () => {
    const cached = await action(
      "post-login",
      `exports.onExecutePostLogin = async (event, api) => {
        const hits = Number(api.cache.get("hits")?.value || 0) + 1;
        api.cache.set("hits", String(hits));
        const results = [];
        for (let i = 0; i < 25; i++) results.push(api.cache.set("k" + i, "v").type);
        api.accessToken.setCustomClaim("https://example.com/hits", hits);
        api.accessToken.setCustomClaim("https://example.com/sets", results.filter((t) => t === "success").length);
        api.accessToken.setCustomClaim("https://example.com/too_big", api.cache.set("big", "x".repeat(5000)));
      };`,
    );
    await bind("post-login", [cached]);
    const first = await exchange();
    expect(first.access["https://example.com/hits"]).toBe(1);
    // 20 entries at most: "hits" and 19 of the 25.
    expect(first.access["https://example.com/sets"]).toBe(19);
    expect(first.access["https://example.com/too_big"]).toEqual({ type: "error", code: "INVALID_VALUE" });
    expect((await exchange()).access["https://example.com/hits"]).toBe(2);
  });

  test("a draft never runs before its deploy; a rollback runs the earlier version again", async () => {
    const id = await action(
      "post-login",
      `exports.onExecutePostLogin = async (event, api) => { api.accessToken.setCustomClaim("v", 1); };`,
    );
    await bind("post-login", [id]);
    expect((await exchange()).access.v).toBe(1);
    await updateAction(h.deps.db, id, {
      code: `exports.onExecutePostLogin = async (event, api) => { api.accessToken.setCustomClaim("v", 2); };`,
      updatedAt: new Date(),
    });
    expect((await exchange()).access.v).toBe(1);
    const v1 = (await findAction(h.deps.db, id))!.deployedVersionId!;
    await deployAction(h.deps.db, id, crypto.randomUUID(), new Date());
    expect((await exchange()).access.v).toBe(2);
    await deployAction(h.deps.db, id, crypto.randomUUID(), new Date(), v1);
    expect((await exchange()).access.v).toBe(1);
  });

  test("on a refresh: protocol oauth2-refresh-token and event.refresh_token", async () => {
    const refreshAware = await action(
      "post-login",
      `exports.onExecutePostLogin = async (event, api) => {
        api.accessToken.setCustomClaim("protocol", event.transaction.protocol);
        if (event.refresh_token) api.accessToken.setCustomClaim("family_client", event.refresh_token.client_id);
      };`,
    );
    await bind("post-login", [refreshAware]);
    const login = await exchange();
    expect(login.access.protocol).toBe("oauth2-password");
    const refreshed = await json(
      h.token({
        grant_type: "refresh_token",
        refresh_token: login.body.refresh_token,
        client_id: seed.postClient.client_id,
        client_secret: seed.postClient.client_secret,
      }),
    );
    const access = decodeJwt(refreshed.body.access_token);
    expect(access.protocol).toBe("oauth2-refresh-token");
    expect(access.family_client).toBe(seed.postClient.client_id);
  });

  test("Rules, Actions and the password-exchange rule in one exchange: in that order, later claims winning", async () => {
    const rule = await json(
      h.admin("POST", "/rules", {
        name: "first-rule",
        order: 1,
        script: `function (user, context, callback) {
          context.accessToken["https://example.com/trail"] = ["rule"];
          context.accessToken["https://example.com/who"] = "rule";
          callback(null, user, context);
        }`,
      }),
    );
    expect(rule.status).toBe(201);
    await bind("post-login", [
      await action(
        "post-login",
        `exports.onExecutePostLogin = async (event, api) => {
          api.accessToken.setCustomClaim("https://example.com/who", "action");
          api.accessToken.setCustomClaim("https://example.com/action", true);
        };`,
      ),
    ]);
    await h.admin("PUT", "/rules/password-exchange", {
      script: `module.exports = function (user, client, scope, audience, context, cb) {
        cb(null, { scope: scope, "https://example.com/who": "hook" });
      };`,
    });
    try {
      const { access } = await exchange();
      expect(access["https://example.com/trail"]).toEqual(["rule"]);
      expect(access["https://example.com/action"]).toBe(true);
      expect(access["https://example.com/who"]).toBe("hook");
    } finally {
      await h.admin("DELETE", "/rules/password-exchange");
      await h.admin("DELETE", `/rules/${rule.body.id}`);
      await bind("post-login", []);
    }
  });
});

describe("credentials-exchange", () => {
  test("runs on client credentials with Auth0's event; claims go into the token", async () => {
    machine = (
      await json(h.admin("POST", "/clients", { name: "machine", grant_types: ["client_credentials"] }))
    ).body;
    await h.admin("POST", "/client-grants", {
      client_id: machine.client_id,
      audience: "https://api.example.com",
      scope: ["read:things"],
    });
    await bind("credentials-exchange", [
      await action(
        "credentials-exchange",
        `exports.onExecuteCredentialsExchange = async (event, api) => {
          api.accessToken.setCustomClaim("https://example.com/client", event.client.name);
          api.accessToken.setCustomClaim("https://example.com/scopes", event.transaction.requested_scopes);
          api.accessToken.setCustomClaim("https://example.com/api", event.resource_server.identifier);
          api.accessToken.setCustomClaim("https://example.com/tenant", event.tenant.id);
          api.accessToken.setCustomClaim("https://example.com/secret", event.secrets.TIER);
        };`,
        { TIER: "gold" },
      ),
    ]);
    const { status, access } = await clientCredentials();
    expect(status).toBe(200);
    expect(access).toMatchObject({
      "https://example.com/client": "machine",
      "https://example.com/scopes": ["read:things"],
      "https://example.com/api": "https://api.example.com",
      "https://example.com/tenant": "default",
      "https://example.com/secret": "gold",
    });
    // Password exchanges do not run credentials-exchange actions.
    expect((await exchange()).access["https://example.com/client"]).toBeUndefined();
  });

  test("api.access.deny's codes are the matching RFC 6749 errors", async () => {
    const cases: [string, number, string][] = [
      ["invalid_scope", 400, "invalid_scope"],
      ["invalid_request", 400, "invalid_request"],
      ["server_error", 500, "server_error"],
    ];
    for (const [code, status, error] of cases) {
      await bind("credentials-exchange", [
        await action(
          "credentials-exchange",
          `exports.onExecuteCredentialsExchange = async (event, api) => { api.access.deny(${JSON.stringify(code)}, "Denied: ${code}"); };`,
        ),
      ]);
      const answer = await clientCredentials();
      expect(answer.status).toBe(status);
      expect(answer.body).toEqual({ error, error_description: `Denied: ${code}` });
    }
    await bind("credentials-exchange", []);
    expect((await clientCredentials()).status).toBe(200);
  });
});
