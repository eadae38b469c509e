/**
 * `rulegate import actions` on what a0deploy really writes: a Rulegate tenant's actions,
 * secrets and post-login bindings exported with Auth0's Deploy CLI (`a0deploy export`, from
 * `auth0-deploy-cli`, run under Node against the tenant behind TLS as tests/sdk/a0deploy.test.ts
 * runs it), in both of its formats, then imported into another Rulegate with the CLI: the same
 * actions (code, trigger, deployed or not, secret names), the same bindings in order; a second
 * import changes nothing.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { startTenant, type Tenant } from "../sdk/tenant.ts";
import { type CliServer, startCliServer } from "./cli-server.ts";

const A0DEPLOY = fileURLToPath(new URL("../../node_modules/auth0-deploy-cli/lib/index.js", import.meta.url));

const SECRET = "a0deploy-secret-7d1f-never-printed";

let source: Tenant;
let target: CliServer;
let dir = "";
beforeAll(async () => {
  source = await startTenant();
  target = await startCliServer("cli-a0deploy-actions-admin-key-01");
  dir = mkdtempSync(join(tmpdir(), "rulegate-a0deploy-actions-"));
  const create = (body: object) => source.raw("POST", "/actions/actions", body);
  const created = [
    await create({
      name: "add-roles",
      supported_triggers: [{ id: "post-login", version: "v3" }],
      code: "exports.onExecutePostLogin = async (event, api) => {\n  api.accessToken.setCustomClaim('https://example.com/k', event.secrets.KEY.length);\n};\n",
      secrets: [{ name: "KEY", value: SECRET }],
      deploy: true,
    }),
    await create({
      name: "deny-unverified",
      supported_triggers: [{ id: "post-login", version: "v3" }],
      code: "exports.onExecutePostLogin = async (event, api) => {\n  if (!event.user.email_verified) api.access.deny('Verify your email.');\n};\n",
      deploy: true,
    }),
    await create({
      name: "idea",
      supported_triggers: [{ id: "credentials-exchange", version: "v2" }],
      code: "exports.onExecuteCredentialsExchange = async () => {};\n",
    }),
  ];
  expect(created.map((answer) => answer.status)).toEqual([201, 201, 201]);
  const bound = await source.raw("PATCH", "/actions/triggers/post-login/bindings", {
    bindings: [
      { ref: { type: "action_name", value: "deny-unverified" } },
      { ref: { type: "action_name", value: "add-roles" }, display_name: "Add roles" },
    ],
  });
  expect(bound.status).toBe(200);
}, 60_000);
afterAll(async () => {
  await source?.stop();
  target?.stop();
});

/** Runs `a0deploy export` of the actions and triggers under Node against the source tenant. */
async function exportActions(format: "yaml" | "directory", folder: string) {
  const child = spawn("node", [A0DEPLOY, "export", "--format", format, "--output_folder", folder], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? tmpdir(),
      NODE_EXTRA_CA_CERTS: source.caPath,
      AUTH0_DOMAIN: source.domain,
      AUTH0_ACCESS_TOKEN: source.adminKey,
      AUTH0_INCLUDED_ONLY: JSON.stringify(["actions", "triggers"]),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0)
    throw new Error(`a0deploy export exited with ${code}:\n${output.replaceAll(source.adminKey, "<key>")}`);
}

/** What the target holds: each action's trigger, deployed or not, secrets; the post-login bindings. */
async function targetState() {
  const { actions } = await (await target.admin("GET", "/actions/actions")).json();
  const { bindings } = await (await target.admin("GET", "/actions/triggers/post-login/bindings")).json();
  return {
    actions: Object.fromEntries(
      actions.map(
        (action: {
          name: string;
          supported_triggers: { id: string }[];
          deployed_version?: unknown;
          secrets: { name: string }[];
        }) => [
          action.name,
          `${action.supported_triggers[0]!.id} ${action.deployed_version ? "deployed" : "draft"} secrets:${action.secrets.map((secret) => secret.name).join(",")}`,
        ],
      ),
    ),
    bindings: bindings.map(
      (binding: { display_name: string; action: { name: string } }) =>
        `${binding.action.name} as ${binding.display_name}`,
    ),
  };
}

const EXPECTED = {
  actions: {
    "add-roles": "post-login deployed secrets:KEY",
    "deny-unverified": "post-login deployed secrets:",
    idea: "credentials-exchange draft secrets:",
  },
  bindings: ["deny-unverified as deny-unverified", "add-roles as Add roles"],
};

test("a0deploy's YAML export: the secret's name only; imported with its value from the environment, then again with no change", async () => {
  const folder = join(dir, "yaml");
  await exportActions("yaml", folder);
  const exported = parse(readFileSync(join(folder, "tenant.yaml"), "utf8"));
  expect(exported.actions.find((action: { name: string }) => action.name === "add-roles").secrets).toEqual([
    { name: "KEY" },
  ]);
  expect(readFileSync(join(folder, "tenant.yaml"), "utf8")).not.toContain(SECRET);

  const first = target.rulegate(["import", "actions", join(folder, "tenant.yaml"), "--secrets-from-env"], {
    env: { KEY: SECRET },
  });
  expect(first.stderr).toBe("");
  expect(first.stdout).toEndWith(
    "3 created, 0 updated, 0 unchanged, 2 deployed, 1 trigger bound, 0 skipped\n",
  );
  expect(await targetState()).toEqual(EXPECTED);
  const again = target.rulegate(["import", "actions", folder]);
  expect(again.stdout).toContain("nothing to change: the server already matches the export");
  for (const run of [first, again]) expect(run.stdout + run.stderr).not.toContain(SECRET);
}, 60_000);

test("a0deploy's directory export into the same target: nothing to change; into a fresh one after deleting all, the same actions", async () => {
  const folder = join(dir, "directory");
  await exportActions("directory", folder);
  const same = target.rulegate(["import", "actions", folder]);
  expect(same.stderr).toBe("");
  expect(same.stdout).toContain("nothing to change");

  const { actions } = await (await target.admin("GET", "/actions/actions")).json();
  for (const action of actions)
    expect((await target.admin("DELETE", `/actions/actions/${action.id}?force=true`)).status).toBe(204);
  const fresh = target.rulegate(["import", "actions", folder, "--secrets", "-"], {
    input: JSON.stringify({ "add-roles": { KEY: SECRET } }),
  });
  expect(fresh.stderr).toBe("");
  expect(fresh.stdout).toEndWith(
    "3 created, 0 updated, 0 unchanged, 2 deployed, 1 trigger bound, 0 skipped\n",
  );
  expect(await targetState()).toEqual(EXPECTED);
}, 60_000);
