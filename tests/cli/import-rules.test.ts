/**
 * `rulegate import rules` against a real server, from each form an Auth0 tenant's rules come
 * in: `GET /api/v2/rules` saved as JSON, an a0deploy directory export (`rules/<name>.json` and
 * `.js`) and an a0deploy YAML export (`tenant.yaml`, scripts in `rules/`). Rules are matched by
 * name, keep the export's orders, and a second import changes nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CliServer, startCliServer } from "./cli-server.ts";

let server: CliServer;
beforeAll(async () => {
  server = await startCliServer("cli-import-rules-admin-key-0123456789");
});
afterAll(() => server.stop());

interface ExportRule {
  name: string;
  script: string;
  order: number;
  enabled: boolean;
}

/** A small tenant's rules, as Auth0 held them. */
const TENANT: ExportRule[] = [
  {
    name: "add-plan-claim",
    order: 1,
    enabled: true,
    script: `function addPlanClaim(user, context, callback) {
  // The customer's plan, for the API to read.
  var plan = (user.app_metadata && user.app_metadata.plan) || 'free';
  context.accessToken['https://acme.example/plan'] = plan;
  context.idToken['https://acme.example/plan'] = plan;
  callback(null, user, context);
}`,
  },
  {
    name: "deny-blocked-domains",
    order: 2,
    enabled: true,
    script: `function (user, context, callback) {
  var blocked = (configuration.BLOCKED_DOMAINS || 'blocked.example').split(',');
  var domain = (user.email || '').split('@').pop();
  if (blocked.indexOf(domain) !== -1) {
    return callback(new UnauthorizedError('Sign-ins from ' + domain + ' are not allowed.'));
  }
  callback(null, user, context);
}`,
  },
  {
    name: "set-reports-scope",
    order: 3,
    enabled: true,
    script: `function (user, context, callback) {
  var roles = (user.app_metadata && user.app_metadata.roles) || [];
  if (roles.indexOf('reporter') !== -1) {
    context.accessToken.scope = ['read:sample', 'read:reports'];
  }
  callback(null, user, context);
}`,
  },
  {
    name: "audit-logins",
    order: 4,
    enabled: false,
    script: `function (user, context, callback) {
  console.log('login', user.user_id, context.clientName);
  callback(null, user, context);
}`,
  },
];

let exportCount = 0;
/** A fresh folder for one export. */
const folder = () => {
  const path = join(server.dir, `export-${++exportCount}`);
  mkdirSync(path, { recursive: true });
  return path;
};

/** `GET /api/v2/rules` saved as a file: the source tenant's ids, stage and all. */
function apiExport(rules: ExportRule[]): string {
  const file = join(folder(), "rules.json");
  const entries = rules.map((rule, index) => ({
    id: `rul_SourceTenant${String(index).padStart(4, "0")}`,
    ...rule,
    stage: "login_success",
  }));
  writeFileSync(file, JSON.stringify(entries, null, 2));
  return file;
}

/** `a0deploy export --format directory`: `rules/<name>.json` pointing at `./<name>.js`. */
function directoryExport(rules: ExportRule[]): string {
  const root = folder();
  mkdirSync(join(root, "rules"));
  writeFileSync(join(root, "tenant.json"), JSON.stringify({ friendly_name: "Acme" }, null, 2));
  for (const { script, ...rule } of rules) {
    writeFileSync(join(root, "rules", `${rule.name}.js`), script);
    writeFileSync(
      join(root, "rules", `${rule.name}.json`),
      JSON.stringify({ ...rule, script: `./${rule.name}.js`, stage: "login_success" }, null, 2),
    );
  }
  return root;
}

/** `a0deploy export --format yaml`: `tenant.yaml` with `rules:`, each script in `rules/`. */
function yamlExport(rules: ExportRule[]): string {
  const root = folder();
  mkdirSync(join(root, "rules"));
  const entries = rules.map((rule) => {
    writeFileSync(join(root, "rules", `${rule.name}.js`), rule.script);
    return `  - name: ${rule.name}\n    script: ./rules/${rule.name}.js\n    stage: login_success\n    enabled: ${rule.enabled}\n    order: ${rule.order}\n`;
  });
  writeFileSync(
    join(root, "tenant.yaml"),
    `tenant:\n  friendly_name: Acme\nrules:\n${entries.join("")}rulesConfigs: []\nclients: []\n`,
  );
  return join(root, "tenant.yaml");
}

interface StoredRule extends ExportRule {
  id: string;
  stage: string;
}

const stored = async (): Promise<StoredRule[]> => (await server.admin("GET", "/rules")).json();

const createRule = async (rule: Omit<ExportRule, "enabled"> & { enabled?: boolean }) => {
  const response = await server.admin("POST", "/rules", rule);
  expect(response.status).toBe(201);
  return (await response.json()) as StoredRule;
};

beforeEach(async () => {
  for (const rule of await stored()) {
    expect((await server.admin("DELETE", `/rules/${rule.id}`)).status).toBe(204);
  }
});

const importRules = (path: string, ...options: string[]) =>
  server.rulegate(["import", "rules", path, ...options]);

/** The lines of a report, each rule's id replaced by `ID`. */
const lines = (stdout: string) =>
  stdout
    .replace(/rul_[A-Za-z0-9_-]{20}/g, "ID")
    .trimEnd()
    .split("\n");

const FIRST_IMPORT = [
  "created    ID  order 1  add-plan-claim",
  "created    ID  order 2  deny-blocked-domains",
  "created    ID  order 3  set-reports-scope",
  "created    ID  order 4  audit-logins (disabled)",
  "4 created, 0 updated, 0 unchanged, 0 moved, 0 skipped",
];
const AGAIN = [
  "unchanged  ID  order 1  add-plan-claim",
  "unchanged  ID  order 2  deny-blocked-domains",
  "unchanged  ID  order 3  set-reports-scope",
  "unchanged  ID  order 4  audit-logins",
  "0 created, 0 updated, 4 unchanged, 0 moved, 0 skipped",
];

describe("each export form, into a Rulegate without rules, twice", () => {
  for (const [form, write, again] of [
    ["GET /api/v2/rules as JSON", apiExport, (path: string) => path],
    ["a0deploy directory", directoryExport, (path: string) => join(path, "rules")],
    ["a0deploy YAML", yamlExport, (path: string) => join(path, "..")],
  ] as const) {
    test(`${form}: created with the export's names, scripts, orders and states, new ids; then nothing changes`, async () => {
      const path = write(TENANT);
      const first = importRules(path);
      expect(first.stderr).toBe("");
      expect([first.code, lines(first.stdout)]).toEqual([0, FIRST_IMPORT]);
      const rules = await stored();
      expect(
        rules.map(({ name, script, order, enabled, stage }) => ({ name, script, order, enabled, stage })),
      ).toEqual(TENANT.map((rule) => ({ ...rule, stage: "login_success" })));
      for (const rule of rules) expect(rule.id).not.toStartWith("rul_SourceTenant");

      // Again (the a0deploy forms through their other entry point: the rules/ folder, the YAML's folder).
      const second = importRules(again(path));
      expect([second.code, second.stderr, lines(second.stdout)]).toEqual([0, "", AGAIN]);
      expect(await stored()).toEqual(rules);
    });
  }

  test("the imported rules run on a real exchange", async () => {
    expect(importRules(apiExport(TENANT)).code).toBe(0);
    const [user] = await (await server.admin("GET", "/users-by-email?email=user%40example.com")).json();
    await server.admin("PATCH", `/users/${encodeURIComponent(user.user_id)}`, {
      app_metadata: { plan: "gold", roles: ["reporter"] },
    });
    const response = await fetch(`${server.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: server.demoBody,
    });
    expect(response.status).toBe(200);
    const { access_token } = await response.json();
    const claims = JSON.parse(Buffer.from(access_token.split(".")[1], "base64url").toString());
    expect(claims["https://acme.example/plan"]).toBe("gold");

    // The deny rule reads configuration.BLOCKED_DOMAINS, set from stdin.
    const set = server.rulegate(["rules", "config", "set", "BLOCKED_DOMAINS"], { input: "example.com\n" });
    expect(set.stdout).toBe("set BLOCKED_DOMAINS\n");
    const denied = await fetch(`${server.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: server.demoBody,
    });
    expect(await denied.json()).toMatchObject({
      error: "access_denied",
      error_description: "Sign-ins from example.com are not allowed.",
    });
    expect(server.rulegate(["rules", "config", "delete", "BLOCKED_DOMAINS"]).code).toBe(0);
  });
});

describe("into a Rulegate that has rules", () => {
  test("the export's orders kept, a rule in the way moved after the last, a changed rule updated; --dry-run first", async () => {
    const audit = await createRule({
      name: "audit-logins",
      order: 1,
      script: "function (user, context, callback) {\n  callback(null, user, context);\n}",
    });
    const keep = await createRule({ name: "keep-me", order: 2, script: TENANT[2]!.script });
    const late = await createRule({ name: "late", order: 10, script: TENANT[2]!.script });
    const before = await stored();
    const path = directoryExport(TENANT);

    const dry = importRules(path, "--dry-run");
    expect([dry.code, dry.stderr]).toEqual([0, ""]);
    expect(lines(dry.stdout)).toEqual([
      "create     (new)  order 1  add-plan-claim",
      "create     (new)  order 2  deny-blocked-domains",
      "create     (new)  order 3  set-reports-scope",
      "update     ID  order 4  audit-logins (script, disabled, order 1 → 4)",
      "move       ID  order 11  keep-me (was 2: an imported rule takes that order)",
      "dry run, nothing written: 3 to create, 1 to update, 0 unchanged, 1 to move, 0 skipped",
    ]);
    expect(await stored()).toEqual(before);

    const done = importRules(path);
    expect([done.code, done.stderr]).toEqual([0, ""]);
    expect(lines(done.stdout)).toEqual([
      "created    ID  order 1  add-plan-claim",
      "created    ID  order 2  deny-blocked-domains",
      "created    ID  order 3  set-reports-scope",
      "updated    ID  order 4  audit-logins (script, disabled, order 1 → 4)",
      "moved      ID  order 11  keep-me (was 2: an imported rule takes that order)",
      "3 created, 1 updated, 0 unchanged, 1 moved, 0 skipped",
    ]);
    const after = await stored();
    expect(after.map((rule) => `${rule.order} ${rule.name} ${rule.enabled}`)).toEqual([
      "1 add-plan-claim true",
      "2 deny-blocked-domains true",
      "3 set-reports-scope true",
      "4 audit-logins false",
      "10 late true",
      "11 keep-me true",
    ]);
    // The rules that were there keep their ids; the updated one has the export's script.
    const byName = new Map(after.map((rule) => [rule.name, rule]));
    expect([byName.get("audit-logins")!.id, byName.get("keep-me")!.id, byName.get("late")!.id]).toEqual([
      audit.id,
      keep.id,
      late.id,
    ]);
    expect(byName.get("audit-logins")!.script).toBe(TENANT[3]!.script);

    const again = importRules(path, "--json");
    expect(again.code).toBe(0);
    const report = JSON.parse(again.stdout);
    expect(report).toMatchObject({ dry_run: false, created: [], updated: [], moved: [], skipped: [] });
    expect(report.unchanged).toHaveLength(4);
    expect(await stored()).toEqual(after);
  });

  test("an imported rule without an order keeps the one it has; a new one goes last", async () => {
    await createRule({ name: "set-reports-scope", order: 7, script: TENANT[2]!.script });
    const file = join(folder(), "rules.json");
    writeFileSync(
      file,
      JSON.stringify([
        { name: "set-reports-scope", script: TENANT[2]!.script },
        { name: "add-plan-claim", script: TENANT[0]!.script, enabled: true },
      ]),
    );
    expect(lines(importRules(file).stdout)).toEqual([
      "unchanged  ID  order 7  set-reports-scope",
      "created    ID  order 8  add-plan-claim",
      "1 created, 0 updated, 1 unchanged, 0 moved, 0 skipped",
    ]);
    expect(lines(importRules(file).stdout).at(-1)).toBe(
      "0 created, 0 updated, 2 unchanged, 0 moved, 0 skipped",
    );
  });
});

describe("exports that cannot be imported: nothing is written", () => {
  test("a script that does not compile: the rule, where it is, and the server's line and column", async () => {
    const broken = {
      name: "broken-claims",
      order: 5,
      enabled: true,
      script:
        "function (user, context, callback) {\n  context.accessToken['https://acme.example/x'] = ;\n  callback(null, user, context);\n}",
    };
    const path = apiExport([TENANT[0]!, broken]);
    const result = importRules(path);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(
      new RegExp(
        `^rulegate: ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: nothing imported: rule "broken-claims" \\(rules\\.json entry 2\\): The rule does not compile: SyntaxError: Unexpected token \\(line 2, column \\d+\\) \\(400\\)\\n$`,
      ),
    );
    expect(await stored()).toEqual([]);

    // The same in an a0deploy export, for a rule that exists: named by its file.
    await createRule({ name: "broken-claims", order: 5, script: TENANT[0]!.script });
    const yaml = importRules(yamlExport([broken]), "--dry-run");
    expect(yaml.code).toBe(1);
    expect(yaml.stderr).toMatch(
      /nothing imported: rule "broken-claims" \(tenant\.yaml rules\[0\]\): The rule does not compile: .*\(line 2, column \d+\)/,
    );
    expect((await stored()).map((rule) => rule.script)).toEqual([TENANT[0]!.script]);
  });

  test("problems in the export are named, each, before anything is written", async () => {
    const duplicates = join(folder(), "rules.json");
    writeFileSync(
      duplicates,
      JSON.stringify([
        { ...TENANT[0], order: 3 },
        { ...TENANT[1], order: 3 },
        { name: "no-script", order: 9 },
        { ...TENANT[2], stage: "login_failure" },
      ]),
    );
    expect(importRules(duplicates).stderr).toBe(
      `rulegate: ${duplicates}: nothing imported: rules.json entry 3 (no-script) has no script; rules.json entry 1 and rules.json entry 2 both have the order 3\n`,
    );

    const missing = directoryExport([TENANT[0]!]);
    writeFileSync(
      join(missing, "rules", "ghost.json"),
      JSON.stringify({ name: "ghost", script: "./ghost.js", order: 8 }),
    );
    const noFile = importRules(missing);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toStartWith("rulegate: cannot read rules/ghost.json's script ./ghost.js: ");

    const outside = yamlExport([TENANT[0]!]);
    writeFileSync(outside, "rules:\n  - name: sneaky\n    script: ../../../etc/passwd\n");
    expect(importRules(outside).stderr).toBe(
      `rulegate: tenant.yaml rules[0]: its script ../../../etc/passwd is outside ${join(outside, "..")}\n`,
    );

    const notRules = join(folder(), "clients.json");
    writeFileSync(notRules, JSON.stringify({ client_id: "x" }));
    expect(importRules(notRules).stderr).toBe(
      `rulegate: ${notRules} must hold a JSON array of rules (GET /api/v2/rules)\n`,
    );
    const empty = folder();
    expect(importRules(empty).stderr).toBe(
      `rulegate: ${empty} holds neither tenant.yaml nor a rules/ folder of <name>.json files (a0deploy's export formats)\n`,
    );
    expect(await stored()).toEqual([]);
  });

  test("a rule of a stage Rulegate does not run is skipped and said so", () => {
    const file = join(folder(), "rules.json");
    writeFileSync(file, JSON.stringify([TENANT[0], { ...TENANT[1], stage: "login_failure" }]));
    expect(lines(importRules(file).stdout)).toEqual([
      "created    ID  order 1  add-plan-claim",
      "skipped    deny-blocked-domains (stage login_failure: only login_success rules run on token exchanges)",
      "1 created, 0 updated, 0 unchanged, 0 moved, 1 skipped",
    ]);
  });
});
