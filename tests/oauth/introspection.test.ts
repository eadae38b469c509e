import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeJwt } from "jose";
import { expectDocumented } from "../support/contract.ts";
import {
  aliceExchange,
  createHarness,
  type Harness,
  type SeededTenant,
  seedTenant,
  testClock,
} from "../support/harness.ts";

const clock = testClock();
let h: Harness;
let seed: SeededTenant;

beforeAll(async () => {
  h = await createHarness({}, { clock });
  seed = await seedTenant(h);
});
afterAll(() => h.close());

type Credentials = { client_id: string; client_secret?: string };
const credentials = ({ client_id, client_secret }: Credentials): Credentials => ({
  client_id,
  client_secret,
});
const postClient = () => credentials(seed.postClient);
const otherClient = () => credentials(seed.refreshOnlyClient);

/** A form POST of `params` to an RFC 7009/7662 endpoint, its answer checked against openapi.yaml. */
async function post(path: string, params: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await h.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(params).toString(),
  });
  const status = response.status;
  const cacheControl = response.headers.get("cache-control");
  const body = (await expectDocumented("POST", path, response)) as Record<string, unknown>;
  return { status, body, cacheControl };
}

const introspect = (token: string, client: Credentials = postClient(), extra: Record<string, string> = {}) =>
  post("/oauth/introspect", { token, ...client, ...extra });
const revoke = (token: string, client: Credentials = postClient(), extra: Record<string, string> = {}) =>
  post("/oauth/revoke", { token, ...client, ...extra });

const exchange = async () => {
  const response = await aliceExchange(h, seed, { scope: "openid offline_access read:things" });
  expect(response.status).toBe(200);
  return (await response.json()) as { access_token: string; refresh_token: string };
};

const userinfo = (accessToken: string) =>
  h.request("/userinfo", { headers: { authorization: `Bearer ${accessToken}` } });

describe("POST /oauth/introspect (RFC 7662)", () => {
  test("an access token of the client: active, with its claims", async () => {
    const { access_token } = await exchange();
    const claims = decodeJwt(access_token);
    const answer = await introspect(access_token);
    expect(answer.status).toBe(200);
    expect(answer.cacheControl).toBe("no-store");
    expect(answer.body).toEqual({
      active: true,
      token_type: "access_token",
      scope: claims.scope as string,
      client_id: postClient().client_id,
      sub: seed.alice.user_id,
      aud: claims.aud!,
      iss: "http://localhost/",
      exp: claims.exp!,
      iat: claims.iat!,
      jti: claims.jti!,
    });
  });

  test("a refresh token of the client: active, with client, user, scope and expiry", async () => {
    const { refresh_token } = await exchange();
    const answer = await introspect(refresh_token, postClient(), { token_type_hint: "refresh_token" });
    expect(answer.body).toMatchObject({
      active: true,
      token_type: "refresh_token",
      client_id: postClient().client_id,
      sub: seed.alice.user_id,
      scope: "openid offline_access read:things",
    });
    expect(answer.body.exp).toBeGreaterThan(Math.floor(clock.now().getTime() / 1000));
    expect(Object.keys(answer.body).sort()).toEqual([
      "active",
      "client_id",
      "exp",
      "scope",
      "sub",
      "token_type",
    ]);
  });

  test("token_type_hint is only a hint: the wrong or an unknown hint still finds the token", async () => {
    const { access_token, refresh_token } = await exchange();
    expect(
      (await introspect(access_token, postClient(), { token_type_hint: "refresh_token" })).body.active,
    ).toBe(true);
    expect(
      (await introspect(refresh_token, postClient(), { token_type_hint: "access_token" })).body.active,
    ).toBe(true);
    expect((await introspect(refresh_token, postClient(), { token_type_hint: "magic" })).body.active).toBe(
      true,
    );
  });

  test("unknown, another client's, expired, revoked or rotated-away tokens are {active: false}", async () => {
    const inactive = async (token: string, client: Credentials = postClient()) =>
      expect((await introspect(token, client)).body).toEqual({ active: false });
    await inactive("garbage");
    await inactive("rt_unknown");
    const { access_token, refresh_token } = await exchange();
    await inactive(access_token, otherClient());
    await inactive(refresh_token, otherClient());

    // Rotated away: inactive, and introspecting it is not reuse (the family lives on).
    const refreshed = await h.token({
      grant_type: "refresh_token",
      refresh_token,
      ...postClient(),
    });
    const rotated = (await refreshed.json()).refresh_token as string;
    await inactive(refresh_token);
    expect((await introspect(rotated)).body.active).toBe(true);

    // Revoked refresh token family.
    expect((await revoke(rotated)).status).toBe(200);
    await inactive(rotated);

    // Expired access token (the seeded API's lifetime is an hour).
    const fresh = await exchange();
    clock.advance(3601);
    await inactive(fresh.access_token);
  });

  test("client authentication is required: 401 invalid_client; no token is 400 invalid_request", async () => {
    const { access_token } = await exchange();
    const wrong = await introspect(access_token, {
      client_id: postClient().client_id,
      client_secret: "nope",
    });
    expect([wrong.status, wrong.body.error]).toEqual([401, "invalid_client"]);
    const anonymous = await post("/oauth/introspect", { token: access_token });
    expect(anonymous.status).toBe(401);
    const basic = `Basic ${btoa(`${seed.basicClient.client_id}:${seed.basicClient.client_secret}`)}`;
    const missing = await post("/oauth/introspect", {}, { authorization: basic });
    expect([missing.status, missing.body.error]).toEqual([400, "invalid_request"]);
    const viaBasic = await post("/oauth/introspect", { token: access_token }, { authorization: basic });
    expect(viaBasic.body).toEqual({ active: false }); // another client's token
  });
});

describe("POST /oauth/revoke with an access token (RFC 7009)", () => {
  test("a revoked access token is inactive and refused by /userinfo with 401 invalid_token", async () => {
    const { access_token, refresh_token } = await exchange();
    expect((await userinfo(access_token)).status).toBe(200);
    const answer = await revoke(access_token, postClient(), { token_type_hint: "access_token" });
    expect(answer.status).toBe(200);
    expect((await introspect(access_token)).body).toEqual({ active: false });
    const refused = await userinfo(access_token);
    expect(refused.status).toBe(401);
    expect((await refused.json()).error).toBe("invalid_token");
    expect(refused.headers.get("www-authenticate")).toContain('error="invalid_token"');
    // Only the access token: the refresh token family is untouched.
    expect((await introspect(refresh_token)).body.active).toBe(true);
  });

  test("without a hint, or with the wrong one, the access token is still revoked", async () => {
    const hints: Array<Record<string, string>> = [{}, { token_type_hint: "refresh_token" }];
    for (const extra of hints) {
      const { access_token } = await exchange();
      expect((await revoke(access_token, postClient(), extra)).status).toBe(200);
      expect((await userinfo(access_token)).status).toBe(401);
    }
  });

  test("another client's access token: 200 and nothing happens (RFC 7009 §2.1)", async () => {
    const { access_token } = await exchange();
    const answer = await revoke(access_token, otherClient());
    expect(answer.status).toBe(200);
    expect((await introspect(access_token)).body.active).toBe(true);
    expect((await userinfo(access_token)).status).toBe(200);
  });

  test("revoked entries are pruned once their tokens have expired", async () => {
    const jtis = async () =>
      (await h.deps.db.orm.select().from(h.deps.db.tables.revokedAccessTokens)).map((row) => row.jti);
    const { access_token } = await exchange();
    await revoke(access_token);
    const { jti } = decodeJwt(access_token);
    expect(await jtis()).toContain(jti!);
    clock.advance(3601);
    const later = await exchange();
    await revoke(later.access_token);
    expect(await jtis()).not.toContain(jti!);
    expect(await jtis()).toContain(decodeJwt(later.access_token).jti!);
  });
});
