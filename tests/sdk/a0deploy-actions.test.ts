/**
 * Auth0's Deploy CLI (`a0deploy`) moving Actions from one Rulegate to a fresh one, as it does
 * between Auth0 tenants: its `actions` and `triggers` resource types (`AUTH0_INCLUDED_ONLY`).
 * The source has two post-login actions bound in order (the second with a secret), a bound
 * credentials-exchange action, and a draft never deployed. a0deploy exports each action's
 * draft code to `actions/<name>/code.js`, marks it `deployed` when all its changes are
 * deployed, and writes each trigger's bindings (action name, display name) in order (a
 * directory export: the same in `actions/<name>.json` and `triggers/triggers.json`). On
 * import it creates or updates each action by name (`POST`/`PATCH /api/v2/actions/actions`),
 * deploys those marked `deployed: true` (`POST …/deploy`), then sets each trigger's bindings
 * by action name (`PATCH /api/v2/actions/triggers/{id}/bindings`). Both servers are real
 * processes behind TLS (tests/sdk/tenant.ts); real exchanges against the target then run
 * what was imported.
 *
 * A secret's value never leaves a tenant: the export names each secret without its value.
 * The import sets the values the file gives, typically through a0deploy's keyword replacement
 * (`##NAME##` from `AUTH0_KEYWORD_REPLACE_MAPPINGS`) so that they stay out of the repository.
 * A new action's secret with no value is refused (400), so a file as exported cannot create
 * an action whose secret would be empty.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { parse, stringify } from "yaml";
import { a0deploy as runA0deploy } from "./a0deploy-support.ts";
import { startTenant, type Tenant } from "./tenant.ts";

/** The resource types exported and imported. */
const INCLUDED = ["actions", "triggers"];
const a0deploy = (tenant: Tenant, args: string[], extraEnv: Record<string, string> = {}) =>
  runA0deploy(tenant, args, INCLUDED, extraEnv);

const PLAN = "https://acme.example/plan";
const LAST = "https://acme.example/last";
const TIER = "https://acme.example/tier";
const postLogin = (body: string) => `exports.onExecutePostLogin = async (event, api) => {\n  ${body}\n};\n`;
const credentialsExchange = (body: string) =>
  `exports.onExecuteCredentialsExchange = async (event, api) => {\n  ${body}\n};\n`;
const setClaim = (claim: string, value: string) =>
  `api.accessToken.setCustomClaim(${JSON.stringify(claim)}, ${value});`;
const addPlanCode = (last: string) =>
  postLogin(`${setClaim(PLAN, "event.secrets.PLAN")}\n  ${setClaim(LAST, JSON.stringify(last))}`);

const POST_LOGIN = [{ id: "post-login", version: "v3" }];
const CREDENTIALS_EXCHANGE = [{ id: "credentials-exchange", version: "v2" }];
const SOURCE_PLAN = "gold-on-source";
const TARGET_PLAN = "platinum-on-target";

/** The source's deployed actions (created in this order). */
const DEPLOYED = {
  "tag-login": { supported_triggers: POST_LOGIN, code: postLogin(setClaim(LAST, '"tag-login"')) },
  "add-plan": {
    supported_triggers: POST_LOGIN,
    code: addPlanCode("add-plan"),
    secrets: [{ name: "PLAN", value: SOURCE_PLAN }],
  },
  "m2m-tier": {
    supported_triggers: CREDENTIALS_EXCHANGE,
    code: credentialsExchange(setClaim(TIER, '"silver"')),
    dependencies: [{ name: "lodash", version: "4.17.21" }],
    runtime: "node18",
  },
};
const DRAFT = { name: "draft-only", supported_triggers: POST_LOGIN, code: postLogin("// not yet") };

type ActionView = {
  name: string;
  code: string;
  runtime: string;
  dependencies: unknown[];
  supported_triggers: unknown[];
  secrets: { name: string }[];
  all_changes_deployed: boolean;
  deployed_version?: { code: string; number: number };
};

/** A tenant's actions, comparable across tenants: by name, what a0deploy moves. */
async function actionsOf(tenant: Tenant) {
  const listed = (await tenant.raw("GET", "/actions/actions?per_page=100")).body.actions as ActionView[];
  return Object.fromEntries(
    listed.map((action) => [
      action.name,
      {
        code: action.code,
        runtime: action.runtime,
        dependencies: action.dependencies,
        supported_triggers: action.supported_triggers,
        secrets: action.secrets.map((secret) => secret.name),
        all_changes_deployed: action.all_changes_deployed,
        deployed_code: action.deployed_version?.code,
      },
    ]),
  );
}

/** Each trigger's bindings, in order, as (action name, display name). */
async function bindingsOf(tenant: Tenant) {
  const bindings: Record<string, [string, string][]> = {};
  for (const trigger of ["post-login", "credentials-exchange"]) {
    const listed = (await tenant.raw("GET", `/actions/triggers/${trigger}/bindings`)).body.bindings as {
      display_name: string;
      action: { name: string };
    }[];
    bindings[trigger] = listed.map((binding) => [binding.action.name, binding.display_name]);
  }
  return bindings;
}

/** Every file a0deploy wrote under `dir`, as text. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [readFileSync(path, "utf8")];
  });
}

describe("a0deploy export of actions and triggers, then import into a fresh Rulegate", () => {
  let source: Tenant;
  let target: Tenant;
  let dir = "";
  /** The target's client, for exchanges that run the imported actions. */
  let client: { client_id: string; client_secret: string };
  const AUDIENCE = "https://orders.example.com";
  const keywords = { AUTH0_KEYWORD_REPLACE_MAPPINGS: JSON.stringify({ PLAN: TARGET_PLAN }) };

  beforeAll(async () => {
    [source, target] = await Promise.all([startTenant(), startTenant()]);
    dir = mkdtempSync(join(tmpdir(), "rulegate-a0deploy-actions-"));
    for (const [name, action] of Object.entries(DEPLOYED)) {
      const created = await source.raw("POST", "/actions/actions", { name, ...action });
      expect(created.status).toBe(201);
      expect((await source.raw("POST", `/actions/actions/${created.body.id}/deploy`)).status).toBe(202);
    }
    expect((await source.raw("POST", "/actions/actions", DRAFT)).status).toBe(201);
    const bound = await Promise.all([
      source.raw("PATCH", "/actions/triggers/post-login/bindings", {
        bindings: [
          { ref: { type: "action_name", value: "tag-login" }, display_name: "Tag login" },
          { ref: { type: "action_name", value: "add-plan" }, display_name: "Add plan" },
        ],
      }),
      source.raw("PATCH", "/actions/triggers/credentials-exchange/bindings", {
        bindings: [{ ref: { type: "action_name", value: "m2m-tier" } }],
      }),
    ]);
    expect(bound.map((answer) => answer.status)).toEqual([200, 200]);

    // What the target's exchanges need (a0deploy moves actions only here).
    const setup = await Promise.all([
      target.raw("POST", "/resource-servers", { name: "Orders", identifier: AUDIENCE }),
      target.raw("POST", "/clients", {
        name: "Acme Backend",
        app_type: "non_interactive",
        grant_types: ["password", "client_credentials"],
      }),
      target.raw("POST", "/users", { email: "kim@example.com", password: "kim's long password" }),
    ]);
    expect(setup.map((answer) => answer.status)).toEqual([201, 201, 201]);
    client = setup[1]!.body;
    const grant = await target.raw("POST", "/client-grants", {
      client_id: client.client_id,
      audience: AUDIENCE,
      scope: [],
    });
    expect(grant.status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The claims of an access token from the target's token endpoint. */
  const exchange = async (body: Record<string, string>) => {
    const answer = await target.tlsFetch(`${target.origin}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...body, client_id: client.client_id, client_secret: client.client_secret }),
    });
    expect(answer.status).toBe(200);
    return decodeJwt((await answer.json()).access_token);
  };
  const passwordExchange = () =>
    exchange({
      grant_type: "password",
      username: "kim@example.com",
      password: "kim's long password",
      audience: AUDIENCE,
    });

  test("export: each action's code to actions/<name>/code.js, secrets by name only, the bindings in order", async () => {
    const output = await a0deploy(source, ["export", "--format", "yaml", "--output_folder", dir]);
    expect(output).toContain("Export Successful");
    const exported = parse(readFileSync(join(dir, "tenant.yaml"), "utf8"));
    const entry = (name: string, deployed: boolean, rest: Record<string, unknown>) => ({
      name,
      code: `./actions/${name}/code.js`,
      deployed,
      status: "built",
      runtime: "node22",
      dependencies: [],
      secrets: [],
      supported_triggers: POST_LOGIN,
      ...rest,
    });
    expect(exported.actions).toEqual(
      expect.arrayContaining([
        entry("tag-login", true, {}),
        entry("add-plan", true, { secrets: [{ name: "PLAN" }] }),
        entry("m2m-tier", true, {
          runtime: "node18-actions",
          dependencies: DEPLOYED["m2m-tier"].dependencies,
          supported_triggers: CREDENTIALS_EXCHANGE,
        }),
        entry("draft-only", false, {}),
      ]),
    );
    expect(exported.actions).toHaveLength(4);
    for (const [name, action] of [...Object.entries(DEPLOYED), [DRAFT.name, DRAFT] as const])
      expect(readFileSync(join(dir, "actions", name, "code.js"), "utf8")).toBe(action.code);
    expect(exported.triggers).toEqual({
      "post-login": [
        { action_name: "tag-login", display_name: "Tag login" },
        { action_name: "add-plan", display_name: "Add plan" },
      ],
      "credentials-exchange": [{ action_name: "m2m-tier", display_name: "m2m-tier" }],
    });
    for (const text of filesUnder(dir)) expect(text).not.toContain(SOURCE_PLAN);
  }, 120_000);

  test("export as a directory: actions/<name>.json beside actions/<name>/code.js, triggers/triggers.json", async () => {
    const folder = join(dir, "directory");
    const output = await a0deploy(source, ["export", "--format", "directory", "--output_folder", folder]);
    expect(output).toContain("Export Successful");
    const yaml = parse(readFileSync(join(dir, "tenant.yaml"), "utf8"));
    for (const action of yaml.actions as { name: string; code: string }[]) {
      const json = JSON.parse(readFileSync(join(folder, "actions", `${action.name}.json`), "utf8"));
      expect(json).toEqual({ ...action, code: `./actions/${action.name}/code.js` });
      expect(readFileSync(join(folder, "actions", action.name, "code.js"), "utf8")).toBe(
        readFileSync(join(dir, action.code), "utf8"),
      );
    }
    expect(JSON.parse(readFileSync(join(folder, "triggers", "triggers.json"), "utf8"))).toEqual(
      yaml.triggers,
    );
    for (const text of filesUnder(folder)) expect(text).not.toContain(SOURCE_PLAN);
    rmSync(folder, { recursive: true });
  }, 120_000);

  // An import spends some 40 s of one core before it sends anything (a0deploy compiles its
  // whole schema twice; tests/sdk/a0deploy-support.ts), so the import into the target and
  // the refused one into the source, which changes nothing there, run side by side (each
  // with the time of two imports, the CPU shared).
  test.concurrent("import, the secret's value keyword-replaced: the same actions, deployed as on the source, bound in the same order", async () => {
    const config = parse(readFileSync(join(dir, "tenant.yaml"), "utf8"));
    config.actions.find((action: { name: string }) => action.name === "add-plan").secrets = [
      { name: "PLAN", value: "##PLAN##" },
    ];
    writeFileSync(join(dir, "tenant.yaml"), stringify(config));
    const output = await a0deploy(target, ["import", "--input_file", join(dir, "tenant.yaml")], keywords);
    expect(output).toContain("Import Successful");
    expect(output).not.toContain(TARGET_PLAN);

    const sourceActions = await actionsOf(source);
    expect(Object.keys(sourceActions).sort()).toEqual(["add-plan", "draft-only", "m2m-tier", "tag-login"]);
    expect(sourceActions["draft-only"]).toMatchObject({
      all_changes_deployed: false,
      deployed_code: undefined,
    });
    expect(await actionsOf(target)).toEqual(sourceActions);
    expect(await bindingsOf(target)).toEqual(await bindingsOf(source));
    expect((await bindingsOf(target))["post-login"]).toEqual([
      ["tag-login", "Tag login"],
      ["add-plan", "Add plan"],
    ]);
  }, 240_000);

  test.concurrent("a new action whose secret has no value (as exported): Rulegate's 400 stops a0deploy, naming the secret", async () => {
    const file = join(dir, "new-secret.yaml");
    mkdirSync(join(dir, "actions", "needs-token"), { recursive: true });
    writeFileSync(join(dir, "actions", "needs-token", "code.js"), DEPLOYED["tag-login"].code);
    writeFileSync(
      file,
      stringify({
        actions: [
          {
            name: "needs-token",
            code: "./actions/needs-token/code.js",
            deployed: true,
            runtime: "node22",
            dependencies: [],
            secrets: [{ name: "TOKEN" }],
            supported_triggers: POST_LOGIN,
          },
        ],
      }),
    );
    const failed = await a0deploy(source, ["import", "--input_file", file]).catch(String);
    expect(failed).toContain("a0deploy import exited with 1");
    expect(failed).toContain("secrets[0]: a new secret needs a value.");
    expect((await source.raw("GET", "/actions/actions?actionName=needs-token")).body.actions).toEqual([]);
  }, 240_000);

  test("a password exchange on the target runs the imported post-login actions in order, with the secret's value", async () => {
    const claims = await passwordExchange();
    expect(claims[PLAN]).toBe(TARGET_PLAN);
    // add-plan is bound second: its claim is set last.
    expect(claims[LAST]).toBe("add-plan");
    expect(claims[TIER]).toBeUndefined();
  });

  test("a client credentials exchange on the target runs the imported credentials-exchange action", async () => {
    const claims = await exchange({ grant_type: "client_credentials", audience: AUDIENCE });
    expect(claims[TIER]).toBe("silver");
    expect(claims[PLAN]).toBeUndefined();
  });

  test("re-import with an action's code changed and the bindings reordered: the new code is deployed and runs", async () => {
    const before = (await target.raw("GET", "/actions/actions?actionName=add-plan")).body.actions[0];
    const newCode = addPlanCode("add-plan v2");
    writeFileSync(join(dir, "actions", "add-plan", "code.js"), newCode);
    const config = parse(readFileSync(join(dir, "tenant.yaml"), "utf8"));
    config.triggers["post-login"].reverse();
    writeFileSync(join(dir, "tenant.yaml"), stringify(config));
    const output = await a0deploy(target, ["import", "--input_file", join(dir, "tenant.yaml")], keywords);
    expect(output).toContain("Import Successful");

    const after = (await target.raw("GET", `/actions/actions/${before.id}`)).body;
    expect(after).toMatchObject({ code: newCode, all_changes_deployed: true });
    expect(after.deployed_version.code).toBe(newCode);
    expect(after.deployed_version.number).toBeGreaterThan(before.deployed_version.number);
    expect(after.secrets.map((secret: { name: string }) => secret.name)).toEqual(["PLAN"]);
    expect((await bindingsOf(target))["post-login"]).toEqual([
      ["add-plan", "Add plan"],
      ["tag-login", "Tag login"],
    ]);
    const claims = await passwordExchange();
    expect(claims[PLAN]).toBe(TARGET_PLAN);
    // tag-login now runs last.
    expect(claims[LAST]).toBe("tag-login");
    // The draft that was never deployed still is not.
    expect((await actionsOf(target))["draft-only"]?.deployed_code).toBeUndefined();
  }, 120_000);

  test("re-import with AUTH0_ALLOW_DELETE and two actions left out: they are deleted, a bound one unbound first", async () => {
    const config = parse(readFileSync(join(dir, "tenant.yaml"), "utf8"));
    const kept = (name: string) => name !== "tag-login" && name !== "draft-only";
    config.actions = config.actions.filter((action: { name: string }) => kept(action.name));
    config.triggers["post-login"] = config.triggers["post-login"].filter((binding: { action_name: string }) =>
      kept(binding.action_name),
    );
    const file = join(dir, "fewer.yaml");
    writeFileSync(file, stringify(config));
    const output = await a0deploy(target, ["import", "--input_file", file], {
      ...keywords,
      AUTH0_ALLOW_DELETE: "true",
    });
    expect(output).toContain("Import Successful");
    expect(Object.keys(await actionsOf(target)).sort()).toEqual(["add-plan", "m2m-tier"]);
    expect(await bindingsOf(target)).toEqual({
      "post-login": [["add-plan", "Add plan"]],
      "credentials-exchange": [["m2m-tier", "m2m-tier"]],
    });
    const claims = await passwordExchange();
    expect(claims[LAST]).toBe("add-plan v2");
    expect(claims[PLAN]).toBe(TARGET_PLAN);
  }, 120_000);
});
