import { afterAll, beforeAll, expect, test } from "bun:test";
import { decodeJwt } from "jose";
import { createHarness, type Harness, type SeededTenant, seedTenant } from "../support/harness.ts";

let h: Harness;
let seed: SeededTenant;
let m2m: { client_id: string; client_secret: string };
const API = "https://api.example.com";

const json = async (response: Response | Promise<Response>) => (await response).json();
const exchange = (params: Record<string, string> = {}, client = m2m) =>
  h.token({
    grant_type: "client_credentials",
    client_id: client.client_id,
    client_secret: client.client_secret,
    audience: API,
    ...params,
  });

beforeAll(async () => {
  h = await createHarness();
  seed = await seedTenant(h);
  m2m = await json(
    h.admin("POST", "/clients", {
      name: "m2m",
      app_type: "non_interactive",
      grant_types: ["client_credentials"],
    }),
  );
  const grant = await h.admin("POST", "/client-grants", {
    client_id: m2m.client_id,
    audience: API,
    scope: ["read:things", "write:things"],
  });
  expect(grant.status).toBe(201);
});
afterAll(() => h.close());

test("a machine-to-machine client gets an access token for its granted API, Auth0's claims", async () => {
  const response = await exchange();
  expect(response.status).toBe(200);
  expect(response.headers.get("cache-control")).toBe("no-store");
  const body = await response.json();
  expect(Object.keys(body).sort()).toEqual(["access_token", "expires_in", "scope", "token_type"]);
  expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3600, scope: "read:things write:things" });
  const claims = decodeJwt(body.access_token);
  expect(claims).toMatchObject({
    iss: "http://localhost/",
    sub: `${m2m.client_id}@clients`,
    aud: API,
    azp: m2m.client_id,
    client_id: m2m.client_id,
    gty: "client-credentials",
    scope: "read:things write:things",
  });
  expect(claims.exp! - claims.iat!).toBe(3600);
});

test("a client_secret_basic client authenticates with HTTP Basic", async () => {
  const basic = await json(
    h.admin("POST", "/clients", {
      name: "m2m basic",
      token_endpoint_auth_method: "client_secret_basic",
      grant_types: ["client_credentials"],
    }),
  );
  await h.admin("POST", "/client-grants", {
    client_id: basic.client_id,
    audience: API,
    scope: ["read:things"],
  });
  const response = await h.token(
    { grant_type: "client_credentials", audience: API },
    { form: true, headers: { authorization: `Basic ${btoa(`${basic.client_id}:${basic.client_secret}`)}` } },
  );
  expect(response.status).toBe(200);
  expect((await response.json()).scope).toBe("read:things");
});

test("requested scopes narrow the grant; a scope the grant lacks is access_denied, as Auth0 answers", async () => {
  expect((await json(exchange({ scope: "read:things" }))).scope).toBe("read:things");
  const refused = await exchange({ scope: "read:things delete:things" });
  expect(refused.status).toBe(403);
  expect(await refused.json()).toEqual({
    error: "access_denied",
    error_description: "Client has not been granted scopes: delete:things",
  });
  const malformed = await exchange({ scope: 'read:"things' });
  expect(malformed.status).toBe(400);
  expect((await malformed.json()).error).toBe("invalid_scope");
});

test("openid and offline_access are never granted: a client's own token has no ID or refresh token", async () => {
  const response = await exchange({ scope: "openid offline_access read:things" });
  expect(response.status).toBe(403);
  expect(await response.json()).toEqual({
    error: "access_denied",
    error_description: "Client has not been granted scopes: openid, offline_access",
  });
});

test("a client without the grant type is unauthorized_client", async () => {
  const response = await exchange({}, seed.postClient);
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({
    error: "unauthorized_client",
    error_description: "The client is not allowed the client_credentials grant.",
  });
});

test("a public client may not use it even when it lists it (RFC 6749 section 4.4)", async () => {
  const publicM2m = await json(
    h.admin("POST", "/clients", {
      name: "public m2m",
      token_endpoint_auth_method: "none",
      grant_types: ["client_credentials"],
    }),
  );
  const response = await h.token({
    grant_type: "client_credentials",
    client_id: publicM2m.client_id,
    audience: API,
  });
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({
    error: "unauthorized_client",
    error_description: "A public client cannot use the client_credentials grant.",
  });
});

test("a wrong secret is invalid_client", async () => {
  const response = await exchange({ client_secret: "wrong" });
  expect(response.status).toBe(401);
  expect((await response.json()).error).toBe("invalid_client");
});

test("no client grant for the API is access_denied (403), in Auth0's words", async () => {
  await h.admin("POST", "/resource-servers", { identifier: "https://other.example.com", scopes: [] });
  const response = await exchange({ audience: "https://other.example.com" });
  expect(response.status).toBe(403);
  expect(await response.json()).toEqual({
    error: "access_denied",
    error_description:
      // RFC 6749 section 5.2 keeps '"' out of error_description: Auth0's quotes become single ones.
      "Client is not authorized to access 'https://other.example.com'. You need to create a 'client-grant' associated to this API.",
  });
});

test("an unknown API, or none at all without a default audience, is access_denied", async () => {
  const unknown = await exchange({ audience: "https://nowhere.example.com" });
  expect(unknown.status).toBe(403);
  expect(await unknown.json()).toEqual({
    error: "access_denied",
    error_description: "Service not found: https://nowhere.example.com",
  });
  const none = await h.token({
    grant_type: "client_credentials",
    client_id: m2m.client_id,
    client_secret: m2m.client_secret,
  });
  expect(none.status).toBe(403);
  expect(await none.json()).toEqual({
    error: "access_denied",
    error_description: "No audience parameter was provided, and no default audience has been configured",
  });
});

test("the tenant's default audience is used when the request names none", async () => {
  await h.admin("PATCH", "/tenants/settings", { default_audience: API });
  const response = await h.token({
    grant_type: "client_credentials",
    client_id: m2m.client_id,
    client_secret: m2m.client_secret,
  });
  expect(response.status).toBe(200);
  expect(decodeJwt((await response.json()).access_token).aud).toBe(API);
  const reset = await h.admin("PATCH", "/tenants/settings", { default_audience: "" });
  expect(reset.status).toBe(200);
});

test("the token is accepted by introspection as active, with its client", async () => {
  const { access_token } = await json(exchange());
  const response = await h.request("/oauth/introspect", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      token: access_token,
      client_id: m2m.client_id,
      client_secret: m2m.client_secret,
    }),
  });
  const body = await response.json();
  expect(body).toMatchObject({ active: true, client_id: m2m.client_id, sub: `${m2m.client_id}@clients` });
});

test("successes are logged as seccft, failures as feccft, and both counted by grant type", async () => {
  await exchange();
  await exchange({ client_secret: "wrong" });
  const logs = (await json(h.admin("GET", "/logs?per_page=100"))) as Array<Record<string, unknown>>;
  const success = logs.find((log) => log.type === "seccft");
  expect(success).toMatchObject({
    client_id: m2m.client_id,
    client_name: "m2m",
    audience: API,
    description: "Client credentials exchanged for an access token",
  });
  expect(logs.find((log) => log.type === "feccft")).toMatchObject({ client_id: m2m.client_id });
  const metrics = await h.deps.metrics.registry.metrics();
  expect(metrics).toContain(
    'rulegate_token_requests_total{grant_type="client_credentials",outcome="success"}',
  );
  expect(metrics).toContain(
    'rulegate_token_requests_total{grant_type="client_credentials",outcome="invalid_client"}',
  );
});
