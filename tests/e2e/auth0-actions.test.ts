/**
 * Auth0 Actions end to end, on Bun (`bun test`) and Deno (`deno task test`), on SQLite and
 * PostgreSQL: actions created, deployed and bound through the Management API run on a
 * password exchange and on client credentials.
 */
import { decodeJwt } from "jose";
import { createHarness, type Harness, seedTenant } from "../support/harness.ts";
import { afterAll, beforeAll, describe, expect, test } from "../support/test-api.ts";

describe("e2e: Auth0 Actions", () => {
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
  const deployed = async (name: string, trigger: string, code: string) => {
    const created = await json(
      h.admin("POST", "/actions/actions", {
        name,
        supported_triggers: [{ id: trigger, version: trigger === "post-login" ? "v3" : "v2" }],
        code,
        secrets: [{ name: "PLAN", value: "gold" }],
        deploy: true,
      }),
    );
    expect(created.status).toBe(201);
    return created.body.id as string;
  };

  test("post-login actions run in binding order with their secrets; a deny is 403", async () => {
    const first = await deployed(
      "first",
      "post-login",
      `exports.onExecutePostLogin = async (event, api) => {
        api.accessToken.setCustomClaim("https://example.com/trail", ["first:" + event.secrets.PLAN]);
      };`,
    );
    await deployed(
      "second",
      "post-login",
      `exports.onExecutePostLogin = async (event, api) => {
        if (event.request.body.scope === "deny") return api.access.deny("Not this time.");
        api.accessToken.setCustomClaim("https://example.com/trail", ["first:gold", "second"]);
      };`,
    );
    const bound = await h.admin("PATCH", "/actions/triggers/post-login/bindings", {
      bindings: [
        { ref: { type: "action_id", value: first } },
        { ref: { type: "action_name", value: "second" } },
      ],
    });
    expect(bound.status).toBe(200);
    const login = (scope: string) =>
      json(
        h.token({
          grant_type: "password",
          username: "alice@example.com",
          password: "correct horse battery",
          audience: "https://api.example.com",
          scope,
          client_id: seed.postClient.client_id,
          client_secret: seed.postClient.client_secret,
        }),
      );
    const ok = await login("read:things");
    expect(ok.status).toBe(200);
    expect(decodeJwt(ok.body.access_token)["https://example.com/trail"]).toEqual(["first:gold", "second"]);
    expect((await login("deny")).body).toEqual({
      error: "access_denied",
      error_description: "Not this time.",
    });
  });

  test("a credentials-exchange action runs on client credentials", async () => {
    const machine = (
      await json(h.admin("POST", "/clients", { name: "machine", grant_types: ["client_credentials"] }))
    ).body;
    await h.admin("POST", "/client-grants", {
      client_id: machine.client_id,
      audience: "https://api.example.com",
      scope: ["read:things"],
    });
    const id = await deployed(
      "machine-claim",
      "credentials-exchange",
      `exports.onExecuteCredentialsExchange = async (event, api) => {
        api.accessToken.setCustomClaim("https://example.com/machine", event.client.name);
      };`,
    );
    await h.admin("PATCH", "/actions/triggers/credentials-exchange/bindings", {
      bindings: [{ ref: { type: "action_id", value: id } }],
    });
    const token = await json(
      h.token({
        grant_type: "client_credentials",
        audience: "https://api.example.com",
        client_id: machine.client_id,
        client_secret: machine.client_secret,
      }),
    );
    expect(token.status).toBe(200);
    expect(decodeJwt(token.body.access_token)["https://example.com/machine"]).toBe("machine");
  });
});
