import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { LogEntry } from "../../src/logs/log-view.ts";
import { expectDocumented } from "../support/contract.ts";
import {
  aliceExchange,
  createHarness,
  type Harness,
  type SeededTenant,
  seedTenant,
} from "../support/harness.ts";

let h: Harness;
let seed: SeededTenant;
beforeAll(async () => {
  h = await createHarness();
  seed = await seedTenant(h);
});
afterAll(() => h.close());

/** An admin call whose answer must match openapi.yaml; returns status and body. */
async function admin<Body = unknown>(method: string, path: string, body?: unknown) {
  const response = await h.admin(method, path, body);
  const status = response.status;
  return { status, body: (await expectDocumented(method, `/api/v2${path}`, response)) as Body };
}

describe("GET /api/v2/users-by-email", () => {
  test("answers the user with that email, whatever its case, as GET /users/{id} does", async () => {
    const found = await admin("GET", "/users-by-email?email=ALICE%40example.COM");
    expect(found.status).toBe(200);
    const one = await admin("GET", `/users/${seed.alice.user_id}`);
    expect(found.body).toEqual([one.body]);
  });

  test("answers an empty array for an unknown email", async () => {
    expect(await admin("GET", "/users-by-email?email=nobody%40example.com")).toEqual({
      status: 200,
      body: [],
    });
  });

  test("without email is a 400 in Auth0's shape", async () => {
    const missing = await admin<Record<string, unknown>>("GET", "/users-by-email");
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ statusCode: 400, error: "Bad Request" });
    expect(missing.body.message).toContain("email");
  });
});

describe("GET /api/v2/users/{id}/logs", () => {
  test("answers the user's events newest first, sorts by date and pages with totals", async () => {
    expect((await aliceExchange(h, seed)).status).toBe(200);
    expect((await aliceExchange(h, seed, { password: "wrong" })).status).toBe(400);
    const id = seed.alice.user_id as string;
    const newest = await admin<LogEntry[]>("GET", `/users/${id}/logs`);
    expect(newest.status).toBe(200);
    expect(newest.body.map((entry) => entry.type)).toEqual(["fepft", "sepft"]);
    expect(newest.body.every((entry) => entry.user_id === id)).toBe(true);
    const viaLogs = await admin("GET", `/logs?user_id=${id}`);
    expect(newest.body).toEqual(viaLogs.body as LogEntry[]);

    const oldest = await admin<LogEntry[]>("GET", `/users/${id}/logs?sort=date:1`);
    expect(oldest.body.map((entry) => entry.type)).toEqual(["sepft", "fepft"]);
    const paged = await admin("GET", `/users/${id}/logs?per_page=1&page=1&include_totals=true`);
    expect(paged.body).toEqual({ logs: [newest.body[1]], start: 1, limit: 1, length: 1, total: 2 });
  });

  test("404 for an unknown user, 400 for an unknown sort", async () => {
    expect((await admin("GET", "/users/usr_missing/logs")).status).toBe(404);
    const id = seed.alice.user_id as string;
    expect((await admin("GET", `/users/${id}/logs?sort=type:1`)).status).toBe(400);
  });
});

describe("/api/v2/user-blocks?identifier=", () => {
  test("shows a login name's blocks and lifts them", async () => {
    const wrong = { username: "bob@example.com", password: "nope" };
    for (let i = 0; i < 10; i++) await aliceExchange(h, seed, wrong, { remoteAddress: "192.0.2.7" });
    expect((await aliceExchange(h, seed, wrong, { remoteAddress: "192.0.2.7" })).status).toBe(429);

    const blocks = await admin<{ blocked_for: Array<Record<string, string>> }>(
      "GET",
      "/user-blocks?identifier=Bob%40Example.com",
    );
    expect(blocks.status).toBe(200);
    expect(blocks.body.blocked_for).toEqual([
      { identifier: "bob@example.com", ip: "192.0.2.7", blocked_at: expect.any(String) },
    ]);
    expect((await admin("DELETE", "/user-blocks?identifier=bob%40example.com")).status).toBe(204);
    expect((await admin("GET", "/user-blocks?identifier=bob%40example.com")).body).toEqual({
      blocked_for: [],
    });
    expect((await admin("GET", `/user-blocks/${seed.bob.user_id}`)).body).toEqual({ blocked_for: [] });
  });

  test("without identifier is a 400", async () => {
    expect((await admin("GET", "/user-blocks")).status).toBe(400);
    expect((await admin("DELETE", "/user-blocks")).status).toBe(400);
  });
});

describe("/api/v2/keys/signing", () => {
  test("lists and rotates the keys as /api/v2/keys does", async () => {
    const signing = await admin<Array<{ kid: string; current: boolean }>>("GET", "/keys/signing");
    expect(signing.status).toBe(200);
    expect(signing.body).toEqual((await admin("GET", "/keys")).body as typeof signing.body);
    const rotated = await admin<{ rotated: Array<{ kid: string; previous_kid: string | null }> }>(
      "POST",
      "/keys/signing/rotate",
      { alg: "RS256" },
    );
    expect(rotated.status).toBe(201);
    const [entry] = rotated.body.rotated;
    const after = await admin<Array<{ kid: string; current: boolean }>>("GET", "/keys/signing");
    expect(after.body.find((key) => key.kid === entry?.kid)?.current).toBe(true);
    expect((await admin("POST", "/keys/signing/rotate", { alg: "HS256" })).status).toBe(400);
  });
});

describe("what export tools read first: empty lists", () => {
  test("GET /api/v2/rules and /api/v2/hooks answer [] (and the paged shape with include_totals)", async () => {
    for (const resource of ["rules", "hooks"]) {
      expect(await admin("GET", `/${resource}`)).toEqual({ status: 200, body: [] });
      expect(await admin("GET", `/${resource}?include_totals=true&page=0&per_page=100&enabled=true`)).toEqual(
        {
          status: 200,
          body: { [resource]: [], start: 0, limit: 100, length: 0, total: 0 },
        },
      );
    }
  });

  test("GET /api/v2/actions/actions answers Auth0's paged shape (20 a page by default)", async () => {
    expect(await admin("GET", "/actions/actions")).toEqual({
      status: 200,
      body: { actions: [], total: 0, page: 0, per_page: 20 },
    });
    expect(await admin("GET", "/actions/actions?page=2&per_page=10&deployed=true")).toEqual({
      status: 200,
      body: { actions: [], total: 0, page: 2, per_page: 10 },
    });
  });

  test("the password-exchange rule keeps its own route", async () => {
    // No rule is deployed in the seed: the route answers that the rule, not the route, is missing.
    expect((await admin("GET", "/rules/password-exchange")).body).toMatchObject({
      statusCode: 404,
      errorCode: "inexistent_entity",
    });
  });
});

test("every new route needs the admin key", async () => {
  for (const [method, path] of [
    ["GET", "/api/v2/users-by-email?email=alice%40example.com"],
    ["GET", `/api/v2/users/${seed.alice.user_id}/logs`],
    ["GET", "/api/v2/user-blocks?identifier=bob%40example.com"],
    ["DELETE", "/api/v2/user-blocks?identifier=bob%40example.com"],
    ["GET", "/api/v2/keys/signing"],
    ["POST", "/api/v2/keys/signing/rotate"],
    ["GET", "/api/v2/rules"],
    ["GET", "/api/v2/hooks"],
    ["GET", "/api/v2/actions/actions"],
  ] as const) {
    const response = await h.request(path, { method });
    expect(response.status).toBe(401);
    await expectDocumented(method, path, response);
  }
});
