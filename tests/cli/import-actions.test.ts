/**
 * `rulegate import actions` against a real server, from both of a0deploy's export formats as
 * auth0-deploy-cli writes them (src/context/{yaml,directory}/handlers/actions.ts and
 * triggers.ts): `tenant.yaml` with `actions:` and `triggers:`, each `code` a file
 * `./actions/<name>/code.js`; and `actions/<name>.json` + `actions/<name>/code.js` with
 * `triggers/triggers.json`. Actions are matched by name, deployed when marked, bound in order;
 * a second import changes nothing; secret values come from the environment or stdin, never
 * show, and a missing one stops the import unless allowed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CliRun, type CliServer, startCliServer } from "./cli-server.ts";

let server: CliServer;
beforeAll(async () => {
  server = await startCliServer("cli-import-actions-admin-key-0123");
});
afterAll(() => server.stop());

const API_KEY = "sk-import-6c1d0e77f2-never-printed";

const runs: CliRun[] = [];
const rulegate = (args: string[], options?: Parameters<CliServer["rulegate"]>[1]) => {
  const run = server.rulegate(args, options);
  runs.push(run);
  return run;
};
const ok = (args: string[], options?: Parameters<CliServer["rulegate"]>[1]) => {
  const result = rulegate(args, options);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return result.stdout;
};

const ADD_ROLES = `exports.onExecutePostLogin = async (event, api) => {
  const roles = (event.user.app_metadata && event.user.app_metadata.roles) || [];
  api.accessToken.setCustomClaim('https://example.com/roles', roles);
  api.accessToken.setCustomClaim('https://example.com/key_length', event.secrets.API_KEY.length);
};
`;
const DENY_BLOCKED = `exports.onExecutePostLogin = async (event, api) => {
  if (/@blocked\\.example$/.test(event.user.email)) api.access.deny('Accounts from blocked.example may not sign in.');
};
`;
const TAG_CLIENT = `exports.onExecuteCredentialsExchange = async (event, api) => {
  api.accessToken.setCustomClaim('https://example.com/client', event.client.name);
};
`;
const IDEA = `exports.onExecutePostLogin = async (event, api) => {
  console.log('not yet');
};
`;

/** One action as a0deploy's export describes it (its code apart). */
interface Described {
  name: string;
  code: string;
  trigger: [string, string];
  deployed: boolean;
  secrets?: string[];
}

const ACTIONS: Described[] = [
  { name: "add-roles", code: ADD_ROLES, trigger: ["post-login", "v3"], deployed: true, secrets: ["API_KEY"] },
  { name: "deny-blocked", code: DENY_BLOCKED, trigger: ["post-login", "v3"], deployed: true },
  { name: "tag-client", code: TAG_CLIENT, trigger: ["credentials-exchange", "v2"], deployed: true },
  { name: "idea", code: IDEA, trigger: ["post-login", "v3"], deployed: false },
  { name: "pre-reg", code: IDEA, trigger: ["pre-user-registration", "v2"], deployed: true },
];
const TRIGGERS = {
  "post-login": [
    { action_name: "deny-blocked", display_name: "deny-blocked" },
    { action_name: "add-roles", display_name: "Add roles" },
  ],
  "credentials-exchange": [{ action_name: "tag-client", display_name: "" }],
  "pre-user-registration": [{ action_name: "pre-reg", display_name: "pre-reg" }],
};

/** The fields a0deploy's dump writes for an action, `code` pointing at `./actions/<name>/code.js`. */
const entryOf = (action: Described) => ({
  name: action.name,
  code: `./actions/${action.name}/code.js`,
  runtime: "node18-actions",
  status: "built",
  dependencies: [],
  secrets: (action.secrets ?? []).map((name) => ({ name })),
  supported_triggers: [{ id: action.trigger[0], version: action.trigger[1] }],
  deployed: action.deployed,
});

/** Each action's code file, where a0deploy writes it. */
function writeCode(root: string, actions: Described[]) {
  for (const action of actions) {
    mkdirSync(join(root, "actions", action.name), { recursive: true });
    writeFileSync(join(root, "actions", action.name, "code.js"), action.code);
  }
}

/** `a0deploy export --format yaml`: `tenant.yaml`, the code beside it. */
function yamlExport(actions = ACTIONS, triggers: object = TRIGGERS): string {
  const root = mkdtempSync(join(server.dir, "yaml-"));
  writeCode(root, actions);
  // JSON is YAML; the YAML parser reads what a0deploy's js-yaml dump writes the same way.
  const lines = [
    "actions:",
    ...actions.flatMap((action) => {
      const entry = entryOf(action);
      return [
        `  - name: ${entry.name}`,
        `    code: ${entry.code}`,
        `    runtime: ${entry.runtime}`,
        "    dependencies: []",
        `    deployed: ${entry.deployed}`,
        entry.secrets.length === 0 ? "    secrets: []" : "    secrets:",
        ...entry.secrets.map((secret) => `      - name: ${secret.name}`),
        `    status: ${entry.status}`,
        "    supported_triggers:",
        `      - id: ${action.trigger[0]}`,
        `        version: ${action.trigger[1]}`,
      ];
    }),
    "triggers:",
    ...Object.entries(triggers).flatMap(([trigger, bindings]) => [
      `  ${trigger}:`,
      ...(bindings as Array<{ action_name: string; display_name: string }>).flatMap((binding) => [
        `    - action_name: ${binding.action_name}`,
        `      display_name: '${binding.display_name}'`,
      ]),
    ]),
  ];
  writeFileSync(join(root, "tenant.yaml"), `${lines.join("\n")}\n`);
  return join(root, "tenant.yaml");
}

/** `a0deploy export --format directory`: `actions/<name>.json` and `triggers/triggers.json`. */
function directoryExport(actions = ACTIONS, triggers: object = TRIGGERS): string {
  const root = mkdtempSync(join(server.dir, "directory-"));
  writeCode(root, actions);
  for (const action of actions)
    writeFileSync(
      join(root, "actions", `${action.name}.json`),
      `${JSON.stringify(entryOf(action), null, 2)}\n`,
    );
  mkdirSync(join(root, "triggers"));
  writeFileSync(join(root, "triggers", "triggers.json"), `${JSON.stringify(triggers, null, 2)}\n`);
  return root;
}

/** Removes every action, so that each test starts from none. */
beforeEach(async () => {
  const { actions } = await (await server.admin("GET", "/actions/actions?per_page=100")).json();
  for (const action of actions) {
    expect((await server.admin("DELETE", `/actions/actions/${action.id}?force=true`)).status).toBe(204);
  }
});

/** The server's actions, by name: the trigger, the deployed version and whether the draft is deployed. */
async function serverState() {
  const { actions } = await (await server.admin("GET", "/actions/actions?per_page=100")).json();
  const bound = async (trigger: string) =>
    (await (await server.admin("GET", `/actions/triggers/${trigger}/bindings`)).json()).bindings.map(
      (binding: { display_name: string; action: { name: string } }) =>
        `${binding.action.name} as ${binding.display_name}`,
    );
  return {
    actions: Object.fromEntries(
      actions.map(
        (action: {
          name: string;
          supported_triggers: { id: string }[];
          deployed_version?: { number: number };
          all_changes_deployed: boolean;
          secrets: { name: string }[];
        }) => [
          action.name,
          `${action.supported_triggers[0]!.id} v${action.deployed_version?.number ?? "-"}${action.all_changes_deployed ? "" : " (draft)"} secrets:${action.secrets.map((s) => s.name).join(",")}`,
        ],
      ),
    ),
    "post-login": await bound("post-login"),
    "credentials-exchange": await bound("credentials-exchange"),
  };
}

const IMPORTED = {
  actions: {
    "add-roles": "post-login v1 secrets:API_KEY",
    "deny-blocked": "post-login v1 secrets:",
    "tag-client": "credentials-exchange v1 secrets:",
    idea: "post-login v- (draft) secrets:",
  },
  "post-login": ["deny-blocked as deny-blocked", "add-roles as Add roles"],
  "credentials-exchange": ["tag-client as tag-client"],
};

describe("import actions", () => {
  test("YAML: a missing secret stops it; a dry run writes nothing; then created, deployed, bound; again, nothing changes", async () => {
    const path = yamlExport();
    const missing = rulegate(["import", "actions", path]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `rulegate: ${path}: nothing imported: action "add-roles" (tenant.yaml actions[0]): the secret API_KEY has no value; give the values in --secrets FILE (or - for stdin) or the environment (--secrets-from-env), or import without them (--allow-missing-secrets)\n`,
    );
    const env = { env: { API_KEY } };
    const dry = ok(["import", "actions", path, "--dry-run", "--secrets-from-env"], env);
    expect(dry).toBe(
      [
        "create     (new)  post-login  add-roles (deploy)",
        "create     (new)  post-login  deny-blocked (deploy)",
        "create     (new)  credentials-exchange  tag-client (deploy)",
        "create     (new)  post-login  idea",
        "skipped    pre-reg (trigger pre-user-registration: Rulegate runs actions on post-login and credentials-exchange only)",
        "skipped    pre-user-registration bindings (Rulegate runs no actions on pre-user-registration)",
        "bind       post-login: deny-blocked, add-roles",
        "bind       credentials-exchange: tag-client",
        "dry run, nothing written: 4 to create, 0 to update, 0 unchanged, 3 to deploy, 2 triggers to bind, 2 skipped",
        "",
      ].join("\n"),
    );
    expect((await serverState()).actions).toEqual({});

    const done = ok(["import", "actions", path, "--secrets-from-env"], env);
    expect(done).toMatch(/^created {4}\S+ {2}post-login {2}add-roles \(deployed v1\)\n/);
    expect(done).toContain("\nbound      post-login: deny-blocked, add-roles\n");
    expect(done).toEndWith("4 created, 0 updated, 0 unchanged, 3 deployed, 2 triggers bound, 2 skipped\n");
    expect(await serverState()).toEqual(IMPORTED);

    // The secret's value arrived: the deployed action reads it on a real exchange.
    const token = await fetch(`${server.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: server.demoBody,
    });
    expect(token.status).toBe(200);
    const { access_token } = await token.json();
    const claims = JSON.parse(Buffer.from(access_token.split(".")[1], "base64url").toString());
    expect(claims["https://example.com/key_length"]).toBe(API_KEY.length);

    // Again, from the file or its folder, with or without the value: nothing changes.
    for (const again of [path, join(path, "..")]) {
      const second = ok(["import", "actions", again]);
      expect(second.split("\n").slice(0, 4)).toEqual([
        expect.stringMatching(/^unchanged {2}\S+ {2}post-login {2}add-roles$/),
        expect.stringMatching(/^unchanged {2}\S+ {2}post-login {2}deny-blocked$/),
        expect.stringMatching(/^unchanged {2}\S+ {2}credentials-exchange {2}tag-client$/),
        expect.stringMatching(/^unchanged {2}\S+ {2}post-login {2}idea$/),
      ]);
      expect(second).toContain("unchanged  post-login: deny-blocked, add-roles\n");
      expect(second).toEndWith(
        "nothing to change: the server already matches the export (0 created, 0 updated, 4 unchanged, 0 deployed, 0 triggers bound, 2 skipped)\n",
      );
    }
    expect(await serverState()).toEqual(IMPORTED);
  });

  test("directory: secrets from stdin; a changed code file is updated and deployed, a new order rebound; again, nothing", async () => {
    const root = directoryExport();
    const input = JSON.stringify({ "add-roles": { API_KEY } });
    const done = ok(["import", "actions", root, "--secrets", "-"], { input });
    expect(done).toEndWith("4 created, 0 updated, 0 unchanged, 3 deployed, 2 triggers bound, 2 skipped\n");
    expect(await serverState()).toEqual(IMPORTED);
    expect(ok(["import", "actions", join(root, "actions")])).toStartWith("unchanged");

    // The tenant changed: new code for deny-blocked, idea deployed, the post-login order reversed.
    const changed = directoryExport(
      ACTIONS.map((action) =>
        action.name === "deny-blocked"
          ? { ...action, code: action.code.replace("may not sign in", "are refused") }
          : action.name === "idea"
            ? { ...action, deployed: true }
            : action,
      ),
      {
        ...TRIGGERS,
        "post-login": [
          TRIGGERS["post-login"][1],
          TRIGGERS["post-login"][0],
          { action_name: "idea", display_name: "" },
        ],
      },
    );
    const second = ok(["import", "actions", changed]);
    expect(second).toMatch(/^updated {4}\S+ {2}post-login {2}deny-blocked \(code; deployed v2\)\n/);
    expect(second).toMatch(/\ndeployed {3}\S+ {2}post-login {2}idea \(deployed v1\)\n/);
    expect(second).toContain("\nbound      post-login: add-roles, deny-blocked, idea\n");
    expect(second).toContain("\nunchanged  credentials-exchange: tag-client\n");
    expect(second).toEndWith("0 created, 1 updated, 3 unchanged, 2 deployed, 1 trigger bound, 2 skipped\n");
    expect(await serverState()).toEqual({
      ...IMPORTED,
      actions: {
        ...IMPORTED.actions,
        "deny-blocked": "post-login v2 secrets:",
        idea: "post-login v1 secrets:",
      },
      "post-login": ["add-roles as Add roles", "deny-blocked as deny-blocked", "idea as idea"],
    });
    expect(ok(["import", "actions", changed])).toContain("\nnothing to change: the server already matches");
  });

  test("--allow-missing-secrets imports an action without the secret, and says which", async () => {
    const path = yamlExport(ACTIONS.slice(0, 1), { "post-login": [TRIGGERS["post-login"][1]] });
    const done = ok(["import", "actions", path, "--allow-missing-secrets"]);
    expect(done).toContain(
      '\nmissing    add-roles: the secret API_KEY has no value (rulegate actions update "add-roles" --secret API_KEY)\n',
    );
    expect((await serverState()).actions).toEqual({ "add-roles": "post-login v1 secrets:" });
    // Set afterwards, it is kept by the next import, which then changes nothing.
    ok(["actions", "update", "add-roles", "--secret", "API_KEY"], { input: API_KEY });
    ok(["actions", "deploy", "add-roles"]);
    const again = ok(["import", "actions", path]);
    expect(again).toContain("nothing to change");
    expect(again).not.toContain("missing");
  });

  test("code that does not compile: the server's 400 with its line and column, naming the action; nothing deployed or bound", async () => {
    const broken = ACTIONS.slice(0, 3).map((action) =>
      action.name === "deny-blocked"
        ? {
            ...action,
            code: "exports.onExecutePostLogin = async (event, api) => {\n  api.access.deny('x';\n};\n",
          }
        : action,
    );
    const root = directoryExport(broken, { "post-login": TRIGGERS["post-login"] });
    const result = rulegate(["import", "actions", root, "--secrets-from-env"], { env: { API_KEY } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^created {4}\S+ {2}post-login {2}add-roles\n/);
    expect(result.stderr).toMatch(
      /^rulegate: action "deny-blocked" \(actions\/deny-blocked\.json\): The action's code does not compile: SyntaxError: .* \(line 2, column \d+\) \(400\); the import stopped part-way \(what is above was done\): fix it and run it again\n$/,
    );
    expect(await serverState()).toEqual({
      actions: { "add-roles": "post-login v- (draft) secrets:API_KEY" },
      "post-login": [],
      "credentials-exchange": [],
    });
  });

  test("export problems stop it before anything is written, each named", async () => {
    const wrongVersion = yamlExport([{ ...ACTIONS[1]!, trigger: ["post-login", "v2"] }], {});
    const version = rulegate(["import", "actions", wrongVersion]);
    expect(version.stderr).toBe(
      `rulegate: ${wrongVersion}: nothing imported: action "deny-blocked" (tenant.yaml actions[0]): it is for post-login v2, and Rulegate runs post-login v3: move it to v3 in Auth0 (or edit the export)\n`,
    );
    const undeployed = directoryExport([ACTIONS[3]!], {
      "post-login": [{ action_name: "idea", display_name: "" }],
    });
    expect(rulegate(["import", "actions", undeployed]).stderr).toBe(
      `rulegate: ${undeployed}: nothing imported: triggers/triggers.json post-login[0]: "idea" is not deployed, and the export does not deploy it (deployed: true)\n`,
    );
    const unknown = directoryExport([], { "post-login": [{ action_name: "ghost", display_name: "" }] });
    expect(rulegate(["import", "actions", unknown]).stderr).toBe(
      `rulegate: ${unknown}: nothing imported: triggers/triggers.json post-login[0]: no action is named "ghost", here or in the export\n`,
    );
    const outside = directoryExport([ACTIONS[1]!], {});
    writeFileSync(
      join(outside, "actions", "deny-blocked.json"),
      JSON.stringify({ ...entryOf(ACTIONS[1]!), code: "../../etc/passwd" }),
    );
    expect(rulegate(["import", "actions", outside]).stderr).toBe(
      `rulegate: actions/deny-blocked.json: its code ../../etc/passwd is outside ${outside}\n`,
    );
    const empty = mkdtempSync(join(server.dir, "empty-"));
    expect(rulegate(["import", "actions", empty]).stderr).toBe(
      `rulegate: ${empty} holds neither tenant.yaml nor an actions/ folder of <name>.json files (a0deploy's export formats)\n`,
    );
    expect((await serverState()).actions).toEqual({});
  });
});

test("no run printed a secret's value", () => {
  expect(runs.length).toBeGreaterThan(10);
  for (const run of runs) expect(run.stdout + run.stderr).not.toContain(API_KEY);
});
