import { afterAll, beforeAll, describe, expect, test } from "bun:test";
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

const setLeeway = async (leeway: number) => {
  const response = await h.admin("PATCH", `/clients/${seed.postClient.client_id}`, {
    refresh_token: { leeway },
  });
  expect(response.status).toBe(200);
  expect((await response.json()).refresh_token).toEqual({ leeway });
};

const login = async () => {
  const response = await aliceExchange(h, seed, { scope: "offline_access" });
  expect(response.status).toBe(200);
  return ((await response.json()) as { refresh_token: string }).refresh_token;
};

const refresh = (refreshToken: string) =>
  h.token({
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    client_id: seed.postClient.client_id,
    client_secret: seed.postClient.client_secret,
  });

const liveFamilies = async () =>
  (
    (await (await h.admin("GET", `/users/${seed.alice.user_id}/refresh-tokens`)).json()) as {
      tokens: unknown[];
    }
  ).tokens.length;

describe("refresh_token.leeway (Auth0's reuse interval)", () => {
  test("a client's refresh_token.leeway defaults to 0, is set and validated by the management API", async () => {
    const created = await (await h.admin("POST", "/clients", { name: "leeway default" })).json();
    expect(created.refresh_token).toEqual({ leeway: 0 });
    const withLeeway = await h.admin("POST", "/clients", { name: "leeway", refresh_token: { leeway: 15 } });
    expect((await withLeeway.json()).refresh_token).toEqual({ leeway: 15 });
    for (const refresh_token of [{ leeway: -1 }, { leeway: 1.5 }, { leeway: 3601 }, { rotation_type: "x" }]) {
      expect((await h.admin("PATCH", `/clients/${created.client_id}`, { refresh_token })).status).toBe(400);
    }
  });

  test("leeway 0: two refreshes with the same token at once end the session", async () => {
    await h.admin("DELETE", `/users/${seed.alice.user_id}/refresh-tokens`);
    await setLeeway(0);
    const token = await login();
    const answers = await Promise.all([refresh(token), refresh(token)]);
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 400]);
    const winner = answers.find((answer) => answer.status === 200)!;
    const { refresh_token: winnerToken } = await winner.json();
    expect((await refresh(winnerToken)).status).toBe(400);
    expect(await liveFamilies()).toBe(0);
  });

  test("leeway 30: both parallel refreshes succeed, the family stays alive with one live token", async () => {
    await h.admin("DELETE", `/users/${seed.alice.user_id}/refresh-tokens`);
    await setLeeway(30);
    const token = await login();
    const answers = await Promise.all([refresh(token), refresh(token)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    const [first, second] = (await Promise.all(answers.map((answer) => answer.json()))) as Array<{
      refresh_token: string;
      access_token: string;
    }>;
    expect(first!.refresh_token).not.toBe(second!.refresh_token);
    expect(await liveFamilies()).toBe(1);

    // Past the leeway, exactly one of the two is the family's live token.
    clock.advance(31);
    const live = await refresh(second!.refresh_token);
    const stale = live.status === 200 ? first! : second!;
    const current =
      live.status === 200 ? ((await live.json()) as { refresh_token: string }).refresh_token : undefined;
    if (current === undefined) {
      // The second answer's token was rotated away by the first; reuse past the leeway revokes.
      expect(await liveFamilies()).toBe(0);
      return;
    }
    expect(await liveFamilies()).toBe(1);
    expect((await refresh(stale.refresh_token)).status).toBe(400);
    expect(await liveFamilies()).toBe(0);
    expect((await refresh(current)).status).toBe(400);
  });

  test("within the leeway the previous token gets a fresh rotation; after it, reuse revokes the family", async () => {
    await h.admin("DELETE", `/users/${seed.alice.user_id}/refresh-tokens`);
    await setLeeway(30);
    const original = await login();
    const rotated = (await (await refresh(original)).json()).refresh_token as string;
    clock.advance(10);
    const again = await refresh(original);
    expect(again.status).toBe(200);
    const replayed = (await again.json()).refresh_token as string;
    expect([original, rotated]).not.toContain(replayed);
    expect(await liveFamilies()).toBe(1);
    // One live token per family: the replay's token is live, `rotated` was rotated away just now.
    const next = await refresh(replayed);
    expect(next.status).toBe(200);
    const latest = (await next.json()).refresh_token as string;

    clock.advance(31);
    expect((await refresh(original)).status).toBe(400);
    expect(await liveFamilies()).toBe(0);
    expect((await refresh(latest)).status).toBe(400);
  });
});
