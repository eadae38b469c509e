import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_KEY, createHarness, type Harness } from "../support/harness.ts";

/**
 * A NUL character (U+0000) is refused at the door with a 400, the same on SQLite and on
 * PostgreSQL (which cannot store one): never a 500 from deep inside a query. The fuzz tests
 * found these; here they are by name.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const form = (path: string, body: string) =>
  h.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });

describe("OAuth endpoints: RFC 6749 invalid_request", () => {
  for (const path of ["/oauth/token", "/oauth/revoke", "/oauth/introspect"]) {
    test(`${path} with a NUL in client_id`, async () => {
      const response = await form(path, "grant_type=password&token=x&client_id=%00");
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: "invalid_request",
        error_description: "Parameter 'client_id' contains a NUL character.",
      });
    });
  }

  test("/oauth/token with a NUL in a JSON password", async () => {
    const response = await h.token({
      grant_type: "password",
      username: "a@example.com",
      password: "a\u0000b",
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toBe("invalid_request");
  });
});

describe("the management API: Auth0's 400", () => {
  const refused = {
    statusCode: 400,
    error: "Bad Request",
    message: "The request contains a NUL character (U+0000).",
    errorCode: "invalid_body",
  };

  test("in a body: a rule secret", async () => {
    const response = await h.admin("PUT", "/rules/password-exchange/secrets", { NAME: "\u0000" });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(refused);
  });

  test("in a path: a user id", async () => {
    const response = await h.admin("GET", "/users/%00");
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(refused);
  });

  test("in a query: a user search by email", async () => {
    const response = await h.request("/api/v2/users-by-email?email=a%00%40example.com", {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(refused);
  });
});
