/**
 * The grants through Auth0's own `AuthenticationClient` (the `auth0` SDK v4; v7 no longer
 * ships one): a real server process behind a TLS-terminating HAProxy, the SDK given only the
 * domain, the client's credentials and a `fetch` that trusts the test's certificate
 * authority. What Rulegate supports must work as it does against Auth0; what it does not
 * (the authorization code grant: Rulegate has no login pages) is answered with RFC 6749's
 * `unsupported_grant_type`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AuthenticationClient } from "auth0-v4";
import { decodeJwt } from "jose";
import { startTenant, type Tenant } from "./tenant.ts";

const API = "https://orders.example.com";
const REALM_GRANT = "http://auth0.com/oauth/grant-type/password-realm";

describe("auth0 v4 AuthenticationClient", () => {
  let tenant: Tenant;
  let auth: AuthenticationClient;
  let clientId = "";
  const email = "jane@example.com";
  const password = "correct horse battery staple";
  beforeAll(async () => {
    tenant = await startTenant();
    const api = await tenant.raw("POST", "/resource-servers", {
      name: "Orders",
      identifier: API,
      scopes: [{ value: "read:orders", description: "Read orders" }],
      allow_offline_access: true,
    });
    const client = await tenant.raw("POST", "/clients", {
      name: "Acme",
      app_type: "non_interactive",
      grant_types: ["password", "refresh_token", "client_credentials", REALM_GRANT],
      token_endpoint_auth_method: "client_secret_post",
    });
    clientId = client.body.client_id;
    const grant = await tenant.raw("POST", "/client-grants", {
      client_id: clientId,
      audience: API,
      scope: ["read:orders"],
    });
    const user = await tenant.raw("POST", "/users", {
      connection: "Username-Password-Authentication",
      email,
      password,
    });
    expect([api.status, client.status, grant.status, user.status]).toEqual([201, 201, 201, 201]);
    auth = new AuthenticationClient({
      domain: tenant.domain,
      clientId,
      clientSecret: client.body.client_secret,
      fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
        tenant.tlsFetch(String(input instanceof Request ? input.url : input), init)) as typeof fetch,
    });
  }, 30_000);
  afterAll(async () => {
    await tenant?.stop();
  });

  let refreshToken = "";

  test("passwordGrant (grant_type=password)", async () => {
    const { data } = await auth.oauth.passwordGrant({
      username: email,
      password,
      audience: API,
      scope: "read:orders offline_access",
    });
    expect(data).toMatchObject({ token_type: "Bearer", scope: "read:orders offline_access" });
    expect(decodeJwt(data.access_token)).toMatchObject({
      iss: `${tenant.origin}/`,
      aud: API,
      gty: "password",
      client_id: clientId,
    });
    refreshToken = data.refresh_token!;
    expect(refreshToken).toEqual(expect.any(String));
  });

  test("passwordGrant with a realm (Auth0's password-realm grant)", async () => {
    const { data } = await auth.oauth.passwordGrant({
      username: email,
      password,
      audience: API,
      scope: "read:orders",
      realm: "Username-Password-Authentication",
    });
    expect(decodeJwt(data.access_token)).toMatchObject({ aud: API, scope: "read:orders" });
  });

  test("refreshTokenGrant", async () => {
    const { data } = await auth.oauth.refreshTokenGrant({ refresh_token: refreshToken });
    expect(data.access_token).toEqual(expect.any(String));
    expect(data.refresh_token).not.toBe(refreshToken);
  });

  test("clientCredentialsGrant", async () => {
    const { data } = await auth.oauth.clientCredentialsGrant({ audience: API });
    expect(decodeJwt(data.access_token)).toMatchObject({
      sub: `${clientId}@clients`,
      aud: API,
      scope: "read:orders",
      gty: "client-credentials",
    });
  });

  test("not supported: authorizationCodeGrant is unsupported_grant_type (400)", async () => {
    const failure = await auth.oauth
      .authorizationCodeGrant({ code: "any", redirect_uri: "https://acme.example/callback" })
      .then(
        () => undefined,
        (error: { statusCode?: number; error?: string }) => error,
      );
    expect(failure).toMatchObject({ statusCode: 400, error: "unsupported_grant_type" });
  });
});
