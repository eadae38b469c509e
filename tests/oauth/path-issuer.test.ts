import { afterAll, beforeAll, expect, test } from "bun:test";
import { createLocalJWKSet, jwtVerify } from "jose";
import { createHarness, type Harness } from "../support/harness.ts";

const ISSUER = "http://localhost/tenant1";
let h: Harness;
let client: { client_id: string; client_secret: string };

const json = async (response: Response | Promise<Response>) => (await response).json();

beforeAll(async () => {
  h = await createHarness({ ISSUER });
  await h.admin("POST", "/resource-servers", { identifier: "urn:api" });
  client = await json(h.admin("POST", "/clients", { name: "app" }));
  await h.admin("POST", "/users", { email: "kim@example.com", password: "kim password" });
});
afterAll(() => h.close());

const tokenAt = (path: string) =>
  h.request(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      grant_type: "password",
      username: "kim@example.com",
      password: "kim password",
      audience: "urn:api",
      client_id: client.client_id,
      client_secret: client.client_secret,
    }),
  });

test("a path issuer's token endpoint is served under its path, and its JWKS there verifies the token", async () => {
  const response = await tokenAt("/tenant1/oauth/token");
  expect(response.status).toBe(200);
  const { access_token } = await response.json();
  const jwks = await h.request("/tenant1/.well-known/jwks.json");
  expect(jwks.status).toBe(200);
  const { payload } = await jwtVerify(access_token, createLocalJWKSet(await jwks.json()), {
    issuer: ISSUER,
    audience: "urn:api",
  });
  expect(payload.iss).toBe(ISSUER);
});

test("discovery answers at RFC 8414's and OpenID Connect Discovery's locations for the path issuer", async () => {
  for (const path of [
    "/.well-known/oauth-authorization-server/tenant1",
    "/tenant1/.well-known/openid-configuration",
  ]) {
    const response = await h.request(path);
    expect(response.status).toBe(200);
    const metadata = await response.json();
    expect(metadata.issuer).toBe(ISSUER);
    expect(metadata.token_endpoint).toBe(`${ISSUER}/oauth/token`);
    expect(metadata.jwks_uri).toBe(`${ISSUER}/.well-known/jwks.json`);
    expect(metadata.revocation_endpoint).toBe(`${ISSUER}/oauth/revoke`);
    // Every advertised endpoint is one this server answers.
    for (const url of [metadata.token_endpoint, metadata.jwks_uri, metadata.revocation_endpoint]) {
      expect(url.startsWith(`${ISSUER}/`)).toBe(true);
      const served = await h.request(new URL(url).pathname, {
        method: url === metadata.jwks_uri ? "GET" : "POST",
      });
      expect(served.status).not.toBe(404);
    }
  }
  const openid = await json(h.request("/tenant1/.well-known/openid-configuration"));
  expect(openid.userinfo_endpoint).toBe(`${ISSUER}/userinfo`);
  expect((await h.request("/tenant1/userinfo")).status).toBe(401);
});

test("the endpoints stay at the root too; the management API is not under the issuer's path", async () => {
  expect((await tokenAt("/oauth/token")).status).toBe(200);
  expect((await h.request("/tenant1/api/v2/keys")).status).toBe(404);
  expect((await h.request("/tenant2/oauth/token", { method: "POST" })).status).toBe(404);
});
