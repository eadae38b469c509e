import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { generateKeyPair, SignJWT } from "jose";
import { createHarness, type Harness, testClock } from "../support/harness.ts";

const clock = testClock();
let h: Harness;
let client: { client_id: string; client_secret: string };
let userId: string;

const json = async (response: Response | Promise<Response>) => (await response).json();

beforeAll(async () => {
  h = await createHarness({}, { clock });
  await h.admin("POST", "/resource-servers", { identifier: "https://api.example.com", token_lifetime: 300 });
  client = await json(h.admin("POST", "/clients", { name: "app" }));
  userId = (
    await json(
      h.admin("POST", "/users", { email: "uma@example.com", name: "Uma Info", password: "uma's password" }),
    )
  ).user_id;
});
afterAll(() => h.close());

const accessToken = async (scope: string, email = "uma@example.com") =>
  (
    await json(
      h.token({
        grant_type: "password",
        username: email,
        password: email === "uma@example.com" ? "uma's password" : "temp password",
        audience: "https://api.example.com",
        scope,
        client_id: client.client_id,
        client_secret: client.client_secret,
      }),
    )
  ).access_token as string;

const userinfo = (authorization?: string, method = "GET") =>
  h.request("/userinfo", { method, headers: authorization ? { authorization } : {} });

async function expectBearerError(response: Response, status: number, error: string | undefined) {
  expect(response.status).toBe(status);
  const header = response.headers.get("www-authenticate")!;
  expect(header).toStartWith('Bearer realm="rulegate"');
  if (error) expect(header).toContain(`error="${error}"`);
  else expect(header).not.toContain("error=");
  expect(response.headers.get("cache-control")).toBe("no-store");
}

describe("GET /userinfo", () => {
  test("returns sub and the claims of the token's scope, by GET and POST", async () => {
    const all = await accessToken("openid profile email");
    const claims = await json(userinfo(`Bearer ${all}`));
    expect(claims).toMatchObject({
      sub: userId,
      name: "Uma Info",
      nickname: "uma",
      email: "uma@example.com",
      email_verified: false,
    });
    expect(typeof claims.updated_at).toBe("number");
    expect(await json(userinfo(`Bearer ${all}`, "POST"))).toEqual(claims);
    const profileOnly = await json(userinfo(`Bearer ${await accessToken("openid profile")}`));
    expect(Object.keys(profileOnly).sort()).toEqual(["name", "nickname", "sub", "updated_at"]);
    expect(await json(userinfo(`Bearer ${await accessToken("openid")}`))).toEqual({ sub: userId });
  });

  test("no token: 401 with a bare Bearer challenge", async () => {
    await expectBearerError(await userinfo(), 401, undefined);
  });

  test("a malformed Authorization header: 400 invalid_request", async () => {
    await expectBearerError(await userinfo("Basic dXNlcjpwYXNz"), 400, "invalid_request");
    await expectBearerError(await userinfo("Bearer two words"), 400, "invalid_request");
  });

  test("a garbage, foreign or expired token: 401 invalid_token; one without openid: 403 insufficient_scope", async () => {
    await expectBearerError(await userinfo("Bearer not.a.jwt"), 401, "invalid_token");

    const { privateKey } = await generateKeyPair("RS256");
    const foreign = await new SignJWT({ scope: "openid", client_id: client.client_id })
      .setProtectedHeader({ alg: "RS256", typ: "at+jwt", kid: "someone-else" })
      .setIssuer("http://localhost/")
      .setSubject(userId)
      .setAudience(["https://api.example.com", "http://localhost/userinfo"])
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    await expectBearerError(await userinfo(`Bearer ${foreign}`), 401, "invalid_token");

    // Without openid: a valid token lacking the scope userinfo needs (RFC 6750 §3.1).
    await expectBearerError(await userinfo(`Bearer ${await accessToken("")}`), 403, "insufficient_scope");

    const expiring = await accessToken("openid");
    clock.advance(301);
    await expectBearerError(await userinfo(`Bearer ${expiring}`), 401, "invalid_token");
  });

  test("the token of a deleted user: 401 invalid_token", async () => {
    const temp = await json(
      h.admin("POST", "/users", { email: "temp@example.com", password: "temp password" }),
    );
    const token = await accessToken("openid", "temp@example.com");
    await h.admin("DELETE", `/users/${temp.user_id}`);
    await expectBearerError(await userinfo(`Bearer ${token}`), 401, "invalid_token");
  });
});

test("discovery lists the new endpoints, grants and claims", async () => {
  const discovery = await json(h.request("/.well-known/openid-configuration"));
  expect(discovery).toMatchObject({
    revocation_endpoint: "http://localhost/oauth/revoke",
    userinfo_endpoint: "http://localhost/userinfo",
    grant_types_supported: [
      "password",
      "refresh_token",
      "client_credentials",
      "http://auth0.com/oauth/grant-type/password-realm",
      "http://auth0.com/oauth/grant-type/mfa-otp",
      "http://auth0.com/oauth/grant-type/mfa-recovery-code",
    ],
  });
  for (const claim of ["amr", "auth_time", "email", "email_verified", "name", "nickname"]) {
    expect(discovery.claims_supported).toContain(claim);
  }
});
