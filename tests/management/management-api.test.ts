import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHarness, type Harness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

async function expectApiError(response: Response, status: number, message?: RegExp) {
  expect(response.status).toBe(status);
  const body = await response.json();
  expect(body.statusCode).toBe(status);
  expect(typeof body.error).toBe("string");
  expect(typeof body.message).toBe("string");
  if (message) expect(body.message).toMatch(message);
  return body;
}

describe("management API authentication", () => {
  test("no key, a wrong key or another scheme → 401 in Auth0's shape", async () => {
    for (const authorization of [undefined, "Bearer wrong-key", "Basic dGVzdA=="]) {
      const headers: Record<string, string> = authorization ? { authorization } : {};
      for (const path of ["/users", "/clients", "/resource-servers", "/tenants/settings"]) {
        const response = await h.request(`/api/v2${path}`, { headers });
        await expectApiError(response, 401);
      }
    }
  });

  test("a write without the key changes nothing", async () => {
    const response = await h.request("/api/v2/users", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "sneaky@example.com", password: "password123" }),
    });
    expect(response.status).toBe(401);
    expect(await (await h.admin("GET", "/users")).json()).toEqual([]);
  });
});

describe("/api/v2/users", () => {
  test("create, read, list, update, delete; the password never comes back", async () => {
    const created = await h.admin("POST", "/users", {
      email: "Carol@Example.com",
      password: "first password",
      user_metadata: { theme: "dark", lang: "en" },
      connection: "Username-Password-Authentication",
    });
    expect(created.status).toBe(201);
    const user = await created.json();
    expect(Object.keys(user).sort()).toEqual(
      [
        "app_metadata",
        "blocked",
        "created_at",
        "email",
        "email_verified",
        "identities",
        "name",
        "updated_at",
        "user_id",
        "user_metadata",
      ].sort(),
    );
    expect(user).toMatchObject({
      email: "carol@example.com",
      name: "Carol@Example.com",
      blocked: false,
      app_metadata: {},
    });
    expect(JSON.stringify(user)).not.toContain("first password");
    expect(JSON.stringify(user)).not.toContain("argon2");

    const fetched = await (await h.admin("GET", `/users/${user.user_id}`)).json();
    expect(fetched).toEqual(user);

    const patched = await h.admin("PATCH", `/users/${user.user_id}`, {
      name: "Carol",
      user_metadata: { lang: null, tz: "UTC" },
      password: "second password",
    });
    expect(patched.status).toBe(200);
    const updated = await patched.json();
    expect(updated.name).toBe("Carol");
    expect(updated.user_metadata).toEqual({ theme: "dark", tz: "UTC" });
    expect(JSON.stringify(updated)).not.toContain("second password");

    const list = await (await h.admin("GET", "/users?per_page=10&page=0")).json();
    expect(list.map((entry: { user_id: string }) => entry.user_id)).toContain(user.user_id);

    expect((await h.admin("DELETE", `/users/${user.user_id}`)).status).toBe(204);
    await expectApiError(await h.admin("GET", `/users/${user.user_id}`), 404);
    await expectApiError(await h.admin("DELETE", `/users/${user.user_id}`), 404);
  });

  test("PATCH password changes what the token endpoint accepts", async () => {
    const api = await (await h.admin("POST", "/resource-servers", { identifier: "urn:pw-test" })).json();
    const client = await (await h.admin("POST", "/clients", { name: "pw test" })).json();
    const user = await (
      await h.admin("POST", "/users", { email: "dave@example.com", password: "old password" })
    ).json();
    const exchange = (password: string) =>
      h.token({
        grant_type: "password",
        username: "dave@example.com",
        password,
        audience: api.identifier,
        client_id: client.client_id,
        client_secret: client.client_secret,
      });
    expect((await exchange("old password")).status).toBe(200);
    await h.admin("PATCH", `/users/${user.user_id}`, { password: "new password" });
    expect((await exchange("old password")).status).toBe(400);
    expect((await exchange("new password")).status).toBe(200);
  });

  test("bad input → 400 naming the field; duplicate email → 409", async () => {
    await expectApiError(await h.admin("POST", "/users", { password: "password123" }), 400, /email/);
    await expectApiError(
      await h.admin("POST", "/users", { email: "not-an-email", password: "password123" }),
      400,
      /email/,
    );
    await expectApiError(
      await h.admin("POST", "/users", { email: "e@example.com", password: "short" }),
      400,
      /^PasswordStrengthError: Password is too weak$/,
    );
    await expectApiError(
      await h.admin("POST", "/users", { email: "e@example.com", password: "password123", extra: 1 }),
      400,
    );
    await expectApiError(await h.admin("PATCH", "/users/usr_missing", { name: "x" }), 404);
    const malformed = await h.request("/api/v2/users", {
      method: "POST",
      headers: {
        authorization: "Bearer test-admin-key-0123456789abcdef",
        "content-type": "application/json",
      },
      body: "{oops",
    });
    await expectApiError(malformed, 400);
    expect(
      (await h.admin("POST", "/users", { email: "erin@example.com", password: "password123" })).status,
    ).toBe(201);
    await expectApiError(
      await h.admin("POST", "/users", { email: "ERIN@example.com", password: "password123" }),
      409,
    );
  });

  test("pagination with include_totals", async () => {
    for (let i = 0; i < 3; i++) {
      await h.admin("POST", "/users", { email: `page${i}@example.com`, password: "password123" });
    }
    const all = await (await h.admin("GET", "/users?include_totals=true&per_page=100")).json();
    const page = await (await h.admin("GET", "/users?include_totals=true&per_page=2&page=1")).json();
    expect(page).toMatchObject({ start: 2, limit: 2, length: 2, total: all.total });
    expect(page.users).toEqual(all.users.slice(2, 4));
    await expectApiError(await h.admin("GET", "/users?per_page=1000"), 400, /per_page/);
  });
});

describe("/api/v2/clients", () => {
  test("the secret is shown on creation and rotation only, and stored hashed", async () => {
    const created = await h.admin("POST", "/clients", {
      name: "CLI app",
      token_endpoint_auth_method: "client_secret_basic",
      grant_types: ["password"],
      client_metadata: { tier: "gold" },
    });
    expect(created.status).toBe(201);
    const client = await created.json();
    expect(client.client_secret.length).toBeGreaterThanOrEqual(43);
    expect(client).toMatchObject({
      name: "CLI app",
      grant_types: ["password"],
      client_metadata: { tier: "gold" },
    });

    const fetched = await (await h.admin("GET", `/clients/${client.client_id}`)).json();
    expect(fetched.client_secret).toBeUndefined();
    const listed = await (await h.admin("GET", "/clients")).json();
    expect(JSON.stringify(listed)).not.toContain(client.client_secret);

    const rows = await h.deps.db.orm.select().from(h.deps.db.tables.clients);
    expect(JSON.stringify(rows)).not.toContain(client.client_secret);

    const rotated = await (await h.admin("POST", `/clients/${client.client_id}/rotate-secret`)).json();
    expect(rotated.client_secret).toBeDefined();
    expect(rotated.client_secret).not.toBe(client.client_secret);

    const patched = await (
      await h.admin("PATCH", `/clients/${client.client_id}`, { name: "Renamed" })
    ).json();
    expect(patched.name).toBe("Renamed");
    expect(patched.client_secret).toBeUndefined();

    expect((await h.admin("DELETE", `/clients/${client.client_id}`)).status).toBe(204);
    await expectApiError(await h.admin("GET", `/clients/${client.client_id}`), 404);
  });

  test("a public client has no secret; making it confidential issues one", async () => {
    const client = await (
      await h.admin("POST", "/clients", { name: "SPA", token_endpoint_auth_method: "none" })
    ).json();
    expect(client.client_secret).toBeUndefined();
    await expectApiError(await h.admin("POST", `/clients/${client.client_id}/rotate-secret`), 400);
    const patched = await (
      await h.admin("PATCH", `/clients/${client.client_id}`, {
        token_endpoint_auth_method: "client_secret_post",
      })
    ).json();
    expect(typeof patched.client_secret).toBe("string");
  });

  test("bad input → 400", async () => {
    await expectApiError(await h.admin("POST", "/clients", {}), 400, /name/);
    await expectApiError(
      await h.admin("POST", "/clients", { name: "x", token_endpoint_auth_method: "private_key_jwt" }),
      400,
      /token_endpoint_auth_method/,
    );
    await expectApiError(await h.admin("POST", "/clients", { name: "x", grant_types: ["magic"] }), 400);
    await expectApiError(await h.admin("POST", "/clients", { name: "x", client_metadata: { n: 1 } }), 400);
  });
});

describe("/api/v2/resource-servers", () => {
  test("CRUD by id or identifier; duplicates → 409", async () => {
    const created = await h.admin("POST", "/resource-servers", {
      identifier: "https://orders.example.com",
      name: "Orders",
      scopes: [{ value: "read:orders", description: "Read orders" }],
    });
    expect(created.status).toBe(201);
    const api = await created.json();
    expect(api).toMatchObject({
      identifier: "https://orders.example.com",
      token_lifetime: 86400,
      allow_offline_access: false,
      signing_alg: "RS256",
    });
    const byIdentifier = await h.admin("GET", `/resource-servers/${encodeURIComponent(api.identifier)}`);
    expect((await byIdentifier.json()).id).toBe(api.id);
    await expectApiError(
      await h.admin("POST", "/resource-servers", { identifier: "https://orders.example.com" }),
      409,
    );
    const patched = await (
      await h.admin("PATCH", `/resource-servers/${api.id}`, {
        token_lifetime: 600,
        allow_offline_access: true,
      })
    ).json();
    expect(patched).toMatchObject({ token_lifetime: 600, allow_offline_access: true });
    expect((await h.admin("DELETE", `/resource-servers/${api.id}`)).status).toBe(204);
    await expectApiError(await h.admin("GET", `/resource-servers/${api.id}`), 404);
  });

  test("bad input → 400", async () => {
    await expectApiError(await h.admin("POST", "/resource-servers", { name: "x" }), 400, /identifier/);
    await expectApiError(
      await h.admin("POST", "/resource-servers", {
        identifier: "urn:x",
        scopes: [{ value: "has space", description: "" }],
      }),
      400,
    );
    await expectApiError(
      await h.admin("POST", "/resource-servers", {
        identifier: "urn:x",
        scopes: [
          { value: "a", description: "" },
          { value: "a", description: "" },
        ],
      }),
      400,
      /unique/,
    );
    await expectApiError(
      await h.admin("POST", "/resource-servers", { identifier: "urn:x", token_lifetime: 5 }),
      400,
    );
    await expectApiError(
      await h.admin("POST", "/resource-servers", { identifier: "urn:x", signing_alg: "HS256" }),
      400,
    );
  });
});

describe("/api/v2/tenants/settings", () => {
  test("read and update friendly_name and default_audience", async () => {
    const settings = await (await h.admin("GET", "/tenants/settings")).json();
    const protection = { enabled: true, max_attempts: 10, ip_max_failures: 100, ip_block_seconds: 900 };
    expect(settings).toEqual({
      friendly_name: "default",
      default_audience: "",
      brute_force_protection: protection,
    });
    const patched = await (
      await h.admin("PATCH", "/tenants/settings", {
        friendly_name: "Acme",
        default_audience: "urn:acme",
        brute_force_protection: { max_attempts: 5 },
      })
    ).json();
    expect(patched).toEqual({
      friendly_name: "Acme",
      default_audience: "urn:acme",
      brute_force_protection: { ...protection, max_attempts: 5 },
    });
    await expectApiError(
      await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts: 0 } }),
      400,
    );
    await expectApiError(await h.admin("PATCH", "/tenants/settings", { nope: true }), 400);
  });
});

test("unknown routes answer 404 JSON, never HTML", async () => {
  const response = await h.request("/nowhere");
  expect(response.status).toBe(404);
  expect(response.headers.get("content-type")).toContain("application/json");
});
