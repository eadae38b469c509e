/**
 * `GET /api/v2/client-grants` with Auth0's checkpoint paging (`from`, `take`), which Auth0's
 * SDK v7 and a0deploy use for client grants: `{client_grants, next}`, `next` the cursor of
 * the following page and absent on the last.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHarness, type Harness, type SeededTenant, seedTenant } from "../support/harness.ts";

let h: Harness;
let seed: SeededTenant;
const API = "https://api.example.com";
const json = async (response: Response | Promise<Response>) => (await response).json();

beforeAll(async () => {
  h = await createHarness();
  seed = await seedTenant(h);
  for (const client of [seed.postClient, seed.basicClient]) {
    const created = await h.admin("POST", "/client-grants", {
      client_id: client.client_id,
      audience: API,
      scope: [],
    });
    expect(created.status).toBe(201);
  }
});
afterAll(() => h.close());

test("take pages through every grant once, following next", async () => {
  const all = (await json(h.admin("GET", "/client-grants"))) as { id: string }[];
  expect(all).toHaveLength(2);
  const first = await json(h.admin("GET", "/client-grants?take=1&include_totals=true"));
  expect(first).toEqual({ client_grants: [expect.any(Object)], next: first.client_grants[0].id });
  const second = await json(h.admin("GET", `/client-grants?take=1&from=${first.next}`));
  expect(second).toEqual({ client_grants: [expect.any(Object)] });
  expect([first.client_grants[0].id, second.client_grants[0].id].sort()).toEqual(
    all.map((grant) => grant.id).sort(),
  );
});

test("take with the filters; a take of more than 100 is refused", async () => {
  const page = await json(h.admin("GET", `/client-grants?take=50&client_id=${seed.basicClient.client_id}`));
  expect(page).toEqual({
    client_grants: [
      { id: expect.any(String), client_id: seed.basicClient.client_id, audience: API, scope: [] },
    ],
  });
  expect((await h.admin("GET", "/client-grants?take=101")).status).toBe(400);
});
