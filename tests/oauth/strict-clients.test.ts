import { afterAll, beforeAll, expect, test } from "bun:test";
import { SignJWT } from "jose";
import {
  ADMIN_KEY,
  aliceExchange,
  aliceExchangeParams,
  createHarness,
  type Harness,
  type SeededTenant,
  seedTenant,
  testClock,
} from "../support/harness.ts";

const clock = testClock();
let h: Harness;
let seed: SeededTenant;

const json = async (response: Response | Promise<Response>) => (await response).json();

beforeAll(async () => {
  h = await createHarness({ BRUTE_FORCE_WINDOW: "3600" }, { clock });
  seed = await seedTenant(h);
});
afterAll(() => h.close());

/** RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E only. */
const DESCRIPTION_CHARACTERS = /^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/;

const openidToken = async () =>
  (await json(aliceExchange(h, seed, { scope: "openid" }))).access_token as string;

test("the Bearer scheme is case-insensitive at /userinfo, by GET and POST (RFC 7235 §2.1, RFC 6750 §2.1)", async () => {
  const token = await openidToken();
  for (const authorization of [`bearer ${token}`, `BEARER ${token}`, `Bearer   ${token}`]) {
    for (const method of ["GET", "POST"]) {
      const response = await h.request("/userinfo", { method, headers: { authorization } });
      expect(response.status).toBe(200);
      expect((await response.json()).sub).toBe(seed.alice.user_id);
    }
  }
  // RFC 6750 §2.1 separates scheme and token by spaces (1*SP), not tabs.
  const tab = await h.request("/userinfo", { headers: { authorization: `Bearer\t${token}` } });
  expect(tab.status).toBe(400);
  // The management API's key, likewise.
  expect(
    (await h.request("/api/v2/keys", { headers: { authorization: `bearer ${ADMIN_KEY}` } })).status,
  ).toBe(200);
});

test("a userinfo token without openid: 403 insufficient_scope naming the scope (RFC 6750 §3.1)", async () => {
  // A token of this server for the userinfo audience whose scope lacks openid.
  const signing = await h.deps.keys.signingKey("RS256");
  const issuedAt = Math.floor(clock.now().getTime() / 1000);
  const token = await new SignJWT({ scope: "profile", client_id: seed.postClient.client_id })
    .setProtectedHeader({ alg: signing.alg, kid: signing.kid, typ: "at+jwt" })
    .setIssuer("http://localhost/")
    .setSubject(seed.alice.user_id)
    .setAudience(["https://api.example.com", "http://localhost/userinfo"])
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + 300)
    .sign(signing.key);
  const response = await h.request("/userinfo", { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(403);
  expect((await response.json()).error).toBe("insufficient_scope");
  const challenge = response.headers.get("www-authenticate")!;
  expect(challenge).toStartWith('Bearer realm="rulegate", error="insufficient_scope"');
  expect(challenge).toEndWith(', scope="openid"');
  expect(response.headers.get("cache-control")).toBe("no-store");
});

test("429 too_many_attempts carries Retry-After until the block ends (RFC 6585 §4)", async () => {
  const ip = "198.51.100.77";
  for (let i = 0; i < 10; i++) {
    expect((await aliceExchange(h, seed, { password: "wrong" }, { remoteAddress: ip })).status).toBe(400);
  }
  clock.advance(600);
  const blocked = await aliceExchange(h, seed, {}, { remoteAddress: ip });
  expect(blocked.status).toBe(429);
  expect(blocked.headers.get("retry-after")).toBe("3000");
  expect((await blocked.json()).error).toBe("too_many_attempts");
  clock.advance(3000);
  expect((await aliceExchange(h, seed, {}, { remoteAddress: ip })).status).toBe(200);
});

test("a wrong method on a known path: 405 with Allow, in the path's error shape (RFC 9110 §15.5.6)", async () => {
  const cases: Array<[string, string, string]> = [
    ["GET", "/oauth/token", "OPTIONS, POST"],
    ["PUT", "/userinfo", "GET, HEAD, OPTIONS, POST"],
    ["DELETE", "/.well-known/jwks.json", "GET, HEAD"],
  ];
  for (const [method, path, allow] of cases) {
    const response = await h.request(path, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe(allow);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = await response.json();
    expect(Object.keys(body).sort()).toEqual(["error", "error_description"]);
    expect(body.error).toBe("invalid_request");
  }
  const management = await h.request(`/api/v2/users/${seed.alice.user_id}`, { method: "PUT" });
  expect(management.status).toBe(405);
  expect(management.headers.get("allow")).toBe("DELETE, GET, HEAD, PATCH");
  expect(await management.json()).toEqual({
    statusCode: 405,
    error: "Method Not Allowed",
    message: expect.any(String),
    errorCode: "method_not_allowed",
  });
  expect((await h.request("/nowhere", { method: "DELETE" })).status).toBe(404);
});

test("a JSON token request with a repeated key: 400 invalid_request (RFC 6749 §3.2)", async () => {
  const params = aliceExchangeParams(seed);
  const body = JSON.stringify(params).replace(/}$/, ',"\\u0075sername":"mallory@example.com"}');
  const response = await h.request("/oauth/token", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  expect(response.status).toBe(400);
  const answer = await response.json();
  expect(answer.error).toBe("invalid_request");
  expect(answer.error_description).toContain("username");
  // A repeated name inside a string value is not a repeated parameter.
  const nested = await h.token({ ...params, extra: '{"a":1,"a":2}' });
  expect(nested.status).toBe(200);
});

test("error_description keeps to RFC 6749 §5.2's characters and does not echo input raw", async () => {
  const hostile = `x"\\§\u00e9\n${"y".repeat(500)}`;
  const answers = [
    await aliceExchange(h, seed, { grant_type: hostile }),
    await aliceExchange(h, seed, { audience: hostile }),
    await aliceExchange(h, seed, { scope: "open\\id" }),
    await h.request("/oauth/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...aliceExchangeParams(seed), [hostile]: 1 }),
    }),
    await h.request("/oauth/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `${encodeURIComponent(hostile)}=1&${encodeURIComponent(hostile)}=2`,
    }),
  ];
  for (const response of answers) {
    expect(response.status).toBeGreaterThanOrEqual(400);
    const { error_description: description } = await response.json();
    expect(description).toMatch(DESCRIPTION_CHARACTERS);
    expect(description.length).toBeLessThanOrEqual(200);
    expect(description).not.toContain("y".repeat(201));
  }
});

test("GET /.well-known/oauth-authorization-server: RFC 8414 §2 metadata, as the OpenID configuration says", async () => {
  const response = await h.request("/.well-known/oauth-authorization-server");
  expect(response.status).toBe(200);
  const metadata = await response.json();
  const openid = await json(h.request("/.well-known/openid-configuration"));
  const members = [
    "issuer",
    "token_endpoint",
    "jwks_uri",
    "scopes_supported",
    "response_types_supported",
    "grant_types_supported",
    "token_endpoint_auth_methods_supported",
    "revocation_endpoint",
    "revocation_endpoint_auth_methods_supported",
    "introspection_endpoint",
    "introspection_endpoint_auth_methods_supported",
  ];
  expect(Object.keys(metadata).sort()).toEqual(members.sort());
  for (const member of members) expect(metadata[member]).toEqual(openid[member]);
  expect(metadata.issuer).toBe("http://localhost/");
  expect(metadata.response_types_supported).toEqual([]);
});
