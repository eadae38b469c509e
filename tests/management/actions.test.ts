/**
 * `/api/v2/actions`: Auth0's Actions in Auth0's shapes (Management API v2, Actions): drafts,
 * deploys, versions and roll-backs, the post-login and credentials-exchange triggers and
 * their bindings, write-only secrets and the `*:actions` scopes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RuleScript } from "../../src/rules/contract.ts";
import { expectDocumented } from "../support/contract.ts";
import { createHarness, type Harness, testClock } from "../support/harness.ts";
import { ruleModulesDir } from "../support/rule-modules.ts";

let h: Harness;
const clock = testClock(new Date("2026-03-01T10:00:00.000Z"));
/** The flows the routes asked the pool to warm, in order (the pool itself is not started for it). */
const prepared: RuleScript[] = [];
beforeAll(async () => {
  h = await createHarness({ RULE_MODULES_DIR: ruleModulesDir() }, { clock });
  h.deps.rules.prepare = (rule) => void prepared.push(rule);
});
afterAll(() => h.close());

/** Every answer's text, to prove no secret value ever leaves the server. */
const answers: string[] = [];

/** An admin call whose answer is checked against openapi.yaml; the status and the JSON body. */
const admin = async (method: string, path: string, body?: unknown) => {
  const response = await h.admin(method, path, body);
  await expectDocumented(method, `/api/v2${path}`, response.clone());
  const text = await response.text();
  answers.push(text);
  return { status: response.status, body: text ? JSON.parse(text) : null };
};

const postLogin = (body: string) => `exports.onExecutePostLogin = async (event, api) => {\n  ${body}\n};`;
const POST_LOGIN = [{ id: "post-login", version: "v3" }];
const CREDENTIALS_EXCHANGE = [{ id: "credentials-exchange", version: "v2" }];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const badRequest = (message: string) => ({
  status: 400,
  body: { statusCode: 400, error: "Bad Request", message, errorCode: "invalid_body" },
});
const SECRET_VALUES = ["alpha-value-Zq81", "beta-value-Xy27", "gamma-value-Pl55", "rotated-value-Wm03"];

const ids: Record<string, string> = {};

describe("create, get and list", () => {
  test("POST: 201 in Auth0's shape, never deployed; secrets by name only", async () => {
    const created = await admin("POST", "/actions/actions", {
      name: "add-plan",
      supported_triggers: POST_LOGIN,
      code: postLogin("api.accessToken.setCustomClaim('https://example.com/plan', event.secrets.PLAN);"),
      dependencies: [{ name: "lodash", version: "4.17.21" }],
      secrets: [
        { name: "PLAN", value: SECRET_VALUES[0] },
        { name: "API_KEY", value: SECRET_VALUES[1] },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(UUID),
      name: "add-plan",
      supported_triggers: POST_LOGIN,
      all_changes_deployed: false,
      created_at: "2026-03-01T10:00:00.000Z",
      updated_at: "2026-03-01T10:00:00.000Z",
      code: postLogin("api.accessToken.setCustomClaim('https://example.com/plan', event.secrets.PLAN);"),
      dependencies: [{ name: "lodash", version: "4.17.21" }],
      runtime: "node22",
      secrets: [
        { name: "API_KEY", updated_at: "2026-03-01T10:00:00.000Z" },
        { name: "PLAN", updated_at: "2026-03-01T10:00:00.000Z" },
      ],
      status: "built",
    });
    ids.plan = created.body.id;
  });

  test("the version defaults to the trigger's current one; node18 is stored as node18-actions", async () => {
    clock.advance(1);
    const created = await admin("POST", "/actions/actions", {
      name: "m2m-claims",
      supported_triggers: [{ id: "credentials-exchange" }],
      runtime: "node18",
      code: "module.exports = { onExecuteCredentialsExchange: async (event, api) => {} };",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      supported_triggers: CREDENTIALS_EXCHANGE,
      runtime: "node18-actions",
      dependencies: [],
      secrets: [],
    });
    ids.m2m = created.body.id;
  });

  test("deploy: true deploys the new action at once, as version 1", async () => {
    clock.advance(1);
    const created = await admin("POST", "/actions/actions", {
      name: "audit",
      supported_triggers: POST_LOGIN,
      code: postLogin("console.log(event.user.user_id);"),
      deploy: true,
    });
    expect(created.status).toBe(201);
    ids.audit = created.body.id;
    expect(created.body.all_changes_deployed).toBe(true);
    expect(created.body.deployed_version).toEqual({
      id: expect.stringMatching(UUID),
      action_id: ids.audit,
      code: postLogin("console.log(event.user.user_id);"),
      dependencies: [],
      deployed: true,
      runtime: "node22",
      secrets: [],
      status: "built",
      number: 1,
      errors: [],
      action: {
        id: ids.audit,
        name: "audit",
        supported_triggers: POST_LOGIN,
        all_changes_deployed: true,
        created_at: "2026-03-01T10:00:02.000Z",
        updated_at: "2026-03-01T10:00:02.000Z",
      },
      built_at: "2026-03-01T10:00:02.000Z",
      created_at: "2026-03-01T10:00:02.000Z",
      updated_at: "2026-03-01T10:00:02.000Z",
      supported_triggers: POST_LOGIN,
    });
  });

  test("GET: oldest first, Auth0's paging (per_page 20 by default), each as GET by id answers it", async () => {
    const all = await admin("GET", "/actions/actions");
    expect(all.status).toBe(200);
    expect(all.body.actions.map((action: { name: string }) => action.name)).toEqual([
      "add-plan",
      "m2m-claims",
      "audit",
    ]);
    expect(all.body).toMatchObject({ total: 3, page: 0, per_page: 20 });
    for (const action of all.body.actions) {
      expect((await admin("GET", `/actions/actions/${action.id}`)).body).toEqual(action);
    }
    const second = await admin("GET", "/actions/actions?page=1&per_page=2");
    expect(second.body).toMatchObject({ total: 3, page: 1, per_page: 2 });
    expect(second.body.actions.map((action: { name: string }) => action.name)).toEqual(["audit"]);
  });

  test("triggerId, actionName, deployed and installed filter the list", async () => {
    const names = async (query: string) =>
      (await admin("GET", `/actions/actions?${query}`)).body.actions.map(
        (action: { name: string }) => action.name,
      );
    expect(await names("triggerId=credentials-exchange")).toEqual(["m2m-claims"]);
    expect(await names("triggerId=post-login")).toEqual(["add-plan", "audit"]);
    expect(await names("actionName=audit")).toEqual(["audit"]);
    expect(await names("actionName=aud")).toEqual([]);
    expect(await names("deployed=true")).toEqual(["audit"]);
    expect(await names("deployed=false")).toEqual(["add-plan", "m2m-claims"]);
    expect(await names("installed=true")).toEqual([]);
    expect(await names("installed=false")).toEqual(["add-plan", "m2m-claims", "audit"]);
    expect((await admin("GET", "/actions/actions?deployed=true")).body.total).toBe(1);
  });

  test("an unknown id is Auth0's 404", async () => {
    expect(await admin("GET", "/actions/actions/6f1c56d2-0000-4000-8000-000000000000")).toEqual({
      status: 404,
      body: {
        statusCode: 404,
        error: "Not Found",
        message: "The action does not exist.",
        errorCode: "inexistent_entity",
      },
    });
  });

  test("a name another action has is a 409, on create and on rename", async () => {
    const conflict = {
      status: 409,
      body: {
        statusCode: 409,
        error: "Conflict",
        message: "An action with the same name already exists.",
        errorCode: "already_exists",
      },
    };
    expect(
      await admin("POST", "/actions/actions", { name: "audit", supported_triggers: POST_LOGIN }),
    ).toEqual(conflict);
    expect(await admin("PATCH", `/actions/actions/${ids.plan}`, { name: "audit" })).toEqual(conflict);
  });
});

describe("refused triggers, runtimes and code", () => {
  const create = (body: Record<string, unknown>) =>
    admin("POST", "/actions/actions", { name: "refused", supported_triggers: POST_LOGIN, ...body });
  const TRIGGERS_ONLY =
    "Rulegate runs actions on the post-login (v3) and credentials-exchange (v2) triggers only.";

  test("a trigger Rulegate does not run, or another version of one, is a 400 naming the ones it runs", async () => {
    expect(await create({ supported_triggers: [{ id: "pre-user-registration", version: "v2" }] })).toEqual(
      badRequest(TRIGGERS_ONLY),
    );
    expect(await create({ supported_triggers: [{ id: "post-login", version: "v2" }] })).toEqual(
      badRequest(TRIGGERS_ONLY),
    );
    const two = await create({ supported_triggers: [...POST_LOGIN, ...CREDENTIALS_EXCHANGE] });
    expect(two.status).toBe(400);
    expect(two.body.message).toContain("supported_triggers");
    expect(await create({ runtime: "node16" })).toEqual(
      badRequest("The runtime must be one of node18-actions, node22 (or node18)."),
    );
  });

  test("a syntax error is a 400 with its line and column in the action's own code", async () => {
    expect(await create({ code: postLogin("const plan = ;") })).toEqual(
      badRequest("The action's code does not compile: SyntaxError: Unexpected token (line 2, column 16)"),
    );
    expect(await create({ code: "exports.onExecutePostLogin = async (event, api) => {" })).toEqual(
      badRequest("The action's code does not compile: SyntaxError: Unexpected token (line 1, column 53)"),
    );
  });

  test("import and a require() of no literal name are refused; a module that is not installed fails the deploy", async () => {
    expect(
      await create({ code: `const name = "axios"; const axios = require(name);\n${postLogin("")}` }),
    ).toEqual(
      badRequest(
        "require() takes one string literal in an action (require('lodash')), so that its modules can be checked at deploy.",
      ),
    );
    expect(
      await create({ code: `const pad = require("left-pad");\n${postLogin("")}`, deploy: true }),
    ).toEqual({
      status: 400,
      body: expect.objectContaining({
        message: "The action's code does not load: Cannot find module 'left-pad' in RULE_MODULES_DIR.",
      }),
    });
    expect(
      await create({
        code: postLogin(""),
        dependencies: [{ name: "lodash", version: "4.17.19" }],
        deploy: true,
      }),
    ).toEqual({
      status: 400,
      body: expect.objectContaining({
        message:
          "The action's dependencies are not installed: 'lodash@4.17.19' needs lodash 4.17.19, but RULE_MODULES_DIR has lodash 4.17.21 (npm install lodash@4.17.19 there).",
      }),
    });
  });

  test("code without the trigger's handler is refused at deploy; deploy: true then creates nothing", async () => {
    const missing =
      "The action's code does not export onExecutePostLogin, the post-login trigger's handler (exports.onExecutePostLogin = async (event, api) => { … }).";
    expect(await create({ code: "exports.onContinuePostLogin = async () => {};", deploy: true })).toEqual(
      badRequest(missing),
    );
    expect((await admin("GET", "/actions/actions?actionName=refused")).body.total).toBe(0);

    const draft = await create({ code: "exports.onContinuePostLogin = async () => {};" });
    expect(draft.status).toBe(201);
    expect(await admin("POST", `/actions/actions/${draft.body.id}/deploy`)).toEqual(badRequest(missing));
    expect((await admin("GET", `/actions/actions/${draft.body.id}/versions`)).body.total).toBe(0);
    // module.exports = { … } assigns it too.
    await admin("PATCH", `/actions/actions/${draft.body.id}`, {
      code: "module.exports = { onExecutePostLogin: async (event, api) => {} };",
    });
    expect((await admin("POST", `/actions/actions/${draft.body.id}/deploy`)).status).toBe(202);
    expect((await admin("DELETE", `/actions/actions/${draft.body.id}`)).status).toBe(204);
  });

  test("a refused update leaves the draft as it was", async () => {
    const before = (await admin("GET", `/actions/actions/${ids.plan}`)).body;
    expect((await admin("PATCH", `/actions/actions/${ids.plan}`, { code: "}{" })).status).toBe(400);
    expect((await admin("PATCH", `/actions/actions/${ids.plan}`, { runtime: "node12" })).status).toBe(400);
    expect((await admin("GET", `/actions/actions/${ids.plan}`)).body).toEqual(before);
  });
});

describe("deploy, edit the draft, deploy again, roll back", () => {
  const versionIds: Record<number, string> = {};
  const v1Code = postLogin("api.accessToken.setCustomClaim('https://example.com/plan', event.secrets.PLAN);");
  const v2Code = postLogin("api.accessToken.setCustomClaim('https://example.com/plan', 'gold');");

  test("deploy: 202 with version 1, which the action now runs", async () => {
    clock.advance(60);
    const deployed = await admin("POST", `/actions/actions/${ids.plan}/deploy`);
    expect(deployed.status).toBe(202);
    expect(deployed.body).toMatchObject({
      action_id: ids.plan,
      number: 1,
      deployed: true,
      code: v1Code,
      dependencies: [{ name: "lodash", version: "4.17.21" }],
      secrets: [
        { name: "API_KEY", updated_at: "2026-03-01T10:00:00.000Z" },
        { name: "PLAN", updated_at: "2026-03-01T10:00:00.000Z" },
      ],
      action: { id: ids.plan, all_changes_deployed: true },
      created_at: "2026-03-01T10:01:02.000Z",
    });
    versionIds[1] = deployed.body.id;
    const action = (await admin("GET", `/actions/actions/${ids.plan}`)).body;
    expect(action.all_changes_deployed).toBe(true);
    expect(action.deployed_version).toEqual(deployed.body);
  });

  test("an edited draft is not all deployed; the deployed version stays", async () => {
    clock.advance(60);
    const edited = await admin("PATCH", `/actions/actions/${ids.plan}`, { code: v2Code });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      code: v2Code,
      all_changes_deployed: false,
      updated_at: "2026-03-01T10:02:02.000Z",
      deployed_version: {
        id: versionIds[1],
        number: 1,
        code: v1Code,
        action: { all_changes_deployed: false },
      },
    });
  });

  test("deploy again: version 2", async () => {
    const deployed = await admin("POST", `/actions/actions/${ids.plan}/deploy`);
    expect(deployed.body).toMatchObject({ number: 2, code: v2Code, deployed: true });
    versionIds[2] = deployed.body.id;
    expect((await admin("GET", `/actions/actions/${ids.plan}`)).body.all_changes_deployed).toBe(true);
  });

  test("roll back to version 1: a new version 3 with version 1's code; the draft keeps its own", async () => {
    clock.advance(60);
    const rolledBack = await admin("POST", `/actions/actions/${ids.plan}/versions/${versionIds[1]}/deploy`);
    expect(rolledBack.status).toBe(202);
    expect(rolledBack.body).toMatchObject({ number: 3, code: v1Code, deployed: true });
    expect(rolledBack.body.id).not.toBe(versionIds[1]);
    versionIds[3] = rolledBack.body.id;
    const action = (await admin("GET", `/actions/actions/${ids.plan}`)).body;
    expect(action).toMatchObject({ code: v2Code, all_changes_deployed: false });
    expect(action.deployed_version).toMatchObject({ id: versionIds[3], number: 3, code: v1Code });
  });

  test("versions: newest first, paged, only the deployed one marked deployed", async () => {
    const all = await admin("GET", `/actions/actions/${ids.plan}/versions`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 3, page: 0, per_page: 20 });
    expect(
      all.body.versions.map((version: { number: number; deployed: boolean }) => [
        version.number,
        version.deployed,
      ]),
    ).toEqual([
      [3, true],
      [2, false],
      [1, false],
    ]);
    const page = await admin("GET", `/actions/actions/${ids.plan}/versions?page=1&per_page=2`);
    expect(page.body).toMatchObject({ total: 3, page: 1, per_page: 2 });
    expect(page.body.versions.map((version: { id: string }) => version.id)).toEqual([versionIds[1]]);
  });

  test("one version by id; an unknown version or action is a 404", async () => {
    const first = await admin("GET", `/actions/actions/${ids.plan}/versions/${versionIds[1]}`);
    expect(first.body).toMatchObject({ id: versionIds[1], number: 1, deployed: false, code: v1Code });
    const unknown = "6f1c56d2-0000-4000-8000-000000000000";
    expect((await admin("GET", `/actions/actions/${ids.plan}/versions/${unknown}`)).body).toEqual({
      statusCode: 404,
      error: "Not Found",
      message: "The action version does not exist.",
      errorCode: "inexistent_entity",
    });
    expect((await admin("POST", `/actions/actions/${ids.plan}/versions/${unknown}/deploy`)).status).toBe(404);
    expect((await admin("GET", `/actions/actions/${ids.m2m}/versions/${versionIds[1]}`)).status).toBe(404);
    expect((await admin("POST", `/actions/actions/${unknown}/deploy`)).status).toBe(404);
  });

  test("roll back with update_draft: the draft becomes that version too", async () => {
    const rolledBack = await admin("POST", `/actions/actions/${ids.plan}/versions/${versionIds[2]}/deploy`, {
      update_draft: true,
    });
    expect(rolledBack).toMatchObject({ status: 202, body: { number: 4, code: v2Code, deployed: true } });
    expect((await admin("GET", `/actions/actions/${ids.plan}`)).body).toMatchObject({
      code: v2Code,
      all_changes_deployed: true,
      deployed_version: { number: 4 },
    });
    expect(
      (await admin("POST", `/actions/actions/${ids.plan}/versions/${versionIds[2]}/deploy`, { draft: true }))
        .status,
    ).toBe(400);
  });
});

describe("secrets", () => {
  test("PATCH secrets replaces the list: a secret sent by name keeps its value and date, one left out goes", async () => {
    clock.advance(3600);
    const updated = await admin("PATCH", `/actions/actions/${ids.plan}`, {
      secrets: [{ name: "PLAN" }, { name: "REGION", value: SECRET_VALUES[2] }],
    });
    expect(updated.status).toBe(200);
    expect(updated.body.secrets).toEqual([
      { name: "PLAN", updated_at: "2026-03-01T10:00:00.000Z" },
      { name: "REGION", updated_at: "2026-03-01T11:03:02.000Z" },
    ]);
  });

  test("a new value is dated; the same value keeps its date; an update without secrets keeps them", async () => {
    clock.advance(60);
    const rotated = await admin("PATCH", `/actions/actions/${ids.plan}`, {
      secrets: [
        { name: "PLAN", value: SECRET_VALUES[3] },
        { name: "REGION", value: SECRET_VALUES[2] },
      ],
    });
    expect(rotated.body.secrets).toEqual([
      { name: "PLAN", updated_at: "2026-03-01T11:04:02.000Z" },
      { name: "REGION", updated_at: "2026-03-01T11:03:02.000Z" },
    ]);
    const renamed = await admin("PATCH", `/actions/actions/${ids.plan}`, { dependencies: [] });
    expect(renamed.body.secrets).toEqual(rotated.body.secrets);
  });

  test("a new secret without a value, or a name twice, is a 400 that names no value", async () => {
    expect(await admin("PATCH", `/actions/actions/${ids.plan}`, { secrets: [{ name: "NEW" }] })).toEqual(
      badRequest("secrets[0]: a new secret needs a value."),
    );
    expect(
      await admin("PATCH", `/actions/actions/${ids.plan}`, {
        secrets: [
          { name: "PLAN", value: SECRET_VALUES[0] },
          { name: "PLAN", value: SECRET_VALUES[1] },
        ],
      }),
    ).toEqual(badRequest("secrets[1]: a secret of this name is already in the list."));
    const tooLong = await admin("PATCH", `/actions/actions/${ids.plan}`, {
      secrets: [{ name: "PLAN", value: `${SECRET_VALUES[0]}${"x".repeat(5000)}` }],
    });
    expect(tooLong.status).toBe(400);
  });

  test("a changed secret value alone makes the draft not all deployed; deploying snapshots the secrets", async () => {
    const deployed = await admin("POST", `/actions/actions/${ids.plan}/deploy`);
    expect(deployed.body.secrets.map((secret: { name: string }) => secret.name)).toEqual(["PLAN", "REGION"]);
    expect((await admin("GET", `/actions/actions/${ids.plan}`)).body.all_changes_deployed).toBe(true);
    await admin("PATCH", `/actions/actions/${ids.plan}`, {
      secrets: [{ name: "PLAN", value: SECRET_VALUES[0] }, { name: "REGION" }],
    });
    expect((await admin("GET", `/actions/actions/${ids.plan}`)).body.all_changes_deployed).toBe(false);
    await admin("POST", `/actions/actions/${ids.plan}/deploy`);
  });

  test("no answer and no log line ever held a secret's value", () => {
    for (const value of SECRET_VALUES) {
      for (const text of answers) expect(text).not.toContain(value);
      for (const line of h.logLines) expect(line).not.toContain(value);
    }
  });
});

describe("triggers and bindings", () => {
  test("GET /triggers: post-login v3 and credentials-exchange v2, in Auth0's shape", async () => {
    const describe = (id: string, version: string) => ({
      id,
      version,
      status: "CURRENT",
      runtimes: ["node18-actions", "node22"],
      default_runtime: "node22",
      compatible_triggers: [],
      binding_policy: "trigger-bound",
    });
    expect(await admin("GET", "/actions/triggers")).toEqual({
      status: 200,
      body: { triggers: [describe("post-login", "v3"), describe("credentials-exchange", "v2")] },
    });
  });

  test("no bindings at first; a trigger Rulegate does not run is a 400", async () => {
    expect(await admin("GET", "/actions/triggers/post-login/bindings")).toEqual({
      status: 200,
      body: { bindings: [], total: 0, page: 0, per_page: 20 },
    });
    expect(await admin("GET", "/actions/triggers/pre-user-registration/bindings")).toEqual(
      badRequest("Rulegate runs actions on the post-login (v3) and credentials-exchange (v2) triggers only."),
    );
  });

  test("binding an action never deployed, of another trigger, unknown, or twice is Auth0's 400", async () => {
    const draft = await admin("POST", "/actions/actions", {
      name: "draft-only",
      supported_triggers: POST_LOGIN,
      code: postLogin(""),
    });
    ids.draft = draft.body.id;
    const bind = (bindings: unknown[]) =>
      admin("PATCH", "/actions/triggers/post-login/bindings", { bindings });
    expect(await bind([{ ref: { type: "action_id", value: ids.draft } }])).toEqual(
      badRequest("bindings[0]: the action has not been deployed; deploy it before binding it."),
    );
    await admin("POST", `/actions/actions/${ids.m2m}/deploy`);
    expect(
      await bind([
        { ref: { type: "action_id", value: ids.audit } },
        { ref: { type: "action_name", value: "m2m-claims" } },
      ]),
    ).toEqual(
      badRequest("bindings[1]: Trying to create a binding between an incompatible action and trigger."),
    );
    expect(await bind([{ ref: { type: "action_name", value: "nope" } }])).toEqual(
      badRequest("bindings[0]: no action has this name."),
    );
    expect(
      await bind([
        { ref: { type: "action_id", value: ids.audit } },
        { ref: { type: "action_name", value: "audit" } },
      ]),
    ).toEqual(
      badRequest("bindings[1]: the action is already in the list; an action is bound to a trigger once."),
    );
    expect((await bind([{ ref: { type: "binding_id", value: ids.audit } }])).status).toBe(400);
    expect((await admin("GET", "/actions/triggers/post-login/bindings")).body.total).toBe(0);
  });

  test("PATCH binds by name and by id in the order given, with display names", async () => {
    clock.advance(60);
    const bound = await admin("PATCH", "/actions/triggers/post-login/bindings", {
      bindings: [
        { ref: { type: "action_name", value: "audit" }, display_name: "Audit logins" },
        { ref: { type: "action_id", value: ids.plan } },
      ],
    });
    expect(bound.status).toBe(200);
    expect(
      bound.body.bindings.map(
        (binding: { trigger_id: string; display_name: string; action: { id: string } }) => [
          binding.trigger_id,
          binding.display_name,
          binding.action.id,
        ],
      ),
    ).toEqual([
      ["post-login", "Audit logins", ids.audit],
      ["post-login", "add-plan", ids.plan],
    ]);
    expect(bound.body.bindings[0]).toMatchObject({
      id: expect.stringMatching(UUID),
      created_at: "2026-03-01T11:05:02.000Z",
      updated_at: "2026-03-01T11:05:02.000Z",
    });
    expect(bound.body.bindings[1].action).toEqual((await admin("GET", `/actions/actions/${ids.plan}`)).body);

    const listed = await admin("GET", "/actions/triggers/post-login/bindings");
    expect(listed.body).toEqual({ bindings: bound.body.bindings, total: 2, page: 0, per_page: 20 });
    const second = await admin("GET", "/actions/triggers/post-login/bindings?page=1&per_page=1");
    expect(second.body).toEqual({ bindings: [bound.body.bindings[1]], total: 2, page: 1, per_page: 1 });
    expect((await admin("GET", "/actions/actions?triggerId=post-login&deployed=true")).body.total).toBe(2);
    // The new flow is warmed: both deployed versions, in binding order.
    const flow = prepared.at(-1)!;
    expect(flow.ruleId).toBe("post-login-actions");
    const [audit, plan] = [bound.body.bindings[0].action, bound.body.bindings[1].action];
    expect(flow.script.indexOf(audit.deployed_version.code)).toBeGreaterThan(-1);
    expect(flow.script.indexOf(plan.deployed_version.code)).toBeGreaterThan(
      flow.script.indexOf(audit.deployed_version.code),
    );
  });

  test("deploying or rolling back a bound action warms its trigger's new flow; editing the draft does not", async () => {
    const before = prepared.length;
    await admin("PATCH", `/actions/actions/${ids.audit}`, { code: postLogin("// edited") });
    expect(prepared.length).toBe(before);
    await admin("POST", `/actions/actions/${ids.audit}/deploy`);
    expect(prepared.length).toBe(before + 1);
    expect(prepared.at(-1)!.script).toContain("// edited");
    const versions = (await admin("GET", `/actions/actions/${ids.audit}/versions`)).body.versions;
    await admin("POST", `/actions/actions/${ids.audit}/versions/${versions.at(-1).id}/deploy`);
    expect(prepared.length).toBe(before + 2);
    expect(prepared.at(-1)!.script).not.toContain("// edited");
    expect(prepared.at(-1)!.version).not.toBe(prepared.at(-2)!.version);
  });

  test("reordering keeps each action's binding id and creation time", async () => {
    const before = (await admin("GET", "/actions/triggers/post-login/bindings")).body.bindings;
    clock.advance(60);
    const reordered = await admin("PATCH", "/actions/triggers/post-login/bindings", {
      bindings: [
        { ref: { type: "action_id", value: ids.plan } },
        { ref: { type: "action_id", value: ids.audit } },
      ],
    });
    expect(reordered.body.bindings.map((binding: { id: string }) => binding.id)).toEqual([
      before[1].id,
      before[0].id,
    ]);
    expect(reordered.body.bindings[1]).toMatchObject({
      display_name: "audit",
      created_at: "2026-03-01T11:05:02.000Z",
      updated_at: "2026-03-01T11:06:02.000Z",
    });
  });

  test("a bound action cannot move to a trigger it is not bound to", async () => {
    expect(
      await admin("PATCH", `/actions/actions/${ids.audit}`, { supported_triggers: CREDENTIALS_EXCHANGE }),
    ).toEqual(
      badRequest(
        "can't upgrade to this trigger: the action is bound to a trigger its new triggers do not include.",
      ),
    );
  });

  test("a bound action cannot roll back to a version of another trigger", async () => {
    const moved = await admin("POST", "/actions/actions", {
      name: "moved",
      supported_triggers: CREDENTIALS_EXCHANGE,
      code: "exports.onExecuteCredentialsExchange = async () => {};",
      deploy: true,
    });
    const [first] = (await admin("GET", `/actions/actions/${moved.body.id}/versions`)).body.versions;
    await admin("PATCH", `/actions/actions/${moved.body.id}`, {
      supported_triggers: POST_LOGIN,
      code: postLogin(""),
    });
    await admin("POST", `/actions/actions/${moved.body.id}/deploy`);
    const bindings = [
      { ref: { type: "action_id", value: ids.plan } },
      { ref: { type: "action_id", value: ids.audit } },
      { ref: { type: "action_id", value: moved.body.id } },
    ];
    expect((await admin("PATCH", "/actions/triggers/post-login/bindings", { bindings })).status).toBe(200);
    expect(await admin("POST", `/actions/actions/${moved.body.id}/versions/${first.id}/deploy`)).toEqual(
      badRequest(
        "can't upgrade to this trigger: the action is bound to a trigger its new triggers do not include.",
      ),
    );
    await admin("PATCH", "/actions/triggers/post-login/bindings", { bindings: bindings.slice(0, 2) });
    expect((await admin("DELETE", `/actions/actions/${moved.body.id}`)).status).toBe(204);
  });

  test("the credentials-exchange trigger has its own bindings", async () => {
    const bound = await admin("PATCH", "/actions/triggers/credentials-exchange/bindings", {
      bindings: [{ ref: { type: "action_name", value: "m2m-claims" } }],
    });
    expect(bound.body.bindings.map((binding: { trigger_id: string }) => binding.trigger_id)).toEqual([
      "credentials-exchange",
    ]);
    expect((await admin("GET", "/actions/triggers/post-login/bindings")).body.total).toBe(2);
  });

  test("DELETE of a bound action is refused; force unbinds it first", async () => {
    expect(await admin("DELETE", `/actions/actions/${ids.audit}`)).toEqual({
      status: 409,
      body: {
        statusCode: 409,
        error: "Conflict",
        message:
          "The action is bound to the post-login trigger; unbind it first, or delete it with force=true.",
        errorCode: "conflict",
      },
    });
    expect((await admin("GET", `/actions/actions/${ids.audit}`)).status).toBe(200);
    expect(await admin("DELETE", `/actions/actions/${ids.audit}?force=true`)).toEqual({
      status: 204,
      body: null,
    });
    expect((await admin("GET", `/actions/actions/${ids.audit}`)).status).toBe(404);
    const left = (await admin("GET", "/actions/triggers/post-login/bindings")).body;
    expect(left.bindings.map((binding: { action: { id: string } }) => binding.action.id)).toEqual([ids.plan]);
    expect(left.total).toBe(1);
    expect(prepared.at(-1)!.script).not.toContain("console.log(event.user.user_id)");
  });

  test("an empty list unbinds every action; an unbound action deletes without force", async () => {
    expect(await admin("PATCH", "/actions/triggers/post-login/bindings", { bindings: [] })).toEqual({
      status: 200,
      body: { bindings: [] },
    });
    expect((await admin("DELETE", `/actions/actions/${ids.draft}`)).status).toBe(204);
    expect((await admin("DELETE", `/actions/actions/${ids.draft}`)).status).toBe(404);
  });
});

describe("scopes", () => {
  const AUDIENCE = "http://localhost/api/v2/";
  let m2m: { client_id: string; client_secret: string };
  const tokenWith = async (scope: string) => {
    const response = await h.token({
      grant_type: "client_credentials",
      client_id: m2m.client_id,
      client_secret: m2m.client_secret,
      audience: AUDIENCE,
      scope,
    });
    expect(response.status).toBe(200);
    return (await response.json()).access_token as string;
  };
  const call = async (token: string, method: string, path: string, body?: unknown) =>
    (
      await h.request(`/api/v2${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    ).status;

  beforeAll(async () => {
    m2m = (await admin("POST", "/clients", { name: "actions-deployer", grant_types: ["client_credentials"] }))
      .body;
    const granted = await admin("POST", "/client-grants", {
      client_id: m2m.client_id,
      audience: AUDIENCE,
      scope: ["read:actions", "create:actions", "update:actions", "delete:actions"],
    });
    expect(granted.status).toBe(201);
  });

  test("read:, create:, update: and delete:actions each allow their own routes only", async () => {
    const reader = await tokenWith("read:actions");
    expect(await call(reader, "GET", "/actions/actions")).toBe(200);
    expect(await call(reader, "GET", "/actions/triggers")).toBe(200);
    expect(await call(reader, "GET", "/actions/triggers/post-login/bindings")).toBe(200);
    const denied = await h.request("/api/v2/actions/actions", {
      method: "POST",
      headers: { authorization: `Bearer ${reader}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "scoped", supported_triggers: POST_LOGIN }),
    });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({
      statusCode: 403,
      error: "Forbidden",
      message: "Insufficient scope, expected any of: create:actions",
      errorCode: "insufficient_scope",
    });

    const creator = await tokenWith("create:actions");
    const created = await h.request("/api/v2/actions/actions", {
      method: "POST",
      headers: { authorization: `Bearer ${creator}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "scoped", supported_triggers: POST_LOGIN, code: postLogin("") }),
    });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    expect(await call(creator, "POST", `/actions/actions/${id}/deploy`)).toBe(202);
    expect(await call(creator, "GET", `/actions/actions/${id}`)).toBe(403);
    expect(await call(creator, "PATCH", `/actions/actions/${id}`, { code: postLogin("// v2") })).toBe(403);

    const updater = await tokenWith("update:actions");
    expect(await call(updater, "PATCH", `/actions/actions/${id}`, { code: postLogin("// v2") })).toBe(200);
    expect(
      await call(updater, "PATCH", "/actions/triggers/post-login/bindings", {
        bindings: [{ ref: { type: "action_id", value: id } }],
      }),
    ).toBe(200);
    expect(await call(updater, "POST", `/actions/actions/${id}/deploy`)).toBe(403);
    expect(await call(updater, "DELETE", `/actions/actions/${id}?force=true`)).toBe(403);

    const deleter = await tokenWith("delete:actions");
    expect(await call(deleter, "GET", `/actions/actions/${id}/versions`)).toBe(403);
    expect(await call(deleter, "DELETE", `/actions/actions/${id}?force=true`)).toBe(204);
  });
});
