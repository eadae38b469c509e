import { afterAll, beforeAll, expect, test } from "bun:test";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { createHarness, type Harness, testClock } from "../support/harness.ts";

const clock = testClock();
let h: Harness;
let client: { client_id: string; client_secret: string };

const json = async (response: Response | Promise<Response>) => (await response).json();

beforeAll(async () => {
  h = await createHarness({}, { clock });
  await h.admin("POST", "/resource-servers", { identifier: "urn:rs256", token_lifetime: 600 });
  await h.admin("POST", "/resource-servers", {
    identifier: "urn:eddsa",
    token_lifetime: 600,
    signing_alg: "EdDSA",
  });
  client = await json(h.admin("POST", "/clients", { name: "app" }));
  await h.admin("POST", "/users", { email: "kim@example.com", password: "kim password" });
});
afterAll(() => h.close());

const token = async (audience: string) =>
  (
    await json(
      h.token({
        grant_type: "password",
        username: "kim@example.com",
        password: "kim password",
        audience,
        client_id: client.client_id,
        client_secret: client.client_secret,
      }),
    )
  ).access_token as string;

const verify = async (jwt: string, audience: string) =>
  jwtVerify(jwt, createLocalJWKSet(await json(h.request("/.well-known/jwks.json"))), {
    audience,
    currentDate: clock.now(),
  });

test("ES256 and EdDSA APIs get their own keys in the JWKS", async () => {
  const eddsa = await token("urn:eddsa");
  expect(decodeProtectedHeader(eddsa).alg).toBe("EdDSA");
  await verify(eddsa, "urn:eddsa");
  const algs = (await json(h.request("/.well-known/jwks.json"))).keys
    .map((key: { alg: string }) => key.alg)
    .sort();
  expect(algs).toEqual(["EdDSA", "RS256"]);
});

test("rotation: the new key signs, the old one verifies until its tokens have expired", async () => {
  const before = await token("urn:rs256");
  const oldKid = decodeProtectedHeader(before).kid;
  const rotated = await h.admin("POST", "/keys/rotate", { alg: "RS256" });
  expect(rotated.status).toBe(201);
  const { rotated: entries } = await rotated.json();
  expect(entries).toEqual([{ alg: "RS256", kid: expect.any(String), previous_kid: oldKid }]);

  const after = await token("urn:rs256");
  expect(decodeProtectedHeader(after).kid).toBe(entries[0].kid);
  await verify(before, "urn:rs256");
  await verify(after, "urn:rs256");

  const keys = await json(h.admin("GET", "/keys"));
  const old = keys.find((key: { kid: string }) => key.kid === oldKid);
  expect(old.current).toBe(false);
  // Kept for the longest token lifetime: the ID token's 10 hours here.
  expect(new Date(old.retire_after).getTime() - clock.now().getTime()).toBe(36_000_000);

  clock.advance(36_001);
  const jwks = await json(h.request("/.well-known/jwks.json"));
  expect(jwks.keys.map((key: { kid: string }) => key.kid)).not.toContain(oldKid);
  expect(JSON.stringify(jwks)).not.toMatch(/"d":/);
});

test("rotating without an alg rotates every current key; the key list never shows private parts", async () => {
  const { rotated } = await json(h.admin("POST", "/keys/rotate"));
  expect(rotated.map((entry: { alg: string }) => entry.alg).sort()).toEqual(["EdDSA", "RS256"]);
  const keys = await h.admin("GET", "/keys");
  const text = await keys.text();
  expect(text).not.toContain('"d"');
  expect(text).not.toContain("private");
  expect((await h.request("/api/v2/keys/rotate", { method: "POST" })).status).toBe(401);
});
