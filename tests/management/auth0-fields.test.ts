import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { LogEntry } from "../../src/logs/log-view.ts";
import type { Client } from "../../src/management/clients.ts";
import type { ResourceServer } from "../../src/management/resource-servers.ts";
import type { User } from "../../src/management/users.ts";
import { expectDocumented } from "../support/contract.ts";
import { ADMIN_KEY, createHarness, type Harness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

/** An admin call whose answer must match openapi.yaml. */
async function admin<Body = Record<string, unknown>>(method: string, path: string, body?: unknown) {
  const response = await h.admin(method, path, body);
  const status = response.status;
  return { status, body: (await expectDocumented(method, `/api/v2${path}`, response)) as Body };
}

/** A 400 in Auth0's shape whose message names `property`. */
async function expectInvalid(method: string, path: string, body: unknown, property: string) {
  const answer = await admin(method, path, body);
  expect(answer.status).toBe(400);
  expect(answer.body).toMatchObject({ statusCode: 400, error: "Bad Request", errorCode: "invalid_body" });
  expect(answer.body.message).toContain(property);
}

describe("users: Auth0's fields", () => {
  test("a new user's id is auth0| and 24 hex digits; identities are Auth0's shape", async () => {
    const created = await admin<User>("POST", "/users", {
      email: "ids@example.com",
      password: "password123",
      connection: "Username-Password-Authentication",
      verify_email: false,
    });
    expect(created.status).toBe(201);
    expect(created.body.user_id).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(created.body.identities).toEqual([
      {
        connection: "Username-Password-Authentication",
        user_id: created.body.user_id.slice("auth0|".length),
        provider: "auth0",
        isSocial: false,
      },
    ]);
    const given = await admin<User>("POST", "/users", {
      email: "given@example.com",
      password: "password123",
      user_id: "5f1a2b3c",
    });
    expect(given.body.user_id).toBe("auth0|5f1a2b3c");
    expect(given.body.identities[0]?.user_id).toBe("5f1a2b3c");
  });

  test("profile fields are stored and echoed; PATCH ignores read-only fields and null removes", async () => {
    const created = await admin<User>("POST", "/users", {
      email: "profile@example.com",
      password: "password123",
      given_name: "Pat",
      family_name: "Doe",
      nickname: "pd",
      picture: "https://example.com/pat.png",
      username: "pat_doe",
      phone_number: "+15551234567",
      phone_verified: true,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      given_name: "Pat",
      family_name: "Doe",
      nickname: "pd",
      picture: "https://example.com/pat.png",
      username: "pat_doe",
      phone_number: "+15551234567",
      phone_verified: true,
    });
    const exported = (await admin<User>("GET", `/users/${created.body.user_id}`)).body;
    // What an export tool sends back: the whole user, read-only fields included.
    const patched = await admin<User>("PATCH", `/users/${created.body.user_id}`, {
      ...exported,
      user_id: "auth0|someone-else",
      logins_count: 99,
      last_login: "2020-01-01T00:00:00.000Z",
      last_ip: "192.0.2.1",
      nickname: null,
      given_name: "Patricia",
    });
    expect(patched.status).toBe(200);
    expect(patched.body.user_id).toBe(created.body.user_id);
    expect(patched.body.given_name).toBe("Patricia");
    expect(patched.body.nickname).toBeUndefined();
    expect(patched.body.logins_count).toBeUndefined();
    expect(patched.body.created_at).toBe(created.body.created_at);
  });

  test("invalid values are refused naming the field; a taken username is a 409", async () => {
    const base = { email: "bad@example.com", password: "password123" };
    await expectInvalid("POST", "/users", { ...base, phone_number: "call me" }, "phone_number");
    await expectInvalid("POST", "/users", { ...base, picture: "not a url" }, "picture");
    await expectInvalid("POST", "/users", { ...base, username: "has@sign" }, "username");
    await expectInvalid("POST", "/users", { ...base, user_id: "bad id" }, "user_id");
    await admin("POST", "/users", { email: "u1@example.com", password: "password123", username: "taken" });
    const taken = await admin("POST", "/users", {
      email: "u2@example.com",
      password: "password123",
      username: "taken",
    });
    expect(taken.status).toBe(409);
  });

  test("a password exchange counts logins_count, last_login and last_ip", async () => {
    const api = (await admin("POST", "/resource-servers", { identifier: "urn:logins" })).body;
    const client = (await admin("POST", "/clients", { name: "logins" })).body;
    const user = (
      await admin<User>("POST", "/users", { email: "logs-in@example.com", password: "password123" })
    ).body;
    expect(user.logins_count).toBeUndefined();
    for (let i = 0; i < 2; i++) {
      const answer = await h.token(
        {
          grant_type: "password",
          username: "logs-in@example.com",
          password: "password123",
          audience: api.identifier as string,
          client_id: client.client_id as string,
          client_secret: client.client_secret as string,
        },
        { remoteAddress: "198.51.100.7" },
      );
      expect(answer.status).toBe(200);
    }
    const after = (await admin<User>("GET", `/users/${user.user_id}`)).body;
    expect(after.logins_count).toBe(2);
    expect(after.last_ip).toBe("198.51.100.7");
    expect(Date.parse(after.last_login ?? "")).toBeGreaterThan(0);
    const found = await admin<User[]>(
      "GET",
      `/users?q=${encodeURIComponent("logins_count:[2 TO *] AND _exists_:last_login")}`,
    );
    expect(found.body.map((entry) => entry.email)).toEqual(["logs-in@example.com"]);
  });
});

describe("clients: Auth0's fields and list parameters", () => {
  const auth0Client = {
    name: "Exported SPA",
    app_type: "spa",
    description: "From Auth0",
    logo_uri: "https://example.com/logo.png",
    is_first_party: true,
    oidc_conformant: true,
    callbacks: ["https://app.example.com/callback"],
    allowed_origins: ["https://app.example.com"],
    web_origins: ["https://app.example.com"],
    allowed_logout_urls: ["https://app.example.com/bye"],
    jwt_configuration: { lifetime_in_seconds: 36000, secret_encoded: false, alg: "RS256" },
    refresh_token: {
      rotation_type: "rotating",
      expiration_type: "expiring",
      leeway: 3,
      token_lifetime: 2592000,
    },
    grant_types: [
      "password",
      "refresh_token",
      "http://auth0.com/oauth/grant-type/password-realm",
      "client_credentials",
    ],
  };

  test("stored and echoed; Auth0's grant type names are accepted", async () => {
    const created = await admin<Client>("POST", "/clients", auth0Client);
    expect(created.status).toBe(201);
    const { client_secret: _secret, client_id: _id, created_at: _c, updated_at: _u, ...shown } = created.body;
    expect(shown as Record<string, unknown>).toEqual({
      ...auth0Client,
      token_endpoint_auth_method: "client_secret_post",
      client_metadata: {},
      is_token_endpoint_ip_header_trusted: false,
      id_token_signed_response_alg: "RS256",
    });
    const fetched = await admin<Client>("GET", `/clients/${created.body.client_id}`);
    expect(fetched.body.refresh_token as Record<string, unknown>).toEqual(auth0Client.refresh_token);
  });

  test("PATCH ignores read-only fields and merges refresh_token settings", async () => {
    const created = (await admin<Client>("POST", "/clients", { name: "patch me" })).body;
    const patched = await admin<Client>("PATCH", `/clients/${created.client_id}`, {
      client_id: "cli_other",
      tenant: "acme",
      global: false,
      created_at: "2020-01-01T00:00:00.000Z",
      description: "described",
      refresh_token: { rotation_type: "non-rotating" },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      client_id: created.client_id,
      description: "described",
      refresh_token: { leeway: 0, rotation_type: "non-rotating" },
      created_at: created.created_at,
    });
    await expectInvalid(
      "PATCH",
      `/clients/${created.client_id}`,
      { jwt_configuration: { alg: "none" } },
      "jwt_configuration",
    );
    await expectInvalid("PATCH", `/clients/${created.client_id}`, { app_type: "Not A Type" }, "app_type");
  });

  test("is_global, is_first_party, app_type, q, checkpoint paging and fields", async () => {
    await admin("POST", "/clients", {
      name: "Third party M2M",
      app_type: "non_interactive",
      is_first_party: false,
    });
    const names = async (query: string) =>
      ((await admin<Client[]>("GET", `/clients?${query}`)).body as Client[]).map((client) => client.name);
    expect(await names("is_global=true")).toEqual([]);
    expect(await names("is_first_party=false")).toEqual(["Third party M2M"]);
    expect(await names("app_type=non_interactive,spa")).toEqual(["Exported SPA", "Third party M2M"]);
    expect(await names(`q=${encodeURIComponent('name:"exported spa"')}`)).toEqual(["Exported SPA"]);
    expect(await names(`q=${encodeURIComponent("app_type:spa OR is_first_party:false")}`)).toEqual([
      "Exported SPA",
      "Third party M2M",
    ]);
    const all = await names("per_page=100");
    const first = await admin<{ clients: Client[]; next?: string }>("GET", "/clients?take=2");
    expect(first.body.clients.map((client) => client.name)).toEqual(all.slice(0, 2));
    const second = await admin<{ clients: Client[]; next?: string }>(
      "GET",
      `/clients?take=2&from=${first.body.next}`,
    );
    expect(second.body.clients.map((client) => client.name)).toEqual(all.slice(2, 4));
    const projected = await admin<Array<Partial<Client>>>(
      "GET",
      "/clients?fields=name,app_type&is_first_party=false",
    );
    expect(projected.body).toEqual([{ name: "Third party M2M", app_type: "non_interactive" }]);
    const refused = await admin("GET", `/clients?q=${encodeURIComponent("name:x~")}`);
    expect(refused.body).toEqual({
      statusCode: 400,
      error: "Bad Request",
      message: "Query validation error: 'fuzzy searches (~) are not supported' on property q.",
      errorCode: "invalid_query_string",
    });
  });
});

describe("resource servers and tenant settings: Auth0's fields", () => {
  test("inert API fields are stored; identifiers filters; a different identifier on PATCH is refused", async () => {
    const created = await admin<ResourceServer>("POST", "/resource-servers", {
      identifier: "https://orders.example.com",
      skip_consent_for_verifiable_first_party_clients: true,
      token_lifetime_for_web: 7200,
      enforce_policies: true,
      token_dialect: "access_token_authz",
    });
    expect(created.body).toMatchObject({
      skip_consent_for_verifiable_first_party_clients: true,
      token_lifetime_for_web: 7200,
      enforce_policies: true,
      token_dialect: "access_token_authz",
    });
    await admin("POST", "/resource-servers", { identifier: "https://billing.example.com" });
    const identifiers = async (query: string) =>
      ((await admin<ResourceServer[]>("GET", `/resource-servers?${query}`)).body as ResourceServer[])
        .map((api) => api.identifier)
        .sort();
    expect(await identifiers("identifiers=https%3A%2F%2Forders.example.com")).toEqual([
      "https://orders.example.com",
    ]);
    expect(
      await identifiers(
        "identifiers=https%3A%2F%2Forders.example.com&identifiers=https%3A%2F%2Fbilling.example.com",
      ),
    ).toEqual(["https://billing.example.com", "https://orders.example.com"]);
    const one = await admin("GET", `/resource-servers/${created.body.id}?fields=identifier,token_dialect`);
    expect(one.body).toEqual({
      identifier: "https://orders.example.com",
      token_dialect: "access_token_authz",
    });
    const same = await admin<ResourceServer>("PATCH", `/resource-servers/${created.body.id}`, {
      ...created.body,
      token_dialect: "rfc9068_profile",
    });
    expect([same.status, same.body.token_dialect]).toEqual([200, "rfc9068_profile"]);
    await expectInvalid(
      "PATCH",
      `/resource-servers/${created.body.id}`,
      { identifier: "urn:other" },
      "identifier",
    );
    await expectInvalid(
      "POST",
      "/resource-servers",
      { identifier: "urn:x", token_dialect: "jwt" },
      "token_dialect",
    );
  });

  test("tenant settings keep Auth0's inert settings; flags merge", async () => {
    const patched = await admin("PATCH", "/tenants/settings", {
      support_email: "support@example.com",
      support_url: "https://example.com/support",
      picture_url: "https://example.com/logo.png",
      session_lifetime: 168,
      idle_session_lifetime: 72,
      enabled_locales: ["en", "fr-CA"],
      flags: { enable_client_connections: false, revoke_refresh_token_grant: true },
    });
    expect(patched.status).toBe(200);
    const again = await admin("PATCH", "/tenants/settings", { flags: { revoke_refresh_token_grant: false } });
    expect(again.body).toMatchObject({
      support_email: "support@example.com",
      enabled_locales: ["en", "fr-CA"],
      flags: { enable_client_connections: false, revoke_refresh_token_grant: false },
    });
    const fields = await admin("GET", "/tenants/settings?fields=support_url,session_lifetime");
    expect(fields.body).toEqual({ support_url: "https://example.com/support", session_lifetime: 168 });
    await expectInvalid("PATCH", "/tenants/settings", { support_email: "nope" }, "support_email");
  });
});

describe("logs: q, sort, fields, take and from as a checkpoint", () => {
  test("search and checkpoint paging over log events", async () => {
    const api = (await admin("POST", "/resource-servers", { identifier: "urn:log-search" })).body;
    const client = (await admin("POST", "/clients", { name: "log search" })).body;
    await admin("POST", "/users", { email: "logger@example.com", password: "password123" });
    const params = {
      grant_type: "password",
      username: "logger@example.com",
      audience: api.identifier as string,
      client_id: client.client_id as string,
      client_secret: client.client_secret as string,
    };
    expect((await h.token({ ...params, password: "password123" })).status).toBe(200);
    expect((await h.token({ ...params, password: "wrong password" })).status).toBe(400);
    const q = (query: string) => encodeURIComponent(query);
    const mine = `client_id:"${client.client_id}"`;
    const types = async (query: string) =>
      ((await admin<LogEntry[]>("GET", `/logs?${query}`)).body as LogEntry[]).map((entry) => entry.type);
    expect(await types(`q=${q(mine)}`)).toEqual(["fepft", "sepft"]);
    expect(await types(`q=${q(`${mine} AND type:fepft`)}`)).toEqual(["fepft"]);
    expect(await types(`q=${q(`${mine} AND date:[2000-01-01 TO *]`)}&sort=date:1`)).toEqual([
      "sepft",
      "fepft",
    ]);
    const oldest = (await admin<LogEntry[]>("GET", `/logs?q=${q(mine)}&sort=date:1`)).body;
    const after = await admin<LogEntry[]>("GET", `/logs?from=${oldest[0]?.log_id}&take=1&q=${q(mine)}`);
    expect(after.body.map((entry) => entry.log_id)).toEqual([oldest[1]!.log_id]);
    const projected = await admin<unknown>("GET", `/logs?q=${q(mine)}&fields=type&take=1`);
    expect(projected.body).toEqual([{ type: "fepft" }]);
    const one = await admin("GET", `/logs/${oldest[0]?.log_id}?fields=log_id,type`);
    expect(one.body).toEqual({ log_id: oldest[0]?.log_id, type: "sepft" });
    const unknown = await admin("GET", "/logs?from=log_nothing");
    expect(unknown.body).toEqual({
      statusCode: 400,
      error: "Bad Request",
      message: "Query validation error: 'no log event has the id log_nothing' on property from.",
      errorCode: "invalid_query_string",
    });
    expect((await admin("GET", `/logs?q=${q("type:sepft^4")}`)).status).toBe(400);
    expect((await admin<unknown>("GET", "/logs?to=2000-01-01T00:00:00Z")).body).toEqual([]);
    expect((await admin<unknown>("GET", "/logs?from_date=2999-01-01T00:00:00Z")).body).toEqual([]);
  });
});

describe("jobs: connection_id, errors with Auth0's path, 204 without errors", () => {
  async function importUsers(records: unknown[]) {
    const form = new FormData();
    form.append("users", new Blob([JSON.stringify(records)], { type: "application/json" }), "users.json");
    const response = await h.request("/api/v2/jobs/users-imports", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      body: form,
    });
    const job = (await expectDocumented("POST", "/api/v2/jobs/users-imports", response)) as { id: string };
    await h.deps.imports.idle();
    return job.id;
  }

  test("a job shows its connection; its errors carry path; a clean job's errors are a 204", async () => {
    const failing = await importUsers([
      { email: "not-an-email" },
      { email: "fine@example.com", blocked: "yes" },
    ]);
    const job = await admin("GET", `/jobs/${failing}`);
    expect(job.body).toMatchObject({
      connection_id: "con_rulegatedatabase",
      connection: "Username-Password-Authentication",
      status: "completed",
    });
    const errors = await admin<Array<{ line: number; errors: Array<{ path?: string }> }>>(
      "GET",
      `/jobs/${failing}/errors`,
    );
    expect(errors.body.map((entry) => [entry.line, entry.errors.map((error) => error.path)])).toEqual([
      [1, ["email"]],
      [2, ["blocked"]],
    ]);
    const clean = await importUsers([{ email: "clean@example.com" }]);
    const none = await h.admin("GET", `/jobs/${clean}/errors`);
    expect([none.status, await none.text()]).toEqual([204, ""]);
  });
});

/** A client, API or user without what the server assigns (ids, times; a client's secret). */
function withoutAssigned(row: Record<string, unknown>) {
  const {
    client_id: _clientId,
    client_secret: _secret,
    id: _id,
    user_id: _userId,
    identities: _identities,
    created_at: _created,
    updated_at: _updated,
    ...rest
  } = row;
  return rest;
}

const LONG_AGO = "2020-01-01T00:00:00.000Z";

describe("create ignores the read-only fields an export sends back, as Auth0 does", () => {
  test("clients: client_id, tenant, global, is_system, signing_keys, callback_url_template, created_at, updated_at", async () => {
    const original = (
      await admin<Client>("POST", "/clients", {
        name: "Exported then created",
        app_type: "spa",
        token_endpoint_auth_method: "none",
        callbacks: ["https://app.example.com/cb"],
      })
    ).body;
    const readOnly = {
      client_id: "cli_chosen",
      tenant: "acme",
      global: false,
      is_system: false,
      signing_keys: [{ cert: "-----BEGIN CERTIFICATE-----", kid: "k1" }],
      callback_url_template: false,
      created_at: LONG_AGO,
      updated_at: LONG_AGO,
    };
    const copy = await admin<Client>("POST", "/clients", { ...withoutAssigned(original), ...readOnly });
    expect(copy.status).toBe(201);
    expect(withoutAssigned(copy.body)).toEqual(withoutAssigned(original));
    expect(copy.body.client_id).not.toBe("cli_chosen");
    expect(copy.body.created_at).not.toBe(LONG_AGO);
    expect((await admin("GET", "/clients/cli_chosen")).status).toBe(404);
    await expectInvalid("POST", "/clients", { name: "bad", ...readOnly, app_type: "Not A Type" }, "app_type");
    await expectInvalid("POST", "/clients", { name: "bad", unknown_field: 1 }, "unknown_field");
  });

  test("resource servers: id, is_system, created_at, updated_at", async () => {
    const original = (
      await admin<ResourceServer>("POST", "/resource-servers", {
        identifier: "urn:exported",
        name: "Exported",
        scopes: [{ value: "read:x", description: "Read x" }],
        token_dialect: "access_token_authz",
      })
    ).body;
    const readOnly = { id: "api_chosen", is_system: false, created_at: LONG_AGO, updated_at: LONG_AGO };
    const copy = await admin<ResourceServer>("POST", "/resource-servers", {
      ...original,
      ...readOnly,
      identifier: "urn:exported-copy",
    });
    expect(copy.status).toBe(201);
    expect(withoutAssigned(copy.body)).toEqual({
      ...withoutAssigned(original),
      identifier: "urn:exported-copy",
    });
    expect(copy.body.id).not.toBe("api_chosen");
    expect(copy.body.created_at).not.toBe(LONG_AGO);
    await expectInvalid(
      "POST",
      "/resource-servers",
      { identifier: "urn:bad", ...readOnly, token_dialect: "jwt" },
      "token_dialect",
    );
  });

  test("users: identities, logins_count, last_login, last_ip, created_at, updated_at (user_id can be set)", async () => {
    const readOnly = {
      identities: [{ connection: "Other", user_id: "x", provider: "other", isSocial: true }],
      logins_count: 7,
      last_login: LONG_AGO,
      last_ip: "192.0.2.7",
      created_at: LONG_AGO,
      updated_at: LONG_AGO,
    };
    const created = await admin<User>("POST", "/users", {
      email: "exported@example.com",
      password: "password123",
      user_id: "exported1",
      nickname: "ex",
      ...readOnly,
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      user_id: "auth0|exported1",
      email: "exported@example.com",
      email_verified: false,
      name: "exported@example.com",
      nickname: "ex",
      user_metadata: {},
      app_metadata: {},
      blocked: false,
      identities: [
        {
          connection: "Username-Password-Authentication",
          user_id: "exported1",
          provider: "auth0",
          isSocial: false,
        },
      ],
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(created.body.created_at).not.toBe(LONG_AGO);
    await expectInvalid(
      "POST",
      "/users",
      { email: "bad2@example.com", password: "password123", ...readOnly, phone_number: "call me" },
      "phone_number",
    );
  });
});
