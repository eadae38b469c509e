import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoRequestBody, freePort, portOf, startServer, stopAllServers } from "../support/server-process.ts";

const KEY = "cli-test-admin-key-0123456789";
const root = join(import.meta.dir, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "rulegate-cli-"));
let url: string;
let demoBody: string;

beforeAll(async () => {
  const { done } = await startServer({ DB_PATH: join(dir, "db.sqlite"), ADMIN_API_KEY: KEY }, /^curl .*$/m);
  const { stdout } = await done;
  url = `http://localhost:${portOf(stdout)}`;
  demoBody = demoRequestBody(stdout);
});
afterAll(() => {
  stopAllServers();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the real CLI as a process, as a user would. */
function rulegate(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ["src/cli/main.ts", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", RULEGATE_URL: url, ADMIN_API_KEY: KEY, NO_COLOR: "1", ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const json = (args: string[]) => {
  const result = rulegate(["--json", ...args]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
};

const exchange = (override: Record<string, string> = {}) =>
  fetch(`${url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...JSON.parse(demoBody), ...override }),
  });

/** `rulegate logs tail <args>` as a live process, with its output so far and a way to wait on it. */
function startTail(args: string[]) {
  const child = spawn(process.execPath, ["src/cli/main.ts", "logs", "tail", ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", RULEGATE_URL: url, ADMIN_API_KEY: KEY, NO_COLOR: "1" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    async waitFor(ready: () => boolean) {
      for (let waited = 0; !ready(); waited += 50) {
        if (waited > 5000) throw new Error(`timed out; stdout ${stdout} stderr ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    kill: () => child.kill(),
  };
}

describe("help", () => {
  test("every command group has --help", () => {
    for (const args of [
      [],
      ["users"],
      ["clients"],
      ["apis"],
      ["settings"],
      ["rule"],
      ["logs"],
      ["rule", "try"],
    ]) {
      const result = rulegate([...args, "--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("Usage: rulegate");
    }
  });
});

describe("success paths", () => {
  test("users: create, list, get, update, unblock, delete", () => {
    const user = json([
      "users",
      "create",
      "--email",
      "cli@example.com",
      "--password",
      "cli password 1",
      "--app-metadata",
      '{"roles":["ops"]}',
      "--blocked",
    ]);
    expect(user).toMatchObject({ email: "cli@example.com", blocked: true, app_metadata: { roles: ["ops"] } });
    expect(json(["users", "list"]).map((entry: { email: string }) => entry.email)).toContain(
      "cli@example.com",
    );
    expect(json(["users", "get", user.user_id]).user_id).toBe(user.user_id);
    expect(json(["users", "update", user.user_id, "--name", "CLI User"]).name).toBe("CLI User");
    expect(json(["users", "unblock", user.user_id]).blocked).toBe(false);
    const human = rulegate(["users", "list"]);
    expect(human.stdout).toContain(`${user.user_id}  cli@example.com`);
    const deleted = rulegate(["users", "delete", user.user_id]);
    expect([deleted.code, deleted.stdout.trim()]).toEqual([0, `deleted ${user.user_id}`]);
  });

  test("clients and apis", () => {
    const client = json([
      "clients",
      "create",
      "--name",
      "cli app",
      "--auth-method",
      "client_secret_basic",
      "--metadata",
      "tier=gold",
    ]);
    expect(client).toMatchObject({
      name: "cli app",
      token_endpoint_auth_method: "client_secret_basic",
      client_metadata: { tier: "gold" },
    });
    expect(typeof client.client_secret).toBe("string");
    const rotated = json(["clients", "rotate-secret", client.client_id]);
    expect(rotated.client_secret).not.toBe(client.client_secret);
    expect(rulegate(["clients", "list"]).stdout).toContain(
      `${client.client_id}  cli app  client_secret_basic`,
    );

    const api = json([
      "apis",
      "create",
      "--identifier",
      "urn:cli",
      "--scope",
      "read:cli=Read it",
      "--scope",
      "write:cli",
      "--offline-access",
    ]);
    expect(api).toMatchObject({
      identifier: "urn:cli",
      allow_offline_access: true,
      scopes: [
        { value: "read:cli", description: "Read it" },
        { value: "write:cli", description: "" },
      ],
    });
    expect(rulegate(["apis", "list"]).stdout).toContain("urn:cli  read:cli write:cli");
  });

  test("brute-force settings, typed as the API wants them", () => {
    expect(
      json(["settings", "set", "brute_force_protection.max_attempts", "5"]).brute_force_protection,
    ).toMatchObject({ max_attempts: 5 });
    expect(
      json(["settings", "set", "brute_force_protection.enabled", "false"]).brute_force_protection,
    ).toMatchObject({
      enabled: false,
    });
    json(["settings", "set", "brute_force_protection.enabled", "true"]);
    json(["settings", "set", "brute_force_protection.max_attempts", "10"]);
    expect(rulegate(["settings", "set", "brute_force_protection.max_attempts", "many"]).stderr).toBe(
      "rulegate: brute_force_protection.max_attempts must be a whole number\n",
    );
  });

  test("rule secrets: set merges, unset removes, replace swaps them all; values never shown", () => {
    json(["rule", "secrets", "replace"]);
    expect(json(["rule", "secrets", "set", "A=one", "B=two"]).names).toEqual(["A", "B"]);
    expect(json(["rule", "secrets", "set", "C=three"]).names).toEqual(["A", "B", "C"]);
    expect(json(["rule", "secrets", "unset", "B"]).names).toEqual(["A", "C"]);
    expect(rulegate(["rule", "secrets"]).stdout).toBe("secrets: A, C\n");
    expect(json(["rule", "secrets", "replace", "D=four"]).names).toEqual(["D"]);
    const listed = rulegate(["rule", "secrets", "list", "--json"]).stdout;
    expect(listed).not.toContain("four");
    json(["rule", "secrets", "replace"]);
  });

  test("rule --credentials-exchange: deploy with a secret, show, secrets, try, delete the other rule", () => {
    const deployed = json([
      "rule",
      "deploy",
      "rules/credentials-exchange.js",
      "--credentials-exchange",
      "--secret",
      "READ_ONLY_TIERS=gold",
    ]);
    expect(deployed).toMatchObject({
      id: "credentials-exchange",
      enabled: true,
      secrets: ["READ_ONLY_TIERS"],
    });
    expect(json(["rule", "show", "--credentials-exchange"]).id).toBe("credentials-exchange");
    expect(json(["rule", "secrets", "--credentials-exchange"]).names).toEqual(["READ_ONLY_TIERS"]);
    const tried = json([
      "rule",
      "try",
      "rules/credentials-exchange.js",
      "--credentials-exchange",
      "--scope",
      "read:a write:a",
    ]);
    expect(tried.scope).toEqual(["read:a", "write:a"]);
    expect(tried.access_token_claims).toEqual({
      "https://example.com/tier": "standard",
      "https://example.com/client_name": "Sample client",
    });
    expect(rulegate(["rule", "delete", "--credentials-exchange"]).code).toBe(0);
    expect(rulegate(["rule", "show", "--credentials-exchange"]).code).not.toBe(0);
  });

  test("settings", () => {
    expect(json(["settings", "set", "default_audience", "urn:cli"]).default_audience).toBe("urn:cli");
    expect(rulegate(["settings", "show"]).stdout).toContain("default_audience: urn:cli");
    json(["settings", "set", "default_audience", ""]);
  });

  test("rule deploy with secrets, show, disable, enable, try, delete", async () => {
    const deploy = rulegate([
      "rule",
      "deploy",
      "rules/deny-by-email-domain.js",
      "--secret",
      "ALLOWED_DOMAINS=example.com",
    ]);
    expect(deploy.code).toBe(0);
    expect(deploy.stdout).toMatch(/^deployed rules\/deny-by-email-domain\.js \(enabled, \d+ characters\)/);
    expect(deploy.stdout).toContain("secrets: ALLOWED_DOMAINS");
    expect(rulegate(["rule", "show"]).stdout).toContain("context.webtask.secrets.ALLOWED_DOMAINS");
    expect((await exchange()).status).toBe(200);

    expect(rulegate(["rule", "disable"]).stdout.trim()).toBe("rule disabled");
    expect(json(["rule", "show"]).enabled).toBe(false);
    expect(rulegate(["rule", "enable"]).stdout.trim()).toBe("rule enabled");

    const input = join(dir, "input.json");
    writeFileSync(
      input,
      JSON.stringify({ client: { name: "Phone", metadata: { allowed_scopes: "read:sample" } } }),
    );
    const tried = rulegate([
      "rule",
      "try",
      "rules/narrow-scopes-by-client.js",
      "--input",
      input,
      "--scope",
      "read:sample write:sample",
    ]);
    expect(tried.code).toBe(0);
    expect(tried.stdout).toContain("console.log narrowed scope for Phone: read:sample");
    expect(tried.stdout).toContain("scope: read:sample");
    expect(tried.stdout).toMatch(/\d+(\.\d+)? ms/);

    const denied = rulegate(["rule", "try", "rules/deny-by-email-domain.js", "--user", "eve@evil.example"]);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toContain("access_denied: Users from evil.example may not use this API.");

    expect(rulegate(["rule", "delete"]).stdout.trim()).toBe("rule deleted");
  });

  test("logs list and logs tail", async () => {
    await exchange();
    const listed = rulegate(["logs", "list", "--type", "sepft", "--per-page", "1"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      /sepft\s+Password exchanged for tokens\s+user=user@example.com client=Sample client/,
    );

    const tail = startTail(["--type", "fepft"]);
    try {
      await tail.waitFor(() => tail.stderr().includes("following"));
      await exchange({ password: "definitely wrong" });
      await tail.waitFor(() => tail.stdout().includes("fepft"));
      expect(tail.stdout()).toMatch(
        /fepft\s+Wrong email or password\. \(wrong password\)\s+user=user@example.com client=Sample client/,
      );
      expect(tail.stdout()).not.toContain("sepft");
    } finally {
      tail.kill();
    }
  });
});

test("logs tail --since shows the recent events first, oldest first, then follows", async () => {
  await exchange({ password: "wrong before tailing" });
  await exchange();
  const tail = startTail(["--since", "1h"]);
  try {
    await tail.waitFor(() => tail.stderr().includes("following"));
    const lines = tail.stdout().trim().split("\n");
    const lastIndexOf = (type: string) => lines.map((line) => line.includes(type)).lastIndexOf(true);
    const failed = lastIndexOf("fepft");
    const succeeded = lastIndexOf("sepft");
    expect(failed).toBeGreaterThanOrEqual(0);
    expect(succeeded).toBeGreaterThan(failed);
  } finally {
    tail.kill();
  }
  expect(rulegate(["logs", "tail", "--since", "yesterday-ish"]).stderr).toContain("expected a duration");
});

describe("error paths: one line, non-zero exit", () => {
  test("a wrong key", () => {
    const result = rulegate(["users", "list"], { ADMIN_API_KEY: "not-the-key" });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "rulegate: the server refused the management API key (401: Missing or invalid management API key.)\n",
    );
  });

  test("no key at all", () => {
    const result = rulegate(["users", "list"], { ADMIN_API_KEY: "" });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("rulegate: no management API key: pass --key or set ADMIN_API_KEY\n");
  });

  test("the server is down", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    for (const args of [
      ["users", "list"],
      ["logs", "tail"],
    ]) {
      const result = rulegate(["--url", closed, ...args]);
      expect(result.code).toBe(1);
      expect(result.stderr).toStartWith(`rulegate: cannot reach Rulegate at ${closed}`);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  test("invalid input, as the API names it", () => {
    const result = rulegate(["users", "create", "--email", "not-an-email", "--password", "long enough"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^rulegate: Payload validation error: .* on property email\. \(400\)\n$/);
    const syntax = join(dir, "broken.js");
    writeFileSync(syntax, "module.exports = function (user) {\n  return user.;\n};\n");
    const deploy = rulegate(["rule", "deploy", syntax]);
    expect(deploy.code).toBe(1);
    expect(deploy.stderr).toMatch(
      /^rulegate: The rule does not compile: .*\(line 2, column \d+\) \(400\)\n$/,
    );
    const missing = rulegate(["rule", "try", join(dir, "nope.js")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toStartWith("rulegate: cannot read");
  });

  test("usage errors", () => {
    const result = rulegate(["users", "create", "--password", "x"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("required option '--email <email>' not specified");
    const unknown = rulegate(["settings", "set", "colour", "blue"]);
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      "rulegate: unknown setting colour: use one of default_audience, friendly_name, brute_force_protection.enabled, brute_force_protection.max_attempts, brute_force_protection.ip_max_failures, brute_force_protection.ip_block_seconds\n",
    ]);
  });
});
