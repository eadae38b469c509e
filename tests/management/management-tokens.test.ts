import { afterAll, beforeAll, expect, test } from "bun:test";
import { MANAGEMENT_ROUTE_SCOPES } from "../../src/management/management-scopes.ts";
import { createHarness, type Harness } from "../support/harness.ts";

let h: Harness;
const AUDIENCE = "http://localhost/api/v2/";
let m2m: { client_id: string; client_secret: string };
const json = async (response: Response | Promise<Response>) => (await response).json();

/** A Management API token with `scope` (a space-delimited subset of the grant's). */
const managementToken = async (scope?: string) => {
  const response = await h.token({
    grant_type: "client_credentials",
    client_id: m2m.client_id,
    client_secret: m2m.client_secret,
    audience: AUDIENCE,
    ...(scope === undefined ? {} : { scope }),
  });
  expect(response.status).toBe(200);
  return (await response.json()).access_token as string;
};
const call = (token: string, method: string, path: string, body?: unknown) =>
  h.request(`/api/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

beforeAll(async () => {
  h = await createHarness();
  m2m = await json(h.admin("POST", "/clients", { name: "backend", grant_types: ["client_credentials"] }));
  const granted = await h.admin("POST", "/client-grants", {
    client_id: m2m.client_id,
    audience: AUDIENCE,
    scope: ["read:users", "create:users", "read:clients", "read:client_grants"],
  });
  expect(granted.status).toBe(201);
});
afterAll(() => h.close());

test("every Management API route has its scopes in the one table, and the table has no stale route", () => {
  const served = h.app.routes
    .map((route) => `${route.method.toUpperCase()} ${route.path}`)
    .filter((route) => route.includes(" /api/v2"))
    .sort();
  expect(Object.keys(MANAGEMENT_ROUTE_SCOPES).sort()).toEqual(served);
});

test("a client credentials token for <issuer>api/v2/ calls the routes its scopes allow", async () => {
  const token = await managementToken();
  const users = await call(token, "GET", "/users");
  expect(users.status).toBe(200);
  const created = await call(token, "POST", "/users", {
    email: "m2m@example.com",
    password: "a long password",
  });
  expect(created.status).toBe(201);
  expect((await call(token, "GET", "/clients")).status).toBe(200);
});

test("a route outside the token's scope is Auth0's 403 insufficient_scope", async () => {
  const token = await managementToken("read:users");
  const response = await call(token, "POST", "/users", {
    email: "x@example.com",
    password: "a long password",
  });
  expect(response.status).toBe(403);
  expect(await response.json()).toEqual({
    statusCode: 403,
    error: "Forbidden",
    message: "Insufficient scope, expected any of: create:users",
    errorCode: "insufficient_scope",
  });
  const settings = await call(token, "GET", "/tenants/settings");
  expect(settings.status).toBe(403);
  expect((await settings.json()).message).toBe("Insufficient scope, expected any of: read:tenant_settings");
});

test("a token for another API, an expired, revoked or forged one is a 401", async () => {
  await h.admin("POST", "/resource-servers", { identifier: "https://api.example.com", scopes: [] });
  await h.admin("POST", "/client-grants", {
    client_id: m2m.client_id,
    audience: "https://api.example.com",
    scope: [],
  });
  const other = await h.token({
    grant_type: "client_credentials",
    client_id: m2m.client_id,
    client_secret: m2m.client_secret,
    audience: "https://api.example.com",
  });
  const otherToken = (await other.json()).access_token;
  const invalid = {
    statusCode: 401,
    error: "Unauthorized",
    message: "Invalid token",
    errorCode: "invalid_token",
  };
  const wrongAudience = await call(otherToken, "GET", "/users");
  expect(wrongAudience.status).toBe(401);
  expect(await wrongAudience.json()).toEqual(invalid);

  const token = await managementToken();
  const [header, payload] = token.split(".");
  const forged = await call(`${header}.${payload}.AAAA`, "GET", "/users");
  expect(forged.status).toBe(401);

  const revoked = await managementToken();
  const revocation = await h.request("/oauth/revoke", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: revoked, client_id: m2m.client_id, client_secret: m2m.client_secret }),
  });
  expect(revocation.status).toBe(200);
  expect((await call(revoked, "GET", "/users")).status).toBe(401);
});

test("the admin key stays the root credential; no credential is still a 401", async () => {
  expect((await h.admin("GET", "/tenants/settings")).status).toBe(200);
  const none = await h.request("/api/v2/users");
  expect(none.status).toBe(401);
  expect(await none.json()).toEqual({
    statusCode: 401,
    error: "Unauthorized",
    message: "Missing or invalid management API key.",
    errorCode: "invalid_token",
  });
});

test("the Management API cannot be asked for with a password: it is for clients' own tokens", async () => {
  await h.admin("POST", "/users", { email: "pw@example.com", password: "a long password" });
  const client = await json(h.admin("POST", "/clients", { name: "pw" }));
  const response = await h.token({
    grant_type: "password",
    username: "pw@example.com",
    password: "a long password",
    audience: AUDIENCE,
    client_id: client.client_id,
    client_secret: client.client_secret,
  });
  expect(response.status).toBe(403);
  expect((await response.json()).error).toBe("access_denied");
});
