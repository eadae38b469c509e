import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHarness, type Harness, seedTenant } from "../support/harness.ts";

/** `POST /api/v2/rules/try`: rules run in a throwaway host on a sample input, writing nothing. */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await seedTenant(h);
});
afterAll(() => h.close());

const tryRules = async (body: unknown) => {
  const answer = await h.admin("POST", "/rules/try", body);
  return { status: answer.status, body: await answer.json() };
};

describe("POST /api/v2/rules/try", () => {
  test("a draft: the user and context as it left them, claims, scope, metadata to write, console lines naming it", async () => {
    const { status, body } = await tryRules({
      script: `function (user, context, callback) {
        console.log("plan is", configuration.PLAN);
        user.app_metadata.plan = configuration.PLAN;
        context.accessToken["https://example.com/plan"] = configuration.PLAN;
        context.idToken.nickname_claim = user.nickname;
        context.accessToken.scope = "read:sample";
        auth0.users.updateAppMetadata(user.user_id, user.app_metadata).then(() => callback(null, user, context));
      }`,
      user: { email: "someone@example.org", nickname: "someone" },
      configuration: { PLAN: "gold" },
    });
    expect(status).toBe(200);
    expect(body.error).toBeUndefined();
    expect(body.logs).toEqual([{ level: "log", text: "plan is gold", rule: "draft" }]);
    expect(body.rules).toEqual([{ name: "draft", duration_ms: expect.any(Number) }]);
    expect(body.user).toMatchObject({ email: "someone@example.org", app_metadata: { plan: "gold" } });
    expect(body.context).toMatchObject({
      protocol: "oauth2-password",
      connection: "Username-Password-Authentication",
    });
    expect(body.scope).toEqual(["read:sample"]);
    expect(body.access_token_claims).toEqual({ "https://example.com/plan": "gold" });
    expect(body.id_token_claims).toEqual({ nickname_claim: "someone" });
    expect(body.metadata).toEqual({ app_metadata: { plan: "gold" } });
  });

  test("a denial is the error a token request would get, with what the rule did before it", async () => {
    const { status, body } = await tryRules({
      script: `function (user, context, callback) { console.warn("no"); callback(new UnauthorizedError("Not today.")); }`,
    });
    expect(status).toBe(200);
    expect(body.error).toEqual({
      error: "access_denied",
      error_description: "Not today.",
      detail: expect.stringContaining("UnauthorizedError"),
    });
    expect(body.logs).toEqual([{ level: "warn", text: "no", rule: "draft" }]);
  });

  test("a timeout is the server_error a token request would get", async () => {
    const { body } = await tryRules({ script: "function (user, context, callback) { for (;;) {} }" });
    expect(body.error).toMatchObject({ error: "server_error" });
  });

  test("the enabled rules in order, or one stored rule; nothing is written", async () => {
    const create = (name: string, order: number, enabled: boolean, line: string) =>
      h.admin("POST", "/rules", {
        name,
        order,
        enabled,
        script: `function (user, context, callback) { ${line} callback(null, user, context); }`,
      });
    const first = await (await create("first", 1, true, `context.accessToken.trail = ["first"];`)).json();
    await create("second", 2, true, `context.accessToken.trail.push("second");`);
    const off = await (await create("off", 3, false, `context.accessToken.off = true;`)).json();
    const pipeline = await tryRules({});
    expect(pipeline.body.rules.map((rule: { name: string }) => rule.name)).toEqual(["first", "second"]);
    expect(pipeline.body.access_token_claims).toEqual({ trail: ["first", "second"] });
    const one = await tryRules({ id: off.id });
    expect(one.body.access_token_claims).toEqual({ off: true });
    expect((await tryRules({ id: first.id })).body.rules).toEqual([
      { name: "first", duration_ms: expect.any(Number) },
    ]);
  });

  test("bad requests: both a script and an id, an unknown id, a script that does not compile", async () => {
    const both = await tryRules({ script: "function (u, c, cb) { cb(null, u, c); }", id: "rul_x" });
    expect(both.status).toBe(400);
    expect((await tryRules({ id: "rul_nope" })).status).toBe(404);
    const broken = await tryRules({
      script: "function (user, context, callback) {\n  callback(null, user, context\n}",
    });
    expect(broken.status).toBe(400);
    expect(broken.body.message).toMatch(/line 3, column 1/);
    const notAFunction = await tryRules({ script: "callback(null, user, context)" });
    expect(notAFunction.status).toBe(400);
    expect(notAFunction.body.message).toMatch(/one function/);
    const computed = await tryRules({ script: "function (user, context, callback) { require('f' + 's'); }" });
    expect(computed.status).toBe(400);
    expect(computed.body.message).toMatch(/string literal/);
    const missing = await tryRules({ script: "function (user, context, callback) { require('left-pad'); }" });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/Cannot find module 'left-pad'/);
  });
});
