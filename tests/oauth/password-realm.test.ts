import { afterAll, beforeAll, expect, test } from "bun:test";
import { decodeJwt } from "jose";
import {
  aliceExchangeParams,
  createHarness,
  type Harness,
  type SeededTenant,
  seedTenant,
} from "../support/harness.ts";

let h: Harness;
let seed: SeededTenant;
let realmClient: { client_id: string; client_secret: string };
const PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm";
const json = async (response: Response | Promise<Response>) => (await response).json();
const realmExchange = (extra: Record<string, string> = {}, client = realmClient) =>
  h.token({
    ...aliceExchangeParams(seed),
    grant_type: PASSWORD_REALM,
    realm: "Username-Password-Authentication",
    client_id: client.client_id,
    client_secret: client.client_secret,
    ...extra,
  });

beforeAll(async () => {
  h = await createHarness();
  seed = await seedTenant(h);
  realmClient = await json(
    h.admin("POST", "/clients", { name: "realm client", grant_types: [PASSWORD_REALM, "refresh_token"] }),
  );
});
afterAll(() => h.close());

test("password-realm with the database connection's name is the password grant", async () => {
  const response = await realmExchange({ scope: "openid offline_access read:things" });
  expect(response.status).toBe(200);
  const body = await response.json();
  expect(body).toMatchObject({ token_type: "Bearer", scope: "openid offline_access read:things" });
  expect(body.refresh_token).toStartWith("rt_");
  expect(body.id_token).toBeString();
  expect(decodeJwt(body.access_token)).toMatchObject({
    sub: seed.alice.user_id,
    gty: "password",
    azp: realmClient.client_id,
  });
  const logs = (await json(h.admin("GET", "/logs?per_page=10"))) as Array<Record<string, unknown>>;
  expect(logs.find((log) => log.type === "sepft")).toMatchObject({ client_id: realmClient.client_id });
});

test("an unknown realm is invalid_request, before the password is looked at", async () => {
  const response = await realmExchange({ realm: "corporate-ldap", password: "wrong" });
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({
    error: "invalid_request",
    error_description: "Unknown realm: corporate-ldap",
  });
  const missing = await h.token({ ...aliceExchangeParams(seed), grant_type: PASSWORD_REALM });
  expect(missing.status).toBe(400);
});

test("wrong passwords get the password grant's answer", async () => {
  const response = await realmExchange({ password: "nope" });
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({
    error: "invalid_grant",
    error_description: "Wrong email or password.",
  });
});

test("the client must list the password-realm grant itself (listing password is not enough)", async () => {
  const response = await realmExchange({}, seed.postClient);
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({
    error: "unauthorized_client",
    error_description: `The client is not allowed the ${PASSWORD_REALM} grant.`,
  });
});
