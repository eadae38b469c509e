/** The management API on both runtimes: authentication and CRUD of every resource. */
import { createHarness, type Harness } from "../support/harness.ts";
import { afterAll, beforeAll, describe, expect, test } from "../support/test-api.ts";

describe("e2e: the management API", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  test("needs the admin key", async () => {
    expect((await h.request("/api/v2/users")).status).toBe(401);
    expect((await h.request("/api/v2/users", { headers: { authorization: "Bearer nope" } })).status).toBe(
      401,
    );
  });

  test("users, clients, APIs and settings", async () => {
    const user = await (
      await h.admin("POST", "/users", { email: "e2e@example.com", password: "password 123" })
    ).json();
    expect(user.email).toBe("e2e@example.com");
    expect(JSON.stringify(user)).not.toContain("password 123");
    expect((await h.admin("PATCH", `/users/${user.user_id}`, { name: "E2E" })).status).toBe(200);
    expect(
      (await h.admin("POST", "/users", { email: "E2E@example.com", password: "password 123" })).status,
    ).toBe(409);
    expect((await h.admin("POST", "/users", { email: "bad" })).status).toBe(400);

    const client = await (await h.admin("POST", "/clients", { name: "e2e" })).json();
    expect(typeof client.client_secret).toBe("string");
    expect(
      (await (await h.admin("GET", `/clients/${client.client_id}`)).json()).client_secret,
    ).toBeUndefined();

    const api = await (
      await h.admin("POST", "/resource-servers", {
        identifier: "urn:e2e",
        scopes: [{ value: "a", description: "" }],
      })
    ).json();
    expect(api.token_lifetime).toBe(86400);
    const settings = await (
      await h.admin("PATCH", "/tenants/settings", { default_audience: "urn:e2e" })
    ).json();
    expect(settings.default_audience).toBe("urn:e2e");

    expect((await h.admin("DELETE", `/users/${user.user_id}`)).status).toBe(204);
    expect((await h.admin("GET", `/users/${user.user_id}`)).status).toBe(404);
    expect((await h.admin("DELETE", `/resource-servers/${api.id}`)).status).toBe(204);
  });
});
