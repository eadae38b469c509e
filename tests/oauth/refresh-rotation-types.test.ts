import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHarness, type Harness, type SeededTenant, seedTenant, testClock } from "../support/harness.ts";

let h: Harness;
let seed: SeededTenant;
const clock = testClock(new Date("2026-01-01T00:00:00Z"));
const json = async (response: Response | Promise<Response>) => (await response).json();

const clientWith = async (refresh_token: Record<string, unknown>) =>
  (await json(h.admin("POST", "/clients", { name: "app", refresh_token }))) as {
    client_id: string;
    client_secret: string;
    refresh_token: Record<string, unknown>;
  };
const login = async (client: { client_id: string; client_secret: string }) => {
  const body = await json(
    h.token({
      grant_type: "password",
      username: "alice@example.com",
      password: "correct horse battery",
      audience: "https://api.example.com",
      scope: "offline_access read:things",
      client_id: client.client_id,
      client_secret: client.client_secret,
    }),
  );
  return body.refresh_token as string;
};
const refresh = (client: { client_id: string; client_secret: string }, refreshToken: string) =>
  h.token({
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    client_id: client.client_id,
    client_secret: client.client_secret,
  });
const invalid = {
  error: "invalid_grant",
  error_description: "The refresh token is invalid, expired or revoked.",
};

beforeAll(async () => {
  h = await createHarness({}, { clock });
  seed = await seedTenant(h);
  // The API's own refresh-token lifetimes: 30 days absolute, 15 idle (the defaults).
  expect(seed.api.refresh_token_lifetime).toBe(2_592_000);
});
afterAll(() => h.close());

test("a new client rotates by default, and says so", async () => {
  const client = await clientWith({});
  expect(client.refresh_token).toEqual({ leeway: 0 });
  const first = await login(client);
  const rotated = await json(refresh(client, first));
  expect(rotated.refresh_token).toStartWith("rt_");
  expect(rotated.refresh_token).not.toBe(first);
  expect(await json(refresh(client, first))).toEqual(invalid);
});

test("a non-rotating client keeps its one refresh token: redeeming it returns none and it keeps working", async () => {
  const client = await clientWith({ rotation_type: "non-rotating", expiration_type: "non-expiring" });
  expect(client.refresh_token).toMatchObject({
    rotation_type: "non-rotating",
    expiration_type: "non-expiring",
  });
  const token = await login(client);
  for (let use = 0; use < 3; use++) {
    const response = await refresh(client, token);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.refresh_token).toBeUndefined();
    expect(body.access_token).toBeString();
  }
  // non-expiring: a year and more later it still works.
  clock.advance(400 * 86_400);
  expect((await refresh(client, token)).status).toBe(200);
});

test("a client's token_lifetime and idle_token_lifetime override the API's", async () => {
  const client = await clientWith({
    rotation_type: "non-rotating",
    expiration_type: "expiring",
    token_lifetime: 3 * 86_400,
    idle_token_lifetime: 86_400,
  });
  const token = await login(client);
  clock.advance(86_000);
  expect((await refresh(client, token)).status).toBe(200);
  // Idle for a day after its last use: gone, though the API would allow 15 days.
  clock.advance(86_401);
  expect(await json(refresh(client, token))).toEqual(invalid);

  const second = await login(client);
  for (let day = 0; day < 3; day++) {
    clock.advance(80_000);
    expect((await refresh(client, second)).status).toBe(200);
  }
  // Past the absolute 3 days, though it was used within the idle day.
  clock.advance(20_000);
  expect(await json(refresh(client, second))).toEqual(invalid);
});

test("infinite_idle_token_lifetime keeps an unused token alive until its absolute lifetime", async () => {
  const client = await clientWith({
    expiration_type: "expiring",
    token_lifetime: 10 * 86_400,
    infinite_idle_token_lifetime: true,
  });
  const token = await login(client);
  clock.advance(9 * 86_400);
  const rotated = await json(refresh(client, token));
  expect(rotated.refresh_token).toStartWith("rt_");
  clock.advance(86_401);
  expect(await json(refresh(client, rotated.refresh_token))).toEqual(invalid);
});

test("a rotating client switched to non-rotating keeps the token it has", async () => {
  const client = await clientWith({ rotation_type: "rotating" });
  const token = await login(client);
  const patched = await h.admin("PATCH", `/clients/${client.client_id}`, {
    refresh_token: { rotation_type: "non-rotating" },
  });
  expect(patched.status).toBe(200);
  expect((await refresh(client, token)).status).toBe(200);
  expect((await refresh(client, token)).status).toBe(200);
});

test("imported clients keep their Auth0 refresh token settings", async () => {
  const { planClientImport } = await import("../../src/imports/plan-client-import.ts");
  const plan = planClientImport(
    [
      {
        client_id: "auth0-x",
        name: "X",
        refresh_token: {
          rotation_type: "non-rotating",
          expiration_type: "non-expiring",
          leeway: 0,
          token_lifetime: 31_557_600,
          infinite_token_lifetime: true,
          infinite_idle_token_lifetime: true,
          idle_token_lifetime: 2_592_000,
          policies: null,
        },
      },
    ],
    [],
  );
  expect(plan.steps[0]).toMatchObject({
    action: "add",
    body: {
      refresh_token: {
        rotation_type: "non-rotating",
        expiration_type: "non-expiring",
        leeway: 0,
        token_lifetime: 31_557_600,
        infinite_token_lifetime: true,
        infinite_idle_token_lifetime: true,
        idle_token_lifetime: 2_592_000,
      },
    },
  });
  const step = plan.steps[0] as unknown as { body: Record<string, unknown> };
  const created = await h.admin("POST", "/clients", step.body);
  expect(created.status).toBe(201);
  expect((await created.json()).refresh_token).toMatchObject({ rotation_type: "non-rotating" });
});
