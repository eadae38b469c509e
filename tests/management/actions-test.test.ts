import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { insertAction } from "../../src/db/actions.ts";
import { createHarness, type Harness } from "../support/harness.ts";

/** `POST /api/v2/actions/actions/{id}/test`: an action's draft run on a payload in a throwaway host, writing nothing. */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

async function draft(
  trigger: "post-login" | "credentials-exchange",
  code: string,
  secrets: Record<string, string> = {},
) {
  const now = new Date();
  const id = crypto.randomUUID();
  await insertAction(h.deps.db, {
    id,
    name: `draft-${id.slice(0, 8)}`,
    supportedTriggers: [{ id: trigger, version: "v3" }],
    code,
    runtime: "node22",
    dependencies: [],
    secrets: Object.fromEntries(
      Object.entries(secrets).map(([name, value]) => [name, { value, updatedAt: now.getTime() }]),
    ),
    deployedVersionId: null,
    deployedAt: null,
    createdAt: now,
    updatedAt: now,
  });
  return id;
}

const testAction = async (id: string, payload: unknown) => {
  const answer = await h.admin("POST", `/actions/actions/${id}/test`, { payload });
  return { status: answer.status, body: await answer.json() };
};

describe("POST /api/v2/actions/actions/{id}/test", () => {
  test("runs the draft on the payload over a sample event, with its secrets, and says what it did", async () => {
    const id = await draft(
      "post-login",
      `exports.onExecutePostLogin = async (event, api) => {
        console.log("hello", event.user.email);
        api.accessToken.setCustomClaim("https://example.com/plan", event.secrets.PLAN);
        api.idToken.setCustomClaim("https://example.com/app", event.client.name);
        api.accessToken.addScope("write:sample");
        api.user.setAppMetadata("tested", true);
      };`,
      { PLAN: "gold" },
    );
    const { status, body } = await testAction(id, {
      user: { email: "someone@example.org", app_metadata: {} },
    });
    expect(status).toBe(200);
    expect(body.payload).toMatchObject({
      access_token_claims: { "https://example.com/plan": "gold" },
      id_token_claims: { "https://example.com/app": "Sample client" },
      scope: ["read:sample", "write:sample"],
      metadata: { app_metadata: { tested: true } },
      logs: [{ level: "log", text: "hello someone@example.org", rule: expect.any(String) }],
    });
    expect(body.payload.error).toBeUndefined();
  });

  test("a denial is the error a token request would get; a credentials-exchange code is kept", async () => {
    const denying = await draft(
      "post-login",
      `exports.onExecutePostLogin = async (event, api) => { api.access.deny("No."); };`,
    );
    expect((await testAction(denying, {})).body.payload.error).toMatchObject({
      error: "access_denied",
      error_description: "No.",
    });
    const scoped = await draft(
      "credentials-exchange",
      `exports.onExecuteCredentialsExchange = async (event, api) => { api.access.deny("invalid_scope", "Too much."); };`,
    );
    expect((await testAction(scoped, {})).body.payload.error).toEqual({
      error: "invalid_scope",
      error_description: "Too much.",
    });
  });

  test("a draft without the trigger's handler is a 400; an unknown action a 404", async () => {
    const wrong = await draft("post-login", `exports.onExecuteCredentialsExchange = async () => {};`);
    const answer = await testAction(wrong, {});
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/onExecutePostLogin/);
    expect((await testAction(crypto.randomUUID(), {})).status).toBe(404);
  });
});

describe("deploying an action loads it in a host first", () => {
  test("code that throws at top level is refused at deploy with its line, and nothing is deployed", async () => {
    const created = await h.admin("POST", "/actions/actions", {
      name: "throws-at-load",
      supported_triggers: [{ id: "post-login", version: "v3" }],
      code: `const ready = true;\nthrow new Error("not configured");\nexports.onExecutePostLogin = async () => {};`,
    });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    const deployed = await h.admin("POST", `/actions/actions/${id}/deploy`);
    expect(deployed.status).toBe(400);
    const body = await deployed.json();
    expect(body.message).toMatch(/does not load: .*not configured.*\(line 2/);
    expect((await (await h.admin("GET", `/actions/actions/${id}`)).json()).deployed_version).toBeUndefined();
  });
});
