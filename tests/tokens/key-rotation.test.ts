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
  // Each algorithm in use: the current key and the next one.
  expect(algs).toEqual(["EdDSA", "EdDSA", "RS256", "RS256"]);
});

const publishedKids = async (): Promise<string[]> =>
  (await json(h.request("/.well-known/jwks.json"))).keys.map((key: { kid: string }) => key.kid);

test("the JWKS publishes a next key that does not sign yet; rotation makes it the signing key", async () => {
  const signing = decodeProtectedHeader(await token("urn:rs256")).kid as string;
  const keys = await json(h.admin("GET", "/keys"));
  const next = keys.find((key: { alg: string; next: boolean }) => key.alg === "RS256" && key.next);
  expect(next).toMatchObject({ current: false, retire_after: null });
  expect(next.kid).not.toBe(signing);
  const published = await publishedKids();
  expect(published).toContain(next.kid);
  expect(published).toContain(signing);

  const { rotated } = await json(h.admin("POST", "/keys/rotate", { alg: "RS256" }));
  expect(rotated).toEqual([{ alg: "RS256", kid: next.kid, previous_kid: signing }]);
  expect(decodeProtectedHeader(await token("urn:rs256")).kid).toBe(next.kid);
  // A new next key is published in its place.
  const after = await json(h.admin("GET", "/keys"));
  const newNext = after.filter((key: { alg: string; next: boolean }) => key.alg === "RS256" && key.next);
  expect(newNext).toHaveLength(1);
  expect(newNext[0].kid).not.toBe(next.kid);
  expect(await publishedKids()).toContain(newNext[0].kid);
});

test("rotation: the new key signs, the old one verifies until its tokens have expired", async () => {
  const before = await token("urn:rs256");
  const oldKid = decodeProtectedHeader(before).kid as string;
  const cached = await json(h.request("/.well-known/jwks.json"));
  const rotated = await h.admin("POST", "/keys/rotate", { alg: "RS256" });
  expect(rotated.status).toBe(201);
  const { rotated: entries } = await rotated.json();
  expect(entries).toEqual([{ alg: "RS256", kid: expect.any(String), previous_kid: oldKid }]);

  const after = await token("urn:rs256");
  expect(decodeProtectedHeader(after).kid).toBe(entries[0].kid);
  await verify(before, "urn:rs256");
  await verify(after, "urn:rs256");
  // A verifier holding the JWKS from before the rotation verifies the new token too.
  await jwtVerify(after, createLocalJWKSet(cached), { audience: "urn:rs256", currentDate: clock.now() });

  const keys = await json(h.admin("GET", "/keys"));
  const old = keys.find((key: { kid: string }) => key.kid === oldKid);
  expect(old.current).toBe(false);
  // Kept for the longest token lifetime (the ID token's 10 hours here) plus 5 minutes of clock skew.
  expect(new Date(old.retire_after).getTime() - clock.now().getTime()).toBe(36_300_000);

  clock.advance(36_299);
  expect(await publishedKids()).toContain(oldKid);
  await verify(before, "urn:rs256").catch((error) => expect(error.code).toBe("ERR_JWT_EXPIRED"));
  clock.advance(2);
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
