import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { createHarness, type Harness, seedTenant } from "../support/harness.ts";

/**
 * Auth0's public rule templates that apply to a password grant and need no network or module,
 * written in our own words in rules/auth0-rules/: each is created unchanged through the
 * Management API and exercised through real exchanges.
 */
const folder = join(import.meta.dir, "..", "..", "rules", "auth0-rules");
const source = (name: string) => readFileSync(join(folder, `${name}.js`), "utf8");

let h: Harness;
let seed: Awaited<ReturnType<typeof seedTenant>>;
let carol: { user_id: string };

beforeAll(async () => {
  h = await createHarness({ RULE_WORKERS: "1" });
  seed = await seedTenant(h);
  carol = await (
    await h.admin("POST", "/users", {
      email: "carol@elsewhere.test",
      password: "carol's password",
      email_verified: true,
    })
  ).json();
});
afterAll(() => h.close());

const json = async (response: Response | Promise<Response>) => {
  const answer = await response;
  return { status: answer.status, body: await answer.json() };
};

/** Makes `names` (files of rules/auth0-rules/) the only rules, in that order. */
async function only(...names: string[]) {
  for (const { id } of (await json(h.admin("GET", "/rules"))).body) await h.admin("DELETE", `/rules/${id}`);
  for (const [index, name] of names.entries()) {
    const created = await json(h.admin("POST", "/rules", { name, order: index + 1, script: source(name) }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }
}

const users = {
  alice: { username: "alice@example.com", password: "correct horse battery" },
  carol: { username: "carol@elsewhere.test", password: "carol's password" },
};

async function login(
  who: keyof typeof users,
  options: { scope?: string; client?: { client_id: string; client_secret: string }; ip?: string } = {},
) {
  const client = options.client ?? seed.postClient;
  const { status, body } = await json(
    h.token(
      {
        grant_type: "password",
        ...users[who],
        audience: "https://api.example.com",
        scope: options.scope ?? "openid read:things",
        client_id: client.client_id,
        client_secret: client.client_secret,
      },
      { remoteAddress: options.ip },
    ),
  );
  return {
    status,
    body,
    access: status === 200 ? decodeJwt(body.access_token) : {},
    id: status === 200 && body.id_token ? decodeJwt(body.id_token) : {},
  };
}

const patchUser = (id: string, body: unknown) => h.admin("PATCH", `/users/${encodeURIComponent(id)}`, body);

test("every template in rules/auth0-rules compiles as Auth0 stored it", async () => {
  const names = readdirSync(folder).filter((file) => file.endsWith(".js"));
  expect(names.length).toBeGreaterThanOrEqual(10);
  for (const file of names) {
    const tried = await json(
      h.admin("POST", "/rules/try", { script: readFileSync(join(folder, file), "utf8") }),
    );
    expect(tried.status, `${file}: ${JSON.stringify(tried.body)}`).toBe(200);
  }
});

describe("Auth0's rule templates, unchanged", () => {
  test("add email to access token", async () => {
    await only("add-email-to-access-token");
    expect((await login("alice")).access["https://example.com/email"]).toBe("alice@example.com");
  });

  test("roles from app_metadata in both tokens", async () => {
    await only("add-roles-from-app-metadata");
    const { access, id } = await login("alice");
    expect(access["https://example.com/roles"]).toEqual(["admin"]);
    expect(id["https://example.com/roles"]).toEqual(["admin"]);
    expect((await login("carol")).access["https://example.com/roles"]).toEqual([]);
  });

  test("email domain allowlist", async () => {
    await only("email-domain-allowlist");
    expect((await login("alice")).status).toBe(200);
    expect((await login("carol")).body).toEqual({
      error: "access_denied",
      error_description: "Access denied.",
    });
  });

  test("require a verified email", async () => {
    await only("require-verified-email");
    expect((await login("carol")).status).toBe(200);
    expect((await login("alice")).body).toEqual({
      error: "access_denied",
      error_description: "Please verify your email before logging in.",
    });
  });

  test("allowlist for one application", async () => {
    await only("allowlist-for-one-app");
    const backOffice = (await json(h.admin("POST", "/clients", { name: "Back office" }))).body;
    expect((await login("alice", { client: backOffice })).status).toBe(200);
    expect((await login("carol", { client: backOffice })).status).toBe(403);
    expect((await login("carol")).status).toBe(200);
  });

  test("IP address allowlist from a configuration value", async () => {
    await only("ip-address-allowlist");
    await h.admin("PUT", "/rules-configs/ALLOWED_IPS", { value: "198.51.100.7, 203.0.113.9" });
    expect((await login("alice", { ip: "203.0.113.9" })).status).toBe(200);
    expect((await login("alice", { ip: "192.0.2.1" })).body).toEqual({
      error: "access_denied",
      error_description: "Access denied from this IP address.",
    });
  });

  test("persistent user attributes", async () => {
    await only("persist-user-attributes");
    expect((await login("carol")).status).toBe(200);
    const stored = (await json(h.admin("GET", `/users/${encodeURIComponent(carol.user_id)}`))).body;
    expect(stored.user_metadata.color).toBe("purple");
    await patchUser(carol.user_id, { user_metadata: { color: "green" } });
    await login("carol");
    expect(
      (await json(h.admin("GET", `/users/${encodeURIComponent(carol.user_id)}`))).body.user_metadata.color,
    ).toBe("green");
  });

  test("first login flag and a login counter in app_metadata (an async rule)", async () => {
    await only("first-login-flag");
    const dave = (
      await json(h.admin("POST", "/users", { email: "dave@example.com", password: "dave's password" }))
    ).body;
    const daveLogin = () =>
      json(
        h.token({
          grant_type: "password",
          username: "dave@example.com",
          password: "dave's password",
          audience: "https://api.example.com",
          scope: "openid",
          client_id: seed.postClient.client_id,
          client_secret: seed.postClient.client_secret,
        }),
      );
    const first = await daveLogin();
    expect(decodeJwt(first.body.id_token)["https://example.com/first_login"]).toBe(true);
    const second = await daveLogin();
    expect(decodeJwt(second.body.id_token)["https://example.com/first_login"]).toBe(false);
    const stored = (await json(h.admin("GET", `/users/${encodeURIComponent(dave.user_id)}`))).body;
    expect(stored.app_metadata.logins).toBe(2);
  });

  test("scopes from roles (an arrow function)", async () => {
    await only("scopes-from-roles");
    expect((await login("alice", { scope: "openid read:things write:things" })).body.scope).toBe(
      "read:things openid",
    );
    await patchUser(seed.alice.user_id, { app_metadata: { roles: ["admin", "editor"] } });
    expect((await login("alice", { scope: "openid read:things" })).body.scope).toBe(
      "read:things write:things openid",
    );
    await patchUser(seed.alice.user_id, { app_metadata: { roles: ["admin"] } });
  });

  test("deny suspended users", async () => {
    await only("deny-suspended-users");
    expect((await login("carol")).status).toBe(200);
    await patchUser(carol.user_id, { app_metadata: { suspended: true } });
    expect((await login("carol")).body.error_description).toBe("This account is suspended.");
    await patchUser(carol.user_id, { app_metadata: { suspended: null } });
  });

  test("a cache in global, and several templates together in order", async () => {
    await only("deny-suspended-users", "cache-in-global", "add-email-to-access-token", "refresh-aware");
    const alice = await login("alice", { scope: "openid offline_access read:things" });
    expect(alice.access["https://example.com/plan"]).toBe("enterprise");
    expect(alice.access["https://example.com/email"]).toBe("alice@example.com");
    expect(alice.access["https://example.com/refreshed"]).toBeUndefined();
    expect((await login("carol")).access["https://example.com/plan"]).toBe("free");
    const refreshed = await json(
      h.token({
        grant_type: "refresh_token",
        refresh_token: alice.body.refresh_token,
        client_id: seed.postClient.client_id,
        client_secret: seed.postClient.client_secret,
      }),
    );
    const access = decodeJwt(refreshed.body.access_token);
    expect(access["https://example.com/refreshed"]).toBe(true);
    expect(access["https://example.com/plan"]).toBe("enterprise");
  });
});
