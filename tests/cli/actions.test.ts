/**
 * `rulegate actions …` against a real server: Auth0 Actions (list, show, create, update,
 * deploy, versions, rollback, test, delete) and the bindings of a trigger (bindings, bind,
 * unbind). A secret's value is in no output of any of these runs.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CliRun, type CliServer, startCliServer } from "./cli-server.ts";

let server: CliServer;
beforeAll(async () => {
  server = await startCliServer("cli-actions-admin-key-0123456789");
});
afterAll(() => server.stop());

/** The values given as secrets: no CLI output may hold one. */
const API_KEY = "sk-live-7f3a9c1e55b2-never-printed";
const OTHER_KEY = "pk-test-0b9d44e1-never-printed-either";

/** Every run of the file, to look for the secrets' values in. */
const runs: CliRun[] = [];
const rulegate = (args: string[], options?: Parameters<CliServer["rulegate"]>[1]) => {
  const run = server.rulegate(args, options);
  runs.push(run);
  return run;
};

/** A run that must succeed, its stdout. */
const ok = (args: string[], options?: Parameters<CliServer["rulegate"]>[1]) => {
  const result = rulegate(args, options);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return result.stdout;
};

/** A --json run that must succeed. */
const json = (args: string[], options?: Parameters<CliServer["rulegate"]>[1]) =>
  JSON.parse(ok(["--json", ...args], options));

/** A file in the test's folder. */
const file = (name: string, text: string) => {
  const path = join(server.dir, name);
  writeFileSync(path, text);
  return path;
};

const ADD_ROLES = `exports.onExecutePostLogin = async (event, api) => {
  const roles = (event.user.app_metadata && event.user.app_metadata.roles) || [];
  console.log('roles of', event.user.email, roles.join(','));
  if (roles.includes('editor')) api.accessToken.addScope('write:things');
  api.accessToken.setCustomClaim('https://example.com/roles', roles);
  api.accessToken.setCustomClaim('https://example.com/key_length', event.secrets.API_KEY.length);
  api.idToken.setCustomClaim('https://example.com/version', 1);
};
`;
const ADD_ROLES_2 = ADD_ROLES.replace("'https://example.com/version', 1", "'https://example.com/version', 2");
const DENY_BLOCKED = `exports.onExecutePostLogin = async (event, api) => {
  if (/@blocked\\.example$/.test(event.user.email)) api.access.deny('Accounts from blocked.example may not sign in.');
  api.user.setAppMetadata('seen', true);
};
`;
const TAG_CLIENT = `exports.onExecuteCredentialsExchange = async (event, api) => {
  api.accessToken.setCustomClaim('https://example.com/client', event.client.name);
};
`;

/** Removes every action (unbinding them), so that each test starts from none. */
beforeEach(async () => {
  const { actions } = await (await server.admin("GET", "/actions/actions?per_page=100")).json();
  for (const action of actions) {
    expect((await server.admin("DELETE", `/actions/actions/${action.id}?force=true`)).status).toBe(204);
  }
});

/** Creates the add-roles action with its secret from stdin; its id. */
const createAddRoles = (...extra: string[]) =>
  json(
    [
      "actions",
      "create",
      "--name",
      "add-roles",
      "--trigger",
      "post-login",
      "--code",
      file("add-roles.js", ADD_ROLES),
      "--secret",
      "API_KEY",
      ...extra,
    ],
    { input: `${API_KEY}\n` },
  ).id as string;

describe("help", () => {
  test("actions and each of its commands have --help", () => {
    for (const args of [
      ["actions"],
      ["actions", "list"],
      ["actions", "show"],
      ["actions", "create"],
      ["actions", "update"],
      ["actions", "deploy"],
      ["actions", "versions"],
      ["actions", "rollback"],
      ["actions", "test"],
      ["actions", "delete"],
      ["actions", "bindings"],
      ["actions", "bind"],
      ["actions", "unbind"],
    ]) {
      const result = rulegate([...args, "--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toStartWith(`Usage: rulegate ${args.join(" ")}`);
    }
    expect(rulegate(["actions", "create", "--help"]).stdout).toContain("--secret-from-env <NAME=VARIABLE>");
  });
});

describe("actions", () => {
  test("create, list (by trigger, deployed), show (secrets by name), update, deploy, versions, delete", () => {
    const created = json(
      [
        "actions",
        "create",
        "--name",
        "add-roles",
        "--trigger",
        "post-login",
        "--code",
        file("add-roles.js", ADD_ROLES),
        "--secret",
        "API_KEY",
        "--secret-from-env",
        "OTHER_KEY=PARTNER_KEY",
      ],
      { input: `${API_KEY}\n`, env: { PARTNER_KEY: OTHER_KEY } },
    );
    expect(created).toMatchObject({
      name: "add-roles",
      supported_triggers: [{ id: "post-login", version: "v3" }],
      code: ADD_ROLES,
      runtime: "node22",
      all_changes_deployed: false,
    });
    expect(created.secrets.map((secret: { name: string }) => secret.name)).toEqual(["API_KEY", "OTHER_KEY"]);
    const id = created.id as string;

    const tag = rulegate([
      "actions",
      "create",
      "--name",
      "tag-client",
      "--trigger",
      "credentials-exchange",
      "--code",
      file("tag.js", TAG_CLIENT),
      "--runtime",
      "node18",
      "--deploy",
    ]);
    expect(tag.code).toBe(0);
    expect(tag.stdout).toMatch(/^created (\S+) "tag-client" \(credentials-exchange, deployed v1\)\n$/);
    const tagId = /^created (\S+)/.exec(tag.stdout)![1]!;

    expect(ok(["actions", "list"])).toBe(
      [
        `${id}  post-login            draft only                  add-roles`,
        `${tagId}  credentials-exchange  deployed v1                 tag-client`,
        "",
      ].join("\n"),
    );
    const names = (args: string[]) => json(["actions", "list", ...args]).map((a: { name: string }) => a.name);
    expect(names(["--trigger", "credentials-exchange"])).toEqual(["tag-client"]);
    expect(names(["--deployed"])).toEqual(["tag-client"]);
    expect(names(["--undeployed"])).toEqual(["add-roles"]);

    const shown = ok(["actions", "show", "add-roles"]);
    expect(shown).toContain(
      `id: ${id}\nname: add-roles\ntrigger: post-login v3\nruntime: node22\nstate: draft only\n`,
    );
    expect(shown).toContain("secrets: API_KEY, OTHER_KEY (values are never shown)\n");
    expect(shown).toEndWith(`draft code:\n\n${ADD_ROLES}\n`);
    expect(json(["actions", "show", id]).secrets).toEqual([
      { name: "API_KEY", updated_at: expect.any(String) },
      { name: "OTHER_KEY", updated_at: expect.any(String) },
    ]);

    expect(ok(["actions", "deploy", "add-roles"])).toMatch(/^deployed "add-roles" as v1 \(\S+\)\n$/);
    expect(ok(["actions", "show", id])).toContain("state: deployed v1\n");

    // A new draft: the deployed version stays until it is deployed.
    const updated = rulegate([
      "actions",
      "update",
      "add-roles",
      "--code",
      file("add-roles-2.js", ADD_ROLES_2),
      "--remove-secret",
      "OTHER_KEY",
    ]);
    expect(updated.stdout).toBe(`updated ${id} "add-roles" (post-login, deployed v1, draft changed)\n`);
    const draft = ok(["actions", "show", "add-roles"]);
    expect(draft).toContain(
      "secrets: API_KEY (values are never shown)\ndeployed secrets: API_KEY, OTHER_KEY\n",
    );
    expect(draft).toEndWith(`draft code:\n\n${ADD_ROLES_2}\n`);
    expect(ok(["actions", "show", "add-roles", "--deployed"])).toEndWith(
      `deployed code (v1):\n\n${ADD_ROLES}\n`,
    );

    // A value on the command line works, with a warning.
    const inline = rulegate([
      "actions",
      "update",
      id,
      "--secret-value",
      `OTHER_KEY=${OTHER_KEY}`,
      "--name",
      "roles",
    ]);
    expect(inline.code).toBe(0);
    expect(inline.stderr).toBe(
      "warning: --secret-value leaves the value in your shell's history; prefer --secret (stdin) or --secret-from-env\n",
    );
    runs.pop(); // its argv held the value, which this run's output does not
    expect(inline.stdout + inline.stderr).not.toContain(OTHER_KEY);
    expect(json(["actions", "show", "roles"]).secrets.map((s: { name: string }) => s.name)).toEqual([
      "API_KEY",
      "OTHER_KEY",
    ]);

    ok(["actions", "deploy", "roles"]);
    const versions = ok(["actions", "versions", "roles"]).split("\n");
    expect(versions.length).toBe(3);
    expect(versions[0]).toMatch(/^v2 {4}\S+ {2}deployed {2}\d{4}-/);
    expect(versions[1]).toMatch(/^v1 {4}\S+ {12}\d{4}-/);

    expect(ok(["actions", "delete", "roles"])).toBe(`deleted ${id} "roles"\n`);
    expect(ok(["actions", "delete", tagId])).toBe(`deleted ${tagId} "tag-client"\n`);
    expect(ok(["actions", "list"])).toBe("no actions\n");
  });

  test("rollback by number or id: a new version with the old code, the draft left alone unless --update-draft", () => {
    const id = createAddRoles("--deploy");
    ok(["actions", "update", id, "--code", file("v2.js", ADD_ROLES_2)]);
    ok(["actions", "deploy", id]);
    expect(json(["actions", "show", id]).deployed_version.code).toBe(ADD_ROLES_2);

    expect(ok(["actions", "rollback", "add-roles", "v1"])).toMatch(
      /^rolled "add-roles" back to v1: now running v3 \(\S+\)\n$/,
    );
    let action = json(["actions", "show", id]);
    expect([action.deployed_version.number, action.deployed_version.code, action.code]).toEqual([
      3,
      ADD_ROLES,
      ADD_ROLES_2,
    ]);

    const v2 = json(["actions", "versions", id]).find((version: { number: number }) => version.number === 2);
    expect(ok(["actions", "rollback", id, v2.id, "--update-draft"])).toMatch(
      /^rolled "add-roles" back to v2: now running v4 \(\S+\), the draft too\n$/,
    );
    action = json(["actions", "show", id]);
    expect([action.deployed_version.number, action.code, action.all_changes_deployed]).toEqual([
      4,
      ADD_ROLES_2,
      true,
    ]);

    const missing = rulegate(["actions", "rollback", id, "9"]);
    expect([missing.code, missing.stderr]).toEqual([
      1,
      'rulegate: "add-roles" has no version 9 (rulegate actions versions "add-roles" lists them)\n',
    ]);
  });

  test("the API's refusals, one line each: code that does not compile, a taken name, an unknown action", () => {
    const broken = rulegate([
      "actions",
      "create",
      "--name",
      "broken",
      "--trigger",
      "post-login",
      "--code",
      file(
        "broken.js",
        "exports.onExecutePostLogin = async (event, api) => {\n  api.accessToken.setCustomClaim('a', 1;\n};\n",
      ),
    ]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(
      /^rulegate: The action's code does not compile: SyntaxError: .* \(line 2, column \d+\) \(400\)\n$/,
    );
    const loads = rulegate([
      "actions",
      "create",
      "--name",
      "throws",
      "--trigger",
      "post-login",
      "--code",
      file("throws.js", "exports.onExecutePostLogin = async () => {};\nthrow new Error('no config');\n"),
      "--deploy",
    ]);
    expect(loads.code).toBe(1);
    expect(loads.stderr).toMatch(/^rulegate: The action's code does not load: .*no config.* \(line 2/);
    createAddRoles();
    const taken = rulegate([
      "actions",
      "create",
      "--name",
      "add-roles",
      "--trigger",
      "post-login",
      "--code",
      file("x.js", ADD_ROLES),
    ]);
    expect([taken.code, taken.stderr]).toEqual([
      1,
      "rulegate: An action with the same name already exists. (409)\n",
    ]);
    const unknown = rulegate(["actions", "show", "nobody"]);
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      'rulegate: no action is named "nobody" (rulegate actions list shows them)\n',
    ]);
    const nothing = rulegate(["actions", "update", "add-roles"]);
    expect([nothing.code, nothing.stderr]).toEqual([
      1,
      "rulegate: nothing to change: give --code, --name, --runtime or a secret option\n",
    ]);
    const twoFromStdin = rulegate(["actions", "update", "add-roles", "--secret", "A", "--secret", "B"], {
      input: "x\ny\n",
    });
    expect([twoFromStdin.code, twoFromStdin.stderr]).toEqual([
      1,
      "rulegate: only one --secret can be read from a piped stdin: use --secret-from-env for the others\n",
    ]);
    const empty = rulegate(["actions", "update", "add-roles", "--secret", "A"]);
    expect([empty.code, empty.stderr]).toEqual([1, "rulegate: the value of A is empty: nothing was set\n"]);
    const badTrigger = rulegate([
      "actions",
      "create",
      "--name",
      "n",
      "--trigger",
      "pre-user-registration",
      "--code",
      "x.js",
    ]);
    expect(badTrigger.code).toBe(1);
    expect(badTrigger.stderr).toContain("Allowed choices are post-login, credentials-exchange");
  });
});

describe("actions test", () => {
  test("the draft on a sample event and a payload: console lines, claims, scope, metadata; a denial exits 1", () => {
    createAddRoles();
    ok([
      "actions",
      "create",
      "--name",
      "deny-blocked",
      "--trigger",
      "post-login",
      "--code",
      file("deny.js", DENY_BLOCKED),
    ]);
    const rita = file(
      "rita.json",
      JSON.stringify({ user: { email: "rita@example.com", app_metadata: { roles: ["editor"] } } }),
    );
    const run = rulegate(["actions", "test", "add-roles", "--payload", rita]);
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toBe("console.log roles of rita@example.com editor");
    expect(lines[1]).toMatch(/^scope: .*\bwrite:things$/);
    expect(lines[2]).toBe(
      `access token claims: {"https://example.com/roles":["editor"],"https://example.com/key_length":${API_KEY.length}}`,
    );
    expect(lines[3]).toBe('id token claims: {"https://example.com/version":1}');
    expect(lines[4]).toMatch(/^\d+(\.\d+)? ms$/);

    const report = json(["actions", "test", "deny-blocked", "--payload", rita]);
    expect(report).toMatchObject({ logs: [], metadata: { app_metadata: { seen: true } }, warnings: [] });
    expect(report.error).toBeUndefined();
    expect(ok(["actions", "test", "deny-blocked", "--payload", rita])).toContain(
      'metadata written: {"app_metadata":{"seen":true}}\n',
    );

    const sam = file("sam.json", JSON.stringify({ user: { email: "sam@blocked.example" } }));
    const denied = rulegate(["actions", "test", "deny-blocked", "--payload", sam]);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toContain("access_denied: Accounts from blocked.example may not sign in.\n");

    // A draft that cannot run is the server's 400.
    ok(["actions", "update", "deny-blocked", "--code", file("nohandler.js", "exports.somethingElse = 1;\n")]);
    const cannot = rulegate(["actions", "test", "deny-blocked"]);
    expect(cannot.code).toBe(1);
    expect(cannot.stderr).toMatch(/^rulegate: The action cannot run: .* \(400\)\n$/);
  });
});

describe("bindings", () => {
  test("bind in order, by name or id; rebind in another order; unbind; deployed actions only; delete --force unbinds", () => {
    const roles = createAddRoles("--deploy");
    ok([
      "actions",
      "create",
      "--name",
      "deny-blocked",
      "--trigger",
      "post-login",
      "--code",
      file("deny.js", DENY_BLOCKED),
      "--deploy",
    ]);
    ok([
      "actions",
      "create",
      "--name",
      "draft-only",
      "--trigger",
      "post-login",
      "--code",
      file("d.js", DENY_BLOCKED),
    ]);
    ok([
      "actions",
      "create",
      "--name",
      "tag-client",
      "--trigger",
      "credentials-exchange",
      "--code",
      file("t.js", TAG_CLIENT),
      "--deploy",
    ]);

    expect(ok(["actions", "bindings", "post-login"])).toBe("no actions are bound to post-login\n");
    const bound = ok(["actions", "bind", "post-login", "deny-blocked", roles]).split("\n");
    expect(bound[0]).toMatch(/^ {2}1 {2}\S+ {2}v1 {5}deny-blocked$/);
    expect(bound[1]).toBe(`  2  ${roles}  v1     add-roles`);
    const order = () =>
      json(["actions", "bindings", "post-login"]).map((b: { action: { name: string } }) => b.action.name);
    expect(order()).toEqual(["deny-blocked", "add-roles"]);
    expect(ok(["actions", "bind", "post-login", "deny-blocked", "add-roles"])).toStartWith(
      "post-login already runs these actions in this order\n",
    );
    ok(["actions", "bind", "post-login", "add-roles", "deny-blocked"]);
    expect(order()).toEqual(["add-roles", "deny-blocked"]);

    // The server's refusals.
    const draft = rulegate(["actions", "bind", "post-login", "add-roles", "draft-only"]);
    expect([draft.code, draft.stderr]).toEqual([
      1,
      "rulegate: bindings[1]: the action has not been deployed; deploy it before binding it. (400)\n",
    ]);
    const wrong = rulegate(["actions", "bind", "post-login", "tag-client"]);
    expect(wrong.stderr).toBe(
      "rulegate: bindings[0]: Trying to create a binding between an incompatible action and trigger. (400)\n",
    );
    const twice = rulegate(["actions", "bind", "post-login", "add-roles", roles]);
    expect(twice.stderr).toBe('rulegate: "add-roles" is named twice: an action is bound to a trigger once\n');
    expect(rulegate(["actions", "bindings", "pre-user-registration"]).stderr).toBe(
      "rulegate: no trigger pre-user-registration: Rulegate runs actions on post-login and credentials-exchange\n",
    );
    expect(order()).toEqual(["add-roles", "deny-blocked"]);

    ok(["actions", "bind", "credentials-exchange", "tag-client"]);
    expect(ok(["actions", "unbind", "credentials-exchange", "tag-client"])).toBe(
      "no actions are bound to credentials-exchange\n",
    );

    const refused = rulegate(["actions", "delete", "add-roles"]);
    expect([refused.code, refused.stderr]).toEqual([
      1,
      "rulegate: The action is bound to the post-login trigger; unbind it first, or delete it with force=true. (409): rulegate actions delete --force unbinds it\n",
    ]);
    expect(ok(["actions", "delete", "add-roles", "--force"])).toBe(`deleted ${roles} "add-roles"\n`);
    expect(order()).toEqual(["deny-blocked"]);
  });

  test("a bound action runs on a real password exchange in the bindings' order, and its secret is used, not shown", async () => {
    createAddRoles("--deploy");
    ok(["actions", "bind", "post-login", "add-roles"]);
    const response = await fetch(`${server.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: server.demoBody,
    });
    expect(response.status).toBe(200);
    const { access_token } = await response.json();
    const claims = JSON.parse(Buffer.from(access_token.split(".")[1], "base64url").toString());
    expect(claims["https://example.com/key_length"]).toBe(API_KEY.length);
    expect(server.serverOutput()).not.toContain(API_KEY);
  });
});

// Last, so that it sees every run of the file (bun runs a file's tests in order).
test("no run printed a secret's value", () => {
  expect(runs.length).toBeGreaterThan(50);
  for (const run of runs) {
    expect(run.stdout + run.stderr).not.toContain(API_KEY);
    expect(run.stdout + run.stderr).not.toContain(OTHER_KEY);
  }
});
