/**
 * A strict client library end to end: oauth4webapi (panva) runs discovery for both
 * `oidc` and `oauth2` (RFC 8414), the password grant, a refresh, introspection (RFC 7662),
 * revocation (RFC 7009), userinfo and `validateJwtAccessToken` (RFC 9068) against the app.
 * Every check it makes on the responses is the point: it refuses what a lax client accepts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as oauth from "oauth4webapi";
import { createHarness, type Harness, type SeededTenant, seedTenant } from "../support/harness.ts";

const ISSUER = "http://localhost/";
let h: Harness;
let seed: SeededTenant;

beforeAll(async () => {
  h = await createHarness({ ISSUER });
  seed = await seedTenant(h);
});
afterAll(() => h.close());

/** Every request the library makes goes to the in-process app; plain http is fine here. */
const options = () => ({
  [oauth.customFetch]: (url: string, init?: RequestInit) => h.app.handle(new Request(url, init)),
  [oauth.allowInsecureRequests]: true,
});

async function discover(algorithm: "oidc" | "oauth2") {
  const issuer = new URL(ISSUER);
  return oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm, ...options() }),
  );
}

describe("oauth4webapi against Rulegate", () => {
  test("discovery, as OpenID Connect and as RFC 8414", async () => {
    for (const algorithm of ["oidc", "oauth2"] as const) {
      const as = await discover(algorithm);
      expect(as.issuer).toBe(ISSUER);
      expect(as.token_endpoint).toBe(`${ISSUER}oauth/token`);
      expect(as.introspection_endpoint).toBe(`${ISSUER}oauth/introspect`);
      expect(as.revocation_endpoint).toBe(`${ISSUER}oauth/revoke`);
    }
  });

  test("password grant, refresh, userinfo, JWT access token validation, introspection, revocation", async () => {
    const as = await discover("oidc");
    const client: oauth.Client = { client_id: seed.postClient.client_id };
    const auth = oauth.ClientSecretPost(seed.postClient.client_secret);

    const granted = await oauth.processGenericTokenEndpointResponse(
      as,
      client,
      await oauth.genericTokenEndpointRequest(
        as,
        client,
        auth,
        "password",
        {
          username: "alice@example.com",
          password: "correct horse battery",
          audience: "https://api.example.com",
          scope: "openid email offline_access read:things",
        },
        options(),
      ),
    );
    expect(granted.token_type).toBe("bearer");
    expect(granted.scope).toBe("openid email offline_access read:things");
    const idToken = oauth.getValidatedIdTokenClaims(granted)!;
    expect(idToken.sub).toBe(seed.alice.user_id);
    expect(idToken.aud).toBe(client.client_id);

    // RFC 9068: a resource server validating the access token with the library.
    const claims = await oauth.validateJwtAccessToken(
      as,
      new Request("https://api.example.com/things", {
        headers: { authorization: `Bearer ${granted.access_token}` },
      }),
      "https://api.example.com",
      options(),
    );
    expect(claims.sub).toBe(seed.alice.user_id);
    expect(claims.client_id).toBe(client.client_id);

    const userinfo = await oauth.processUserInfoResponse(
      as,
      client,
      seed.alice.user_id,
      await oauth.userInfoRequest(as, client, granted.access_token, options()),
    );
    expect(userinfo.email).toBe("alice@example.com");

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, granted.refresh_token!, options()),
    );
    expect(refreshed.refresh_token).toBeDefined();
    expect(refreshed.refresh_token).not.toBe(granted.refresh_token);

    const introspect = async (token: string) =>
      oauth.processIntrospectionResponse(
        as,
        client,
        await oauth.introspectionRequest(as, client, auth, token, options()),
      );
    const active = await introspect(refreshed.access_token);
    expect(active.active).toBe(true);
    expect(active.sub).toBe(seed.alice.user_id);
    expect((await introspect(refreshed.refresh_token!)).active).toBe(true);

    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, auth, refreshed.access_token, options()),
    );
    expect((await introspect(refreshed.access_token)).active).toBe(false);
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, auth, refreshed.refresh_token!, options()),
    );
    expect((await introspect(refreshed.refresh_token!)).active).toBe(false);
  });
});
