import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeJwt, decodeProtectedHeader } from "jose";
import {
  aliceExchange,
  aliceExchangeParams,
  createHarness,
  type Harness,
  type SeededTenant,
  seedTenant,
} from "../support/harness.ts";
import { deployRule } from "../support/rules.ts";

const json = async (response: Response | Promise<Response>) => (await response).json();

/** Alice's exchange with only RFC 6749 §4.3.2 parameters (no `audience`), plus `extra`. */
const withoutAudience = (h: Harness, seed: SeededTenant, extra: Record<string, string> = {}) => {
  const { audience: _audience, ...params } = aliceExchangeParams(seed);
  return h.token({ ...params, ...extra });
};

describe("no audience and no default audience (Auth0: a token for /userinfo)", () => {
  let h: Harness;
  let seed: SeededTenant;
  beforeAll(async () => {
    h = await createHarness();
    seed = await seedTenant(h);
  });
  afterAll(() => h.close());

  test("RFC 6749 §4.3.2 parameters alone get a token good only for /userinfo, OIDC scopes only", async () => {
    const response = await withoutAudience(h, seed, { scope: "openid profile read:things offline_access" });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.scope).toBe("openid profile");
    expect(body.expires_in).toBe(86_400);
    expect(body.refresh_token).toBeUndefined();
    expect(body.id_token).toBeString();
    const claims = decodeJwt(body.access_token);
    expect(claims.aud).toBe("http://localhost/userinfo");
    expect(claims.scope).toBe("openid profile");

    const userinfo = await h.request("/userinfo", {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toMatchObject({ sub: seed.alice.user_id, name: "Alice" });
  });

  test("without openid the token is still for /userinfo, which refuses it for lacking the scope", async () => {
    const body = await json(withoutAudience(h, seed));
    expect(body.scope).toBe("");
    expect(decodeJwt(body.access_token).aud).toBe("http://localhost/userinfo");
    expect(body.id_token).toBeUndefined();
    const userinfo = await h.request("/userinfo", {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(userinfo.status).toBe(403);
  });

  test("the rule runs with the userinfo audience", async () => {
    await deployRule(
      h,
      `module.exports = function (user, client, scope, audience, context, cb) {
        cb(null, { scope: scope, "https://example.com/audience": audience });
      };`,
    );
    try {
      const body = await json(withoutAudience(h, seed, { scope: "openid" }));
      expect(decodeJwt(body.access_token)["https://example.com/audience"]).toBe("http://localhost/userinfo");
    } finally {
      await h.admin("DELETE", "/rules/password-exchange");
    }
  });

  test("RFC 8707 resource names the API when audience is absent", async () => {
    const body = await json(
      withoutAudience(h, seed, { resource: "https://api.example.com", scope: "openid" }),
    );
    expect(decodeJwt(body.access_token).aud).toEqual([
      "https://api.example.com",
      "http://localhost/userinfo",
    ]);
  });

  test("audience and resource that agree are accepted", async () => {
    const response = await aliceExchange(h, seed, { resource: "https://api.example.com" });
    expect(response.status).toBe(200);
  });

  test("audience and resource that differ are invalid_request", async () => {
    const response = await aliceExchange(h, seed, { resource: "https://other.example.com" });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "invalid_request",
      error_description: "The audience and resource parameters name different APIs.",
    });
  });

  test("an unknown resource is still 403 access_denied, as an unknown audience", async () => {
    const named: Record<string, string>[] = [
      { resource: "https://unknown.example.com" },
      { audience: "https://unknown.example.com" },
    ];
    for (const extra of named) {
      const response = await withoutAudience(h, seed, extra);
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({
        error: "access_denied",
        error_description: "Service not found: https://unknown.example.com",
      });
    }
  });
});

describe("ISSUER without a trailing slash is used verbatim", () => {
  let h: Harness;
  let seed: SeededTenant;
  beforeAll(async () => {
    h = await createHarness({ ISSUER: "https://auth.example.com" });
    seed = await seedTenant(h);
  });
  afterAll(() => h.close());

  test("discovery publishes it exactly, and endpoint URLs get one slash", async () => {
    const metadata = await json(h.request("/.well-known/openid-configuration"));
    expect(metadata).toMatchObject({
      issuer: "https://auth.example.com",
      token_endpoint: "https://auth.example.com/oauth/token",
      revocation_endpoint: "https://auth.example.com/oauth/revoke",
      userinfo_endpoint: "https://auth.example.com/userinfo",
      jwks_uri: "https://auth.example.com/.well-known/jwks.json",
    });
  });

  test("tokens carry it exactly as iss; the userinfo audience gets one slash", async () => {
    const body = await json(aliceExchange(h, seed, { scope: "openid" }));
    const accessToken = decodeJwt(body.access_token);
    expect(accessToken.iss).toBe("https://auth.example.com");
    expect(accessToken.aud).toEqual(["https://api.example.com", "https://auth.example.com/userinfo"]);
    expect(decodeJwt(body.id_token).iss).toBe("https://auth.example.com");
  });
});

describe("ISSUER with a trailing slash is used verbatim too", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ ISSUER: "https://auth.example.com/" });
  });
  afterAll(() => h.close());

  test("no double slash in endpoint URLs", async () => {
    const metadata = await json(h.request("/.well-known/openid-configuration"));
    expect(metadata).toMatchObject({
      issuer: "https://auth.example.com/",
      token_endpoint: "https://auth.example.com/oauth/token",
      jwks_uri: "https://auth.example.com/.well-known/jwks.json",
    });
  });
});

describe("ID token algorithm (OpenID Connect Core §2: RS256 by default)", () => {
  let h: Harness;
  let seed: SeededTenant;
  beforeAll(async () => {
    h = await createHarness();
    seed = await seedTenant(h);
    await h.admin("POST", "/resource-servers", {
      identifier: "https://es256.example.com",
      name: "ES256 API",
      signing_alg: "ES256",
    });
  });
  afterAll(() => h.close());

  test("an ES256 API gets ES256 access tokens and RS256 ID tokens, both verifiable by the JWKS", async () => {
    const body = await json(
      aliceExchange(h, seed, { audience: "https://es256.example.com", scope: "openid" }),
    );
    const accessHeader = decodeProtectedHeader(body.access_token);
    const idHeader = decodeProtectedHeader(body.id_token);
    expect(accessHeader.alg).toBe("ES256");
    expect(idHeader).toMatchObject({ alg: "RS256", typ: "JWT" });
    const jwks = await json(h.request("/.well-known/jwks.json"));
    const kids = jwks.keys.map((key: { kid: string }) => key.kid);
    expect(kids).toContain(accessHeader.kid);
    expect(kids).toContain(idHeader.kid);
  });

  test("a client's id_token_signed_response_alg (OpenID Connect Registration §2) picks the ID token's", async () => {
    const created = await h.admin("POST", "/clients", {
      name: "eddsa id tokens",
      id_token_signed_response_alg: "EdDSA",
    });
    expect(created.status).toBe(201);
    const client = await created.json();
    expect(client.id_token_signed_response_alg).toBe("EdDSA");
    expect(seed.postClient.id_token_signed_response_alg).toBe("RS256");
    const body = await json(
      h.token({
        ...aliceExchangeParams(seed),
        client_id: client.client_id,
        client_secret: client.client_secret,
        scope: "openid",
      }),
    );
    expect(decodeProtectedHeader(body.id_token).alg).toBe("EdDSA");
    expect(decodeProtectedHeader(body.access_token).alg).toBe("RS256");

    const patched = await h.admin("PATCH", `/clients/${client.client_id}`, {
      id_token_signed_response_alg: "ES256",
    });
    expect((await patched.json()).id_token_signed_response_alg).toBe("ES256");
    const refused = await h.admin("PATCH", `/clients/${client.client_id}`, {
      id_token_signed_response_alg: "HS256",
    });
    expect(refused.status).toBe(400);
  });
});
