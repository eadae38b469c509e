import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHarness, type Harness } from "../support/harness.ts";

// PATCH /api/v2/users/{id} merges user_metadata and app_metadata the way Auth0 does: top-level
// properties are merged, one set to null is removed, a nested object is replaced whole. Runs
// on SQLite, and on PostgreSQL with TEST_DATABASE_URL (scripts/test-postgres.sh).

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const json = async (response: Response | Promise<Response>) => (await response).json();

async function newUser(email: string, metadata: Record<string, unknown> = {}) {
  const created = await h.admin("POST", "/users", { email, password: "password123", ...metadata });
  expect(created.status).toBe(201);
  return (await created.json()).user_id as string;
}

const patch = (id: string, body: unknown) => h.admin("PATCH", `/users/${id}`, body);

describe("PATCH /api/v2/users/{id} metadata", () => {
  test("20 PATCHes at once, each setting its own key of user_metadata and of app_metadata, all land", async () => {
    const id = await newUser("concurrent@example.com", { user_metadata: { kept: true } });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        patch(id, { user_metadata: { [`key${i}`]: i }, app_metadata: { [`plan${i}`]: `tier${i}` } }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    const stored = await json(h.admin("GET", `/users/${id}`));
    expect(stored.user_metadata).toEqual({
      kept: true,
      ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key${i}`, i])),
    });
    expect(stored.app_metadata).toEqual(
      Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`plan${i}`, `tier${i}`])),
    );
  });

  test("top-level keys merge, null removes one, a nested object is replaced whole (its nulls kept), odd keys work", async () => {
    const id = await newUser("merge@example.com", {
      user_metadata: { theme: "dark", lang: "en", address: { city: "Oslo", zip: "0150" }, list: [1, 2] },
    });
    const oddKeys = { 'a"b': 1, "a\\b": 2, "a.b": 3, "a[0]": 4, "": 5, "é😀": 6, $: 7 };
    const patched = await patch(id, {
      user_metadata: {
        lang: null,
        missing: null,
        address: { city: "Bergen", note: null },
        list: [3],
        flag: false,
        nothing: { deep: { deeper: null } },
        ...oddKeys,
      },
    });
    expect(patched.status).toBe(200);
    const expected = {
      theme: "dark",
      address: { city: "Bergen", note: null },
      list: [3],
      flag: false,
      nothing: { deep: { deeper: null } },
      ...oddKeys,
    };
    expect((await patched.json()).user_metadata).toEqual(expected);
    expect((await json(h.admin("GET", `/users/${id}`))).user_metadata).toEqual(expected);
    // Removing the odd keys again, by null.
    const removed = await patch(id, {
      user_metadata: Object.fromEntries(Object.keys(oddKeys).map((key) => [key, null])),
    });
    expect((await removed.json()).user_metadata).toEqual({
      theme: "dark",
      address: { city: "Bergen", note: null },
      list: [3],
      flag: false,
      nothing: { deep: { deeper: null } },
    });
  });

  test("many keys in one PATCH (more than one SQL function call takes)", async () => {
    const id = await newUser("many@example.com", {
      app_metadata: Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`old${i}`, i])),
    });
    const changes = {
      ...Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`old${i}`, null])),
      ...Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`new${i}`, `v${i}`])),
    };
    const patched = await patch(id, { app_metadata: changes });
    expect(patched.status).toBe(200);
    expect((await patched.json()).app_metadata).toEqual(
      Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`new${i}`, `v${i}`])),
    );
  });

  test("the 16 KiB limit holds for the merged object: a PATCH that would pass it is a 400 and stores nothing", async () => {
    const half = "x".repeat(9000);
    const id = await newUser("large@example.com", { user_metadata: { first: half } });
    const refused = await patch(id, { name: "Not Stored", user_metadata: { second: half } });
    expect(refused.status).toBe(400);
    expect((await refused.json()).message).toBe(
      "Payload validation error: 'user_metadata must not exceed 16384 bytes' on property user_metadata.",
    );
    const stored = await json(h.admin("GET", `/users/${id}`));
    expect(stored.user_metadata).toEqual({ first: half });
    expect(stored.name).not.toBe("Not Stored");
    const appRefused = await patch(id, { app_metadata: { big: "y".repeat(17_000) } });
    expect(appRefused.status).toBe(400);
    expect((await appRefused.json()).message).toContain("app_metadata must not exceed");
    // Replacing the large value (the result fits) is accepted.
    const replaced = await patch(id, { user_metadata: { first: null, second: half } });
    expect(replaced.status).toBe(200);
    expect((await replaced.json()).user_metadata).toEqual({ second: half });
    expect((await patch("auth0|missing", { user_metadata: { a: 1 } })).status).toBe(404);
  });
});
