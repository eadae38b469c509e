/**
 * Auth0 Rules end to end, on Bun (`bun test`) and Deno (`deno task test`), on SQLite and
 * PostgreSQL: rules created through the Management API run in order on a password exchange
 * and a refresh, read `configuration`, store metadata through `auth0.users`, deny, and `try`
 * runs them without writing.
 */
import { decodeJwt } from "jose";
import { createHarness, type Harness, seedTenant } from "../support/harness.ts";
import { afterAll, beforeAll, describe, expect, test } from "../support/test-api.ts";

describe("e2e: Auth0 Rules", () => {
  let h: Harness;
  let seed: Awaited<ReturnType<typeof seedTenant>>;
  beforeAll(async () => {
    h = await createHarness({ RULE_TIMEOUT_MS: "2000" });
    seed = await seedTenant(h);
  });
  afterAll(() => h.close());

  const json = async (response: Response | Promise<Response>) => {
    const answer = await response;
    return { status: answer.status, body: await answer.json() };
  };
  const login = () =>
    json(
      h.token({
        grant_type: "password",
        username: "alice@example.com",
        password: "correct horse battery",
        audience: "https://api.example.com",
        scope: "openid offline_access read:things",
        client_id: seed.postClient.client_id,
        client_secret: seed.postClient.client_secret,
      }),
    );

  test("rules run in order with configuration and metadata writes, on login and refresh", async () => {
    expect((await h.admin("PUT", "/rules-configs/PLAN", { value: "gold" })).status).toBe(200);
    const second = await json(
      h.admin("POST", "/rules", {
        name: "second",
        order: 2,
        script: `function (user, context, callback) {
          context.accessToken["https://example.com/trail"] = context.trail.concat(context.protocol);
          callback(null, user, context);
        }`,
      }),
    );
    expect(second.status).toBe(201);
    const first = await json(
      h.admin("POST", "/rules", {
        name: "first",
        order: 1,
        script: `async function (user, context, callback) {
          context.trail = ["first:" + configuration.PLAN];
          user.app_metadata.logins = (user.app_metadata.logins || 0) + 1;
          await auth0.users.updateAppMetadata(user.user_id, user.app_metadata);
          callback(null, user, context);
        }`,
      }),
    );
    expect(first.status).toBe(201);
    const login1 = await login();
    expect(login1.status).toBe(200);
    expect(decodeJwt(login1.body.access_token)["https://example.com/trail"]).toEqual([
      "first:gold",
      "oauth2-password",
    ]);
    const stored = await json(h.admin("GET", `/users/${encodeURIComponent(seed.alice.user_id)}`));
    expect(stored.body.app_metadata.logins).toBe(1);
    const refreshed = await json(
      h.token({
        grant_type: "refresh_token",
        refresh_token: login1.body.refresh_token,
        client_id: seed.postClient.client_id,
        client_secret: seed.postClient.client_secret,
      }),
    );
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.access_token)["https://example.com/trail"]).toEqual([
      "first:gold",
      "oauth2-refresh-token",
    ]);
    const tried = await json(h.admin("POST", "/rules/try", {}));
    expect(tried.body.access_token_claims["https://example.com/trail"]).toEqual([
      "first:gold",
      "oauth2-password",
    ]);
    expect(tried.body.metadata).toEqual({ app_metadata: { logins: 1 } });
    const after = await json(h.admin("GET", `/users/${encodeURIComponent(seed.alice.user_id)}`));
    expect(after.body.app_metadata.logins).toBe(2);
  });

  test("a denial is 403 access_denied with the rule's message", async () => {
    const denying = await json(
      h.admin("POST", "/rules", {
        name: "deny",
        order: 3,
        script: `function (user, context, callback) { callback(new UnauthorizedError("Not this time.")); }`,
      }),
    );
    expect(denying.status).toBe(201);
    const denied = await login();
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ error: "access_denied", error_description: "Not this time." });
    expect((await h.admin("PATCH", `/rules/${denying.body.id}`, { enabled: false })).status).toBe(200);
    expect((await login()).status).toBe(200);
  });
});
