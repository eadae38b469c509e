import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import {
  aliceExchange,
  aliceExchangeParams,
  createHarness,
  type Harness,
  seedTenant,
} from "../support/harness.ts";

let h: Harness;
let seed: Awaited<ReturnType<typeof seedTenant>>;

beforeAll(async () => {
  h = await createHarness();
  seed = await seedTenant(h);
});
afterAll(() => h.close());

const alice = () => ({ username: "alice@example.com", password: "correct horse battery" });
const postCredentials = () => ({
  client_id: seed.postClient.client_id,
  client_secret: seed.postClient.client_secret,
});
const basic = (id: string, secret: string) =>
  `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;

async function expectError(response: Response, status: number, error: string, description?: string | RegExp) {
  expect(response.status).toBe(status);
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(response.headers.get("content-type")).toContain("application/json");
  const body = await response.json();
  expect(Object.keys(body).sort()).toEqual(["error", "error_description"]);
  expect(body.error).toBe(error);
  if (typeof description === "string") expect(body.error_description).toBe(description);
  else if (description) expect(body.error_description).toMatch(description);
  return body;
}

async function verify(accessToken: string, audience: string | string[] = "https://api.example.com") {
  const jwks = await (await h.request("/.well-known/jwks.json")).json();
  const { payload, protectedHeader } = await jwtVerify(accessToken, createLocalJWKSet(jwks), {
    issuer: "http://localhost/",
    audience,
    typ: "at+jwt",
  });
  return { payload, protectedHeader };
}

describe("POST /oauth/token, grant_type=password: success", () => {
  test("JSON body with client_secret_post returns a verifiable RFC 9068 access token", async () => {
    const response = await aliceExchange(h, seed, { scope: "read:things" });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("pragma")).toBe("no-cache");
    const body = await response.json();
    expect(Object.keys(body).sort()).toEqual(["access_token", "expires_in", "scope", "token_type"]);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3600, scope: "read:things" });
    const { payload, protectedHeader } = await verify(body.access_token);
    expect(protectedHeader).toMatchObject({ alg: "RS256", typ: "at+jwt" });
    expect(typeof protectedHeader.kid).toBe("string");
    expect(payload).toMatchObject({
      iss: "http://localhost/",
      sub: seed.alice.user_id,
      aud: "https://api.example.com",
      client_id: seed.postClient.client_id,
      azp: seed.postClient.client_id,
      scope: "read:things",
      gty: "password",
    });
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(typeof payload.jti).toBe("string");
  });

  test("form-encoded body works the same", async () => {
    const response = await aliceExchange(h, seed, {}, { form: true });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.scope).toBe("read:things write:things");
    await verify(body.access_token);
  });

  test("client_secret_basic authenticates through the Authorization header", async () => {
    const response = await h.token(
      { grant_type: "password", ...alice(), audience: "https://api.example.com" },
      {
        form: true,
        headers: { authorization: basic(seed.basicClient.client_id, seed.basicClient.client_secret) },
      },
    );
    expect(response.status).toBe(200);
    const { payload } = await verify((await response.json()).access_token);
    expect(payload.client_id).toBe(seed.basicClient.client_id);
  });

  test("a public client (none) sends only its client_id", async () => {
    const response = await h.token({
      grant_type: "password",
      ...alice(),
      audience: "https://api.example.com",
      client_id: seed.publicClient.client_id,
    });
    expect(response.status).toBe(200);
  });

  test("the username is matched case-insensitively", async () => {
    const response = await aliceExchange(h, seed, { username: "ALICE@example.COM" });
    expect(response.status).toBe(200);
  });

  test("undefined scopes are dropped; openid adds the userinfo audience", async () => {
    const response = await aliceExchange(h, seed, { scope: "openid read:things delete:everything" });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.scope).toBe("openid read:things");
    const { payload } = await verify(body.access_token, "http://localhost/userinfo");
    expect(payload.aud).toEqual(["https://api.example.com", "http://localhost/userinfo"]);
  });

  test("the tenant's default_audience is used when no audience is sent", async () => {
    // Without one, the token is for the userinfo endpoint only (tests/oauth/issuer-and-audience.test.ts).
    const userinfoOnly = await h.token({ grant_type: "password", ...alice(), ...postCredentials() });
    expect(userinfoOnly.status).toBe(200);
    expect(decodeJwt((await userinfoOnly.json()).access_token).aud).toBe("http://localhost/userinfo");
    const patched = await h.admin("PATCH", "/tenants/settings", {
      default_audience: "https://api.example.com",
    });
    expect(patched.status).toBe(200);
    const response = await h.token({ grant_type: "password", ...alice(), ...postCredentials() });
    expect(response.status).toBe(200);
    await verify((await response.json()).access_token);
    await h.admin("PATCH", "/tenants/settings", { default_audience: "" });
  });

  test("the JWKS publishes the signing key under the token's kid", async () => {
    const response = await aliceExchange(h, seed);
    const { kid } = decodeProtectedHeader((await response.json()).access_token);
    const jwks = await (await h.request("/.well-known/jwks.json")).json();
    const key = jwks.keys.find((candidate: { kid: string }) => candidate.kid === kid);
    expect(key).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect(key.d).toBeUndefined();
    expect(key.p).toBeUndefined();
  });
});

describe('POST /oauth/token: the error table (RFC 6749 §5.2, README "Endpoints")', () => {
  const base = () => ({ grant_type: "password", ...alice(), audience: "https://api.example.com" });

  test("malformed JSON → 400 invalid_request", async () => {
    const response = await h.request("/oauth/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    await expectError(response, 400, "invalid_request");
  });

  test("a JSON body that is not an object, or has non-string values → 400 invalid_request", async () => {
    for (const body of ["[1,2]", '"text"', JSON.stringify({ ...aliceExchangeParams(seed), scope: ["a"] })]) {
      const response = await h.request("/oauth/token", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      await expectError(response, 400, "invalid_request");
    }
  });

  test("wrong content type → 400 invalid_request", async () => {
    const response = await h.request("/oauth/token", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "grant_type=password",
    });
    await expectError(response, 400, "invalid_request", /Content-Type/);
  });

  test("a parameter repeated in a form body → 400 invalid_request", async () => {
    const body = `${new URLSearchParams(aliceExchangeParams(seed))}&scope=a&scope=b`;
    const response = await h.request("/oauth/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    await expectError(response, 400, "invalid_request", /scope/);
  });

  test("missing grant_type, username or password → 400 invalid_request naming it", async () => {
    const { grant_type: _g, ...noGrant } = aliceExchangeParams(seed);
    await expectError(await h.token(noGrant), 400, "invalid_request", /grant_type/);
    const { username: _u, ...noUser } = aliceExchangeParams(seed);
    await expectError(await h.token(noUser), 400, "invalid_request", "Missing required parameter: username");
    const { password: _p, ...noPassword } = aliceExchangeParams(seed);
    await expectError(await h.token(noPassword, { form: true }), 400, "invalid_request", /password/);
  });

  test("an over-long parameter → 400 invalid_request", async () => {
    const response = await aliceExchange(h, seed, { username: "x".repeat(600) });
    await expectError(response, 400, "invalid_request", /username/);
  });

  test("unknown grant_type → 400 unsupported_grant_type", async () => {
    const response = await aliceExchange(h, seed, { grant_type: "urn:example:magic" });
    await expectError(response, 400, "unsupported_grant_type");
  });

  test("missing client_id → 401 invalid_client", async () => {
    await expectError(await h.token(base()), 401, "invalid_client");
  });

  test("unknown client → 401 invalid_client", async () => {
    await expectError(
      await h.token({ ...base(), client_id: "cli_nope", client_secret: "x" }),
      401,
      "invalid_client",
    );
  });

  test("wrong secret → 401 invalid_client", async () => {
    const response = await h.token({
      ...base(),
      client_id: seed.postClient.client_id,
      client_secret: "wrong",
    });
    await expectError(response, 401, "invalid_client");
    expect(response.headers.get("www-authenticate")).toBeNull();
  });

  test("wrong or missing secret over Basic → 401 with WWW-Authenticate: Basic", async () => {
    const response = await h.token(base(), {
      headers: { authorization: basic(seed.basicClient.client_id, "wrong") },
    });
    await expectError(response, 401, "invalid_client");
    expect(response.headers.get("www-authenticate")).toMatch(/^Basic /);
    const garbage = await h.token(base(), { headers: { authorization: "Basic !!!" } });
    await expectError(garbage, 401, "invalid_client");
    expect(garbage.headers.get("www-authenticate")).toMatch(/^Basic /);
  });

  test("missing secret for a client_secret_post client → 401 invalid_client", async () => {
    await expectError(
      await h.token({ ...base(), client_id: seed.postClient.client_id }),
      401,
      "invalid_client",
    );
  });

  test("wrong auth method → 401 invalid_client (Basic for a post client, post for a basic client)", async () => {
    const viaBasic = await h.token(base(), {
      headers: { authorization: basic(seed.postClient.client_id, seed.postClient.client_secret) },
    });
    await expectError(viaBasic, 401, "invalid_client");
    const viaPost = await h.token({
      ...base(),
      client_id: seed.basicClient.client_id,
      client_secret: seed.basicClient.client_secret,
    });
    await expectError(viaPost, 401, "invalid_client");
  });

  test("a secret sent for a none client → 401 invalid_client", async () => {
    const response = await h.token({
      ...base(),
      client_id: seed.publicClient.client_id,
      client_secret: "anything",
    });
    await expectError(response, 401, "invalid_client");
  });

  test("Basic and a body secret together → 400 invalid_request (RFC 6749 §2.3)", async () => {
    const response = await h.token(
      { ...base(), client_secret: seed.basicClient.client_secret },
      { headers: { authorization: basic(seed.basicClient.client_id, seed.basicClient.client_secret) } },
    );
    await expectError(response, 400, "invalid_request");
  });

  test("client without the password grant → 400 unauthorized_client", async () => {
    const response = await h.token({
      ...base(),
      client_id: seed.refreshOnlyClient.client_id,
      client_secret: seed.refreshOnlyClient.client_secret,
    });
    await expectError(response, 400, "unauthorized_client");
  });

  test("wrong password and unknown user get the same answer", async () => {
    const wrong = await expectError(
      await aliceExchange(h, seed, { password: "not it" }),
      400,
      "invalid_grant",
      "Wrong email or password.",
    );
    const unknown = await expectError(
      await aliceExchange(h, seed, { username: "nobody@example.com" }),
      400,
      "invalid_grant",
    );
    expect(unknown).toEqual(wrong);
    const malformed = await aliceExchange(h, seed, { username: "not an email" });
    expect(await malformed.json()).toEqual(wrong);
  });

  test("an unknown user costs one argon2 verify, like a wrong password", async () => {
    const hasher = h.deps.hasher;
    let verifies = 0;
    const counting = {
      ...hasher,
      verify: (phc: string, password: string) => {
        verifies++;
        return hasher.verify(phc, password);
      },
      verifyDummy: (password: string) => {
        verifies++;
        return hasher.verifyDummy(password);
      },
    };
    Object.assign(h.deps, { hasher: counting });
    try {
      await aliceExchange(h, seed, { username: "nobody@example.com" });
      expect(verifies).toBe(1);
      await aliceExchange(h, seed, { password: "nope" });
      expect(verifies).toBe(2);
    } finally {
      Object.assign(h.deps, { hasher });
    }
  });

  test("blocked user → 400 invalid_grant 'user is blocked' (only with the right password)", async () => {
    await expectError(
      await aliceExchange(h, seed, { username: "bob@example.com", password: "bob's password" }),
      400,
      "invalid_grant",
      "user is blocked",
    );
    await expectError(
      await aliceExchange(h, seed, { username: "bob@example.com", password: "guess" }),
      400,
      "invalid_grant",
      "Wrong email or password.",
    );
  });

  test("unknown audience → 403 access_denied 'Service not found: <audience>'", async () => {
    const response = await aliceExchange(h, seed, { audience: "https://nope.example.com" });
    await expectError(response, 403, "access_denied", "Service not found: https://nope.example.com");
  });

  test("a malformed scope → 400 invalid_scope", async () => {
    const response = await aliceExchange(h, seed, { scope: 'read:things "quoted"' });
    await expectError(response, 400, "invalid_scope");
  });

  test("body over 64 KiB → 413 invalid_request", async () => {
    const response = await aliceExchange(h, seed, { padding: "x".repeat(70 * 1024) });
    await expectError(response, 413, "invalid_request");
    const streamed = await h.request("/oauth/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 80; i++) controller.enqueue(new TextEncoder().encode("x".repeat(1024)));
          controller.close();
        },
      }),
    });
    await expectError(streamed, 413, "invalid_request");
  });

  test("GET /oauth/token is not a token request and never a 5xx", async () => {
    const response = await h.request("/oauth/token");
    expect(response.status).toBeLessThan(500);
  });

  test("no password, secret or token appears in the log", async () => {
    const secrets = ["correct horse battery", seed.postClient.client_secret, "not it"];
    const success = await aliceExchange(h, seed);
    const { access_token } = await success.json();
    await aliceExchange(h, seed, { password: "not it" });
    const logged = h.logLines.join("\n");
    for (const secret of [...secrets, access_token]) expect(logged).not.toContain(secret);
  });
});
