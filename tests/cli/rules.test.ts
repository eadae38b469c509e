/**
 * `rulegate rules …` against a real server: Auth0 Rules (list, show, create, update, enable,
 * disable, delete, reorder, try) and their configuration values, which no output ever shows.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CliServer, startCliServer } from "./cli-server.ts";

let server: CliServer;
beforeAll(async () => {
  server = await startCliServer("cli-rules-admin-key-0123456789");
});
afterAll(() => server.stop());

const rulegate = (args: string[], options?: Parameters<CliServer["rulegate"]>[1]) =>
  server.rulegate(args, options);

/** A --json run that must succeed. */
const json = (args: string[]) => {
  const result = rulegate(["--json", ...args]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
};

/** A script file in the test's folder. */
const file = (name: string, text: string) => {
  const path = join(server.dir, name);
  writeFileSync(path, text);
  return path;
};

const ADD_PLAN = `function (user, context, callback) {
  var plan = (user.app_metadata && user.app_metadata.plan) || 'free';
  console.log('plan of', user.email, 'is', plan);
  context.accessToken['https://example.com/plan'] = plan;
  callback(null, user, context);
}
`;
const DENY_DOMAIN = `function (user, context, callback) {
  if (/@blocked\\.example$/.test(user.email)) {
    return callback(new UnauthorizedError('Accounts from blocked.example may not sign in.'));
  }
  callback(null, user, context);
}
`;
const SET_SCOPE = `function (user, context, callback) {
  var roles = (user.app_metadata && user.app_metadata.roles) || [];
  if (roles.indexOf('reporter') !== -1) context.accessToken.scope = ['read:reports'];
  console.log('roles', roles.join(','));
  callback(null, user, context);
}
`;

/** Removes every Auth0 Rule, so that each test starts from none. */
beforeEach(async () => {
  for (const rule of await (await server.admin("GET", "/rules")).json()) {
    expect((await server.admin("DELETE", `/rules/${rule.id}`)).status).toBe(204);
  }
});

const names = () =>
  json(["rules", "list"]).map((rule: { name: string; order: number }) => `${rule.order} ${rule.name}`);

describe("help", () => {
  test("rules and its commands have --help; `rule` and `rules` say which is which", () => {
    for (const args of [
      ["rules"],
      ["rules", "create"],
      ["rules", "reorder"],
      ["rules", "try"],
      ["rules", "config"],
      ["rules", "config", "set"],
      ["import", "rules"],
    ]) {
      const result = rulegate([...args, "--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toStartWith(`Usage: rulegate ${args.join(" ")}`);
    }
    const top = rulegate(["--help"]).stdout.replace(/\s+/g, " ");
    expect(top).toContain(
      "rule [options] the password-exchange hook: one script run on password exchanges (or, with --credentials-exchange, on client credentials exchanges); not Auth0 Rules: see `rulegate rules`",
    );
    expect(top).toContain(
      "rules Auth0 Rules: function (user, context, callback) scripts run in order on password and refresh exchanges (not the password-exchange hook: see `rulegate rule`)",
    );
    expect(rulegate(["rules", "config", "set", "--help"]).stdout).toContain("--from-env <VARIABLE>");
  });
});

describe("rules", () => {
  test("create, list (all, enabled, disabled), show, update, enable, disable, delete", () => {
    const plan = json(["rules", "create", "--name", "add-plan", "--script", file("plan.js", ADD_PLAN)]);
    expect(plan).toEqual({
      id: expect.stringMatching(/^rul_/),
      name: "add-plan",
      script: ADD_PLAN,
      order: 1,
      enabled: true,
      stage: "login_success",
    });
    const deny = rulegate([
      "rules",
      "create",
      "--name",
      "deny blocked",
      "--script",
      file("deny.js", DENY_DOMAIN),
      "--order",
      "5",
      "--disabled",
    ]);
    expect(deny.code).toBe(0);
    expect(deny.stdout).toMatch(/^created (rul_\S+) "deny blocked" \(order 5, disabled\)\n$/);
    const denyId = /rul_\S+/.exec(deny.stdout)![0];

    expect(rulegate(["rules", "list"]).stdout).toBe(
      `  1  ${plan.id}  enabled   add-plan\n  5  ${denyId}  disabled  deny blocked\n`,
    );
    expect(json(["rules", "list", "--enabled"]).map((rule: { name: string }) => rule.name)).toEqual([
      "add-plan",
    ]);
    expect(json(["rules", "list", "--disabled"]).map((rule: { name: string }) => rule.name)).toEqual([
      "deny blocked",
    ]);

    // By name or by id.
    expect(rulegate(["rules", "show", "deny blocked"]).stdout).toBe(
      `5  ${denyId}  disabled  deny blocked\n\n${DENY_DOMAIN}\n`,
    );
    expect(json(["rules", "show", plan.id]).script).toBe(ADD_PLAN);

    expect(rulegate(["rules", "enable", "deny blocked"]).stdout).toBe(
      `enabled ${denyId} "deny blocked" (order 5, enabled)\n`,
    );
    expect(json(["rules", "disable", denyId]).enabled).toBe(false);
    const updated = json([
      "rules",
      "update",
      "deny blocked",
      "--name",
      "deny-blocked",
      "--order",
      "2",
      "--script",
      file("deny2.js", DENY_DOMAIN.replace("blocked\\.example", "spam\\.example")),
    ]);
    expect(updated).toMatchObject({ id: denyId, name: "deny-blocked", order: 2, enabled: false });
    expect(updated.script).toContain("spam\\.example");

    expect(rulegate(["rules", "delete", "deny-blocked"]).stdout).toBe(`deleted ${denyId} "deny-blocked"\n`);
    expect(names()).toEqual(["1 add-plan"]);
    expect(rulegate(["rules", "delete", plan.id]).code).toBe(0);
    expect(rulegate(["rules", "list"]).stdout).toBe("no rules\n");
  });

  test("the API's refusals, one line each: a script that does not compile, a taken order, an unknown rule", () => {
    json(["rules", "create", "--name", "first", "--script", file("plan.js", ADD_PLAN)]);
    const broken = rulegate([
      "rules",
      "create",
      "--name",
      "broken",
      "--script",
      file("broken.js", "function (user, context, callback) {\n  callback(null, user, context;\n}\n"),
    ]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(
      /^rulegate: The rule does not compile: SyntaxError: .* \(line 2, column \d+\) \(400\)\n$/,
    );
    const taken = rulegate([
      "rules",
      "create",
      "--name",
      "second",
      "--script",
      file("p.js", ADD_PLAN),
      "--order",
      "1",
    ]);
    expect([taken.code, taken.stderr]).toEqual([
      1,
      "rulegate: A rule with the same order already exists (409)\n",
    ]);
    const unknown = rulegate(["rules", "show", "nobody"]);
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      'rulegate: no rule is named "nobody" (rulegate rules list shows them)\n',
    ]);
    const nothing = rulegate(["rules", "update", "first"]);
    expect([nothing.code, nothing.stderr]).toEqual([
      1,
      "rulegate: nothing to change: give --script, --name or --order\n",
    ]);
    expect(names()).toEqual(["1 first"]);
  });

  test("reorder: the rules named take the orders they hold between them, through free orders, the others stay", () => {
    const script = file("plan.js", ADD_PLAN);
    for (const [name, order] of [
      ["a", "1"],
      ["b", "2"],
      ["c", "5"],
      ["d", "9"],
    ] as const) {
      json(["rules", "create", "--name", name, "--script", script, "--order", order]);
    }
    // c and a swap orders 1 and 5: each wants the order the other holds.
    expect(json(["rules", "reorder", "c", "a"]).map((rule: { name: string }) => rule.name)).toEqual([
      "c",
      "b",
      "a",
      "d",
    ]);
    expect(names()).toEqual(["1 c", "2 b", "5 a", "9 d"]);
    // A whole rotation, by ids and names.
    const id = (name: string) => json(["rules", "show", name]).id;
    const rotated = rulegate(["rules", "reorder", "d", id("c"), "b", "a"]);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(
      /^ {2}1 {2}rul_\S+ {2}enabled {3}d\n {2}2 .* c\n {2}5 .* b\n {2}9 .* a\n$/,
    );
    expect(rulegate(["rules", "reorder", "d", "c"]).stdout).toStartWith(
      "the rules already run in this order\n",
    );
    const twice = rulegate(["rules", "reorder", "a", "a"]);
    expect([twice.code, twice.stderr]).toEqual([1, "rulegate: a rule is named twice\n"]);
    expect(rulegate(["rules", "reorder", "a", "zzz"]).stderr).toBe(
      'rulegate: no rule is named "zzz" (rulegate rules list shows them)\n',
    );
    expect(names()).toEqual(["1 d", "2 c", "5 b", "9 a"]);
  });
});

describe("rules try", () => {
  test("a file: its console lines, the claims; --user sets the sample user's properties", () => {
    const user = file(
      "user.json",
      JSON.stringify({ email: "jo@example.com", app_metadata: { plan: "gold" } }),
    );
    const tried = rulegate(["rules", "try", file("plan.js", ADD_PLAN), "--user", user]);
    expect(tried.code).toBe(0);
    expect(tried.stdout).toMatch(
      /^rule draft \([\d.]+ ms\)\n {2}console\.log plan of jo@example\.com is gold\naccess token claims: \{"https:\/\/example\.com\/plan":"gold"\}\n[\d.]+ ms\n$/,
    );
    const answer = json(["rules", "try", file("plan.js", ADD_PLAN)]);
    expect(answer.access_token_claims).toEqual({ "https://example.com/plan": "free" });
    expect(answer.logs).toEqual([{ level: "log", text: "plan of user@example.com is free", rule: "draft" }]);
  });

  test("the enabled rules in order, each with its lines; a denial exits 1 with the error the exchange would get", () => {
    json(["rules", "create", "--name", "set-scope", "--script", file("scope.js", SET_SCOPE), "--order", "3"]);
    json(["rules", "create", "--name", "add-plan", "--script", file("plan.js", ADD_PLAN), "--order", "1"]);
    json(["rules", "create", "--name", "deny", "--script", file("deny.js", DENY_DOMAIN), "--order", "2"]);
    json(["rules", "create", "--name", "off", "--script", file("plan.js", ADD_PLAN), "--disabled"]);
    const reporter = file(
      "reporter.json",
      JSON.stringify({ email: "rita@example.com", app_metadata: { plan: "pro", roles: ["reporter"] } }),
    );
    const pipeline = rulegate(["rules", "try", "--user", reporter]);
    expect(pipeline.code).toBe(0);
    expect(pipeline.stdout).toMatch(
      new RegExp(
        [
          "^rule add-plan \\([\\d.]+ ms\\)",
          "  console\\.log plan of rita@example\\.com is pro",
          "rule deny \\([\\d.]+ ms\\)",
          "rule set-scope \\([\\d.]+ ms\\)",
          "  console\\.log roles reporter",
          "scope: read:reports",
          'access token claims: \\{"https://example\\.com/plan":"pro"\\}',
          "[\\d.]+ ms\\n$",
        ].join("\\n"),
      ),
    );

    const blocked = file("blocked.json", JSON.stringify({ email: "mal@blocked.example" }));
    const denied = rulegate(["rules", "try", "--user", blocked]);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toContain("access_denied: Accounts from blocked.example may not sign in.\n");
    expect(denied.stdout).not.toContain("rule set-scope");
    expect(denied.stdout).not.toContain("access token claims");

    // One stored rule, enabled or not, by name.
    const one = json(["rules", "try", "--rule", "off"]);
    expect(one.rules.map((rule: { name: string }) => rule.name)).toEqual(["off"]);
    const context = file("context.json", JSON.stringify({ clientName: "Reports app" }));
    expect(json(["rules", "try", "--rule", "set-scope", "--context", context]).context.clientName).toBe(
      "Reports app",
    );
  });

  test("a script that does not compile: the server's line and column; bad arguments: one line", () => {
    const broken = rulegate([
      "rules",
      "try",
      file("broken.js", "function (user, context, callback) {\n  var = 1;\n}\n"),
    ]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(
      /^rulegate: The rule does not compile: SyntaxError: .*\(line 2, column \d+\) \(400\)\n$/,
    );
    const both = rulegate(["rules", "try", file("plan.js", ADD_PLAN), "--rule", "x"]);
    expect([both.code, both.stderr]).toEqual([1, "rulegate: give a script file or --rule, not both\n"]);
    const notJson = rulegate(["rules", "try", "--user", file("user.txt", "jo@example.com")]);
    expect(notJson.stderr).toBe(`rulegate: ${join(server.dir, "user.txt")} is not JSON\n`);
    expect(rulegate(["rules", "try"]).stderr).toBe(
      "rulegate: No script or id was given and no rule is enabled. (400)\n",
    );
  });
});

describe("rules config", () => {
  const VALUES = {
    STDIN_TOKEN: "stdin-value-6c1f0a9e",
    ENV_TOKEN: "env-value-93b2d4c7",
    ARG_TOKEN: "arg-value-2e8a71f0",
  };

  test("set from stdin, an environment variable or an argument; list keys; delete; a rule reads them", async () => {
    const outputs: string[] = [];
    const run = (args: string[], options?: Parameters<CliServer["rulegate"]>[1]) => {
      const result = rulegate(args, options);
      outputs.push(result.stdout, result.stderr);
      return result;
    };
    expect(run(["rules", "config", "set", "STDIN_TOKEN"], { input: `${VALUES.STDIN_TOKEN}\n` })).toEqual({
      code: 0,
      stdout: "set STDIN_TOKEN\n",
      stderr: "",
    });
    expect(
      run(["rules", "config", "set", "ENV_TOKEN", "--from-env", "MY_SECRET"], {
        env: { MY_SECRET: VALUES.ENV_TOKEN },
      }).stdout,
    ).toBe("set ENV_TOKEN\n");
    expect(run(["--json", "rules", "config", "set", "ARG_TOKEN", "--value", VALUES.ARG_TOKEN]).stdout).toBe(
      '{\n  "key": "ARG_TOKEN"\n}\n',
    );
    expect(run(["rules", "config"]).stdout).toBe("ARG_TOKEN\nENV_TOKEN\nSTDIN_TOKEN\n");
    expect(JSON.parse(run(["--json", "rules", "config", "list"]).stdout)).toEqual([
      { key: "ARG_TOKEN" },
      { key: "ENV_TOKEN" },
      { key: "STDIN_TOKEN" },
    ]);

    // The rule sees each value whole (stdin's last line break dropped), and the try prints only their lengths.
    const lengths = file(
      "lengths.js",
      `function (user, context, callback) {
  context.idToken['https://example.com/lengths'] = [configuration.STDIN_TOKEN.length, configuration.ENV_TOKEN.length, configuration.ARG_TOKEN.length];
  callback(null, user, context);
}
`,
    );
    const tried = run(["rules", "try", lengths]);
    expect(tried.stdout).toContain(`id token claims: {"https://example.com/lengths":[20,18,18]}`);

    expect(run(["rules", "config", "delete", "ENV_TOKEN"]).stdout).toBe("deleted ENV_TOKEN\n");
    expect(run(["rules", "config", "list"]).stdout).toBe("ARG_TOKEN\nSTDIN_TOKEN\n");

    // Refusals: nothing set, and still no value shown.
    const empty = run(["rules", "config", "set", "EMPTY"], { input: "" });
    expect([empty.code, empty.stderr]).toEqual([
      1,
      "rulegate: the value of EMPTY is empty: nothing was set\n",
    ]);
    const unset = run(["rules", "config", "set", "X", "--from-env", "NOT_SET_ANYWHERE"]);
    expect(unset.stderr).toBe("rulegate: the environment variable NOT_SET_ANYWHERE is not set\n");
    const long = run(["rules", "config", "set", "LONG"], {
      input: `${VALUES.STDIN_TOKEN}${"x".repeat(5000)}`,
    });
    expect(long.code).toBe(1);
    const badKey = run(["rules", "config", "set", "bad key", "--value", VALUES.ARG_TOKEN]);
    expect(badKey.code).toBe(1);
    expect(run(["rules", "config", "list"]).stdout).toBe("ARG_TOKEN\nSTDIN_TOKEN\n");

    const everything = outputs.join("\n") + server.serverOutput();
    for (const value of Object.values(VALUES)) expect(everything).not.toContain(value);
  });

  test("at a terminal, set asks for the value and does not echo it", async () => {
    const value = "typed-value-5d0c83aa";
    // `script` (util-linux) gives the CLI a pseudo-terminal, as an operator's shell would.
    const child = spawn(
      "script",
      ["-qc", `${process.execPath} src/cli/main.ts rules config set TYPED`, "/dev/null"],
      {
        cwd: join(import.meta.dir, "..", ".."),
        env: {
          PATH: process.env.PATH ?? "",
          RULEGATE_URL: server.url,
          ADMIN_API_KEY: server.key,
          NO_COLOR: "1",
        },
      },
    );
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    const exited = new Promise((resolve) => child.on("close", resolve));
    for (let waited = 0; !output.includes("TYPED (not shown): "); waited += 50) {
      if (waited > 10_000) throw new Error(`no prompt: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.stdin.write(`${value}\r`);
    await exited;
    expect(output).toContain("set TYPED");
    expect(output).not.toContain(value);
    expect(rulegate(["rules", "config"]).stdout).toContain("TYPED\n");
    const lengths = file(
      "typed.js",
      "function (user, context, callback) {\n  context.idToken['https://example.com/n'] = configuration.TYPED.length;\n  callback(null, user, context);\n}\n",
    );
    expect(rulegate(["rules", "try", lengths]).stdout).toContain(`{"https://example.com/n":${value.length}}`);
  });
});
