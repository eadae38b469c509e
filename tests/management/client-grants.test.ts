import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHarness, type Harness, type SeededTenant, seedTenant } from "../support/harness.ts";

let h: Harness;
let seed: SeededTenant;
const API = "https://api.example.com";
const json = async (response: Response | Promise<Response>) => (await response).json();

beforeAll(async () => {
  h = await createHarness();
  seed = await seedTenant(h);
});
afterAll(() => h.close());

test("POST creates a grant in Auth0's shape; GET lists it, filtered and paged", async () => {
  const created = await h.admin("POST", "/client-grants", {
    client_id: seed.postClient.client_id,
    audience: API,
    scope: ["read:things"],
  });
  expect(created.status).toBe(201);
  const grant = await created.json();
  expect(grant).toEqual({
    id: expect.stringMatching(/^cgr_/),
    client_id: seed.postClient.client_id,
    audience: API,
    scope: ["read:things"],
  });
  await h.admin("POST", "/client-grants", {
    client_id: seed.basicClient.client_id,
    audience: API,
    scope: [],
  });

  expect(await json(h.admin("GET", "/client-grants"))).toHaveLength(2);
  expect(await json(h.admin("GET", `/client-grants?client_id=${seed.postClient.client_id}`))).toEqual([
    grant,
  ]);
  const pageOf = (page: number) =>
    json(h.admin("GET", `/client-grants?audience=${encodeURIComponent(API)}&per_page=1&page=${page}`));
  const paged = [...(await pageOf(0)), ...(await pageOf(1))] as Array<{ client_id: string }>;
  expect(paged.map((listed) => listed.client_id).sort()).toEqual(
    [seed.postClient.client_id, seed.basicClient.client_id].sort(),
  );
  expect(
    await json(h.admin("GET", "/client-grants?audience=https://none.example.com&include_totals=true")),
  ).toEqual({
    client_grants: [],
    start: 0,
    limit: 50,
    length: 0,
    total: 0,
  });
});

test("a second grant for the same client and API is a 409", async () => {
  const again = await h.admin("POST", "/client-grants", {
    client_id: seed.postClient.client_id,
    audience: API,
    scope: [],
  });
  expect(again.status).toBe(409);
  expect(await again.json()).toEqual({
    statusCode: 409,
    error: "Conflict",
    message: `A client grant for ${seed.postClient.client_id} and ${API} already exists.`,
    errorCode: "already_exists",
  });
});

test("an unknown client or API is a 404; a scope the API does not define a 400", async () => {
  const noClient = await h.admin("POST", "/client-grants", {
    client_id: "cli_nobody",
    audience: API,
    scope: [],
  });
  expect(noClient.status).toBe(404);
  expect(await noClient.json()).toEqual({
    statusCode: 404,
    error: "Not Found",
    message: "The client does not exist.",
    errorCode: "inexistent_entity",
  });
  const noApi = await h.admin("POST", "/client-grants", {
    client_id: seed.postClient.client_id,
    audience: "https://none.example.com",
    scope: [],
  });
  expect(noApi.status).toBe(404);
  expect((await noApi.json()).message).toBe("The resource server does not exist.");
  const badScope = await h.admin("POST", "/client-grants", {
    client_id: seed.publicClient.client_id,
    audience: API,
    scope: ["delete:things"],
  });
  expect(badScope.status).toBe(400);
  expect(await badScope.json()).toEqual({
    statusCode: 400,
    error: "Bad Request",
    message: `The scope delete:things is not defined by ${API}.`,
    errorCode: "invalid_body",
  });
  const missing = await h.admin("POST", "/client-grants", { client_id: seed.postClient.client_id });
  expect(missing.status).toBe(400);
  expect((await missing.json()).errorCode).toBe("invalid_body");
});

test("PATCH replaces the scope; PATCH and DELETE of an unknown grant are 404s", async () => {
  const [grant] = await json(h.admin("GET", `/client-grants?client_id=${seed.postClient.client_id}`));
  const patched = await h.admin("PATCH", `/client-grants/${grant.id}`, {
    scope: ["read:things", "write:things"],
  });
  expect(patched.status).toBe(200);
  expect(await patched.json()).toEqual({ ...grant, scope: ["read:things", "write:things"] });
  const unknownScope = await h.admin("PATCH", `/client-grants/${grant.id}`, { scope: ["nope"] });
  expect(unknownScope.status).toBe(400);
  const extra = await h.admin("PATCH", `/client-grants/${grant.id}`, { scope: [], audience: "x" });
  expect(extra.status).toBe(400);
  expect((await h.admin("PATCH", "/client-grants/cgr_none", { scope: [] })).status).toBe(404);
  const gone = await h.admin("DELETE", "/client-grants/cgr_none");
  expect(gone.status).toBe(404);
  expect((await gone.json()).message).toBe("The client grant does not exist.");
});

test("DELETE removes a grant; deleting its client or its API removes the grants too", async () => {
  const grants = await json(h.admin("GET", "/client-grants"));
  const deleted = await h.admin("DELETE", `/client-grants/${grants[0].id}`);
  expect(deleted.status).toBe(204);
  expect(await json(h.admin("GET", "/client-grants"))).toHaveLength(1);

  const client = await json(h.admin("POST", "/clients", { name: "short-lived" }));
  await h.admin("POST", "/client-grants", { client_id: client.client_id, audience: API, scope: [] });
  await h.admin("DELETE", `/clients/${client.client_id}`);
  expect(await json(h.admin("GET", `/client-grants?client_id=${client.client_id}`))).toEqual([]);

  const api = await json(h.admin("POST", "/resource-servers", { identifier: "https://temp.example.com" }));
  await h.admin("POST", "/client-grants", {
    client_id: seed.postClient.client_id,
    audience: "https://temp.example.com",
    scope: [],
  });
  await h.admin("DELETE", `/resource-servers/${api.id}`);
  expect(await json(h.admin("GET", "/client-grants?audience=https://temp.example.com"))).toEqual([]);
});

test("the Management API can be granted, with its own scopes only", async () => {
  const management = "http://localhost/api/v2/";
  const granted = await h.admin("POST", "/client-grants", {
    client_id: seed.basicClient.client_id,
    audience: management,
    scope: ["read:users", "read:client_grants"],
  });
  expect(granted.status).toBe(201);
  const wrong = await h.admin("POST", "/client-grants", {
    client_id: seed.postClient.client_id,
    audience: management,
    scope: ["read:things"],
  });
  expect(wrong.status).toBe(400);
  const clash = await h.admin("POST", "/resource-servers", { identifier: management });
  expect(clash.status).toBe(409);
});
