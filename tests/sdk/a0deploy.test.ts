/**
 * Auth0's Deploy CLI (`a0deploy`, from `auth0-deploy-cli`) against Rulegate: an export of
 * one tenant's settings, clients, APIs, client grants and Auth0 rules to YAML, then an import
 * of that file into a second, fresh Rulegate, which ends up with the same settings, the same
 * clients (by name) and the same APIs (by identifier), the same client grants (by client
 * name and audience) and the same rules (name, script, order, enabled). Each Rulegate is a real server process behind a TLS-terminating
 * HAProxy (a0deploy only speaks `https://<AUTH0_DOMAIN>`); a0deploy runs under Node, as
 * installed, trusting the test's certificate authority through `NODE_EXTRA_CA_CERTS`, with
 * the admin key as its `AUTH0_ACCESS_TOKEN`.
 *
 * What it touches is limited with its own setting `AUTH0_INCLUDED_ONLY` (Rulegate has no
 * connections, emails, branding…). The export keeps the `created_at` and `updated_at` that
 * Rulegate shows on clients and APIs; the import sends them back, and a create ignores them
 * as it ignores Auth0's other read-only fields.
 *
 * Rules configs are secrets: a0deploy exports `rulesConfigs: []` whatever is set (its YAML
 * handler's `dump`), and on import sets each `{key, value}` of the file with `PUT
 * /api/v2/rules-configs/{key}`, never deleting a key the file does not name. The values come
 * from the file, typically through its keyword replacement (`##NAME##` from
 * `AUTH0_KEYWORD_REPLACE_MAPPINGS`), so that they stay out of the repository.
 */

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { a0deploy as runA0deploy } from "./a0deploy-support.ts";
import { startTenant, type Tenant } from "./tenant.ts";

/** The resource types exported and imported: what Rulegate has. */
const INCLUDED = ["tenant", "clients", "resourceServers", "clientGrants", "rules", "rulesConfigs"];

/** The rules configuration the source holds before any import (no export shows it). */
const SOURCE_CONFIGS = { SLACK_HOOK: "https://hooks.example/source", API_KEY: "k-source-51c0" };

/** a0deploy against `tenant`, limited to {@link INCLUDED}. */
const a0deploy = (tenant: Tenant, args: string[], extraEnv: Record<string, string> = {}) =>
  runA0deploy(tenant, args, INCLUDED, extraEnv);

/** An Auth0 rule's source as a0deploy writes it to `rules/<name>.js`. */
const ruleScript = (body: string) =>
  `function (user, context, callback) {\n  ${body}\n  callback(null, user, context);\n}`;

/** The rules as comparable across tenants: by name, without the id. */
const rulesOf = async (tenant: Tenant) =>
  ((await tenant.raw("GET", "/rules")).body as Record<string, unknown>[]).map(withoutId);

/** The rules configuration values a tenant stores (no answer shows them). */
function configurationOf(tenant: Tenant): Record<string, string> {
  const db = new Database(tenant.dbPath, { readonly: true });
  try {
    const row = db.query("select secrets from rule_secrets where rule_id = 'rules'").get() as {
      secrets: string;
    } | null;
    return row ? JSON.parse(row.secrets) : {};
  } finally {
    db.close();
  }
}

/** A client or API without its id (as a0deploy exports it: ids differ from tenant to tenant). */
function withoutId<Row extends Record<string, unknown>>(row: Row) {
  const { client_id: _clientId, id: _id, ...rest } = row;
  return rest;
}

/** A client or API without what the server assigns (ids, times; a client's secret is never shown). */
function withoutAssigned<Row extends Record<string, unknown>>(row: Row) {
  const { client_id: _clientId, id: _id, created_at: _created, updated_at: _updated, ...rest } = row;
  return rest;
}

describe("a0deploy export, then import into a fresh Rulegate", () => {
  let source: Tenant;
  let target: Tenant;
  let dir = "";
  beforeAll(async () => {
    [source, target] = await Promise.all([startTenant(), startTenant()]);
    dir = mkdtempSync(join(tmpdir(), "rulegate-a0deploy-"));
    const created = await Promise.all([
      source.raw("POST", "/resource-servers", {
        name: "Orders",
        identifier: "https://orders.example.com",
        scopes: [
          { value: "read:orders", description: "Read orders" },
          { value: "write:orders", description: "Write orders" },
        ],
        token_lifetime: 3600,
        allow_offline_access: true,
        signing_alg: "ES256",
      }),
      source.raw("POST", "/resource-servers", { name: "Billing", identifier: "urn:billing" }),
      source.raw("POST", "/clients", {
        name: "Acme Mobile",
        app_type: "native",
        grant_types: ["password", "refresh_token"],
        token_endpoint_auth_method: "none",
        callbacks: ["com.acme.mobile://callback"],
        client_metadata: { team: "mobile" },
      }),
      source.raw("POST", "/clients", {
        name: "Acme Backend",
        app_type: "non_interactive",
        grant_types: ["password", "client_credentials"],
        token_endpoint_auth_method: "client_secret_basic",
      }),
      source.raw("PATCH", "/tenants/settings", {
        friendly_name: "Acme",
        default_audience: "https://orders.example.com",
        support_email: "support@acme.example",
        enabled_locales: ["en", "fr"],
        brute_force_protection: { max_attempts: 5 },
      }),
    ]);
    expect(created.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 200]);
    const backend = created[3]!.body;
    const grants = await Promise.all([
      source.raw("POST", "/client-grants", {
        client_id: backend.client_id,
        audience: "https://orders.example.com",
        scope: ["read:orders", "write:orders"],
      }),
      source.raw("POST", "/client-grants", {
        client_id: backend.client_id,
        audience: "urn:billing",
        scope: [],
      }),
    ]);
    expect(grants.map((answer) => answer.status)).toEqual([201, 201]);
    // One at a time: without an order, a rule goes after the last.
    for (const rule of [
      {
        name: "add country",
        script: ruleScript("context.accessToken['https://acme/country'] = 'fr';"),
        order: 5,
      },
      { name: "audit-log", script: ruleScript("console.log(user.email);"), enabled: false },
      { name: "tag roles", script: ruleScript("// roles"), order: 1 },
    ])
      expect((await source.raw("POST", "/rules", rule)).status).toBe(201);
    const configs = await Promise.all(
      Object.entries(SOURCE_CONFIGS).map(([key, value]) =>
        source.raw("PUT", `/rules-configs/${key}`, { value }),
      ),
    );
    expect(configs.map((answer) => answer.status)).toEqual([200, 200]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // a0deploy sends an exported client or API back as it is, read-only fields included.
  test("a create ignores the created_at/updated_at that Rulegate shows; a bad value is still refused", async () => {
    const times = { created_at: "2026-01-01T00:00:00.000Z", updated_at: "2026-01-01T00:00:00.000Z" };
    const api = await target.raw("POST", "/resource-servers", {
      name: "Times",
      identifier: "urn:times",
      ...times,
    });
    const client = await target.raw("POST", "/clients", { name: "Times", ...times });
    expect([api.status, client.status]).toEqual([201, 201]);
    expect([api.body.created_at, client.body.created_at]).not.toContain(times.created_at);
    const refused = await target.raw("POST", "/resource-servers", {
      identifier: "urn:times-bad",
      ...times,
      token_lifetime: "a day",
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain("token_lifetime");
    expect((await target.raw("DELETE", `/resource-servers/${api.body.id}`)).status).toBe(204);
    expect((await target.raw("DELETE", `/clients/${client.body.client_id}`)).status).toBe(204);
  });

  test("export: tenant settings, clients, APIs, client grants and rules to tenant.yaml; no rules config", async () => {
    const output = await a0deploy(source, ["export", "--format", "yaml", "--output_folder", dir]);
    expect(output).toContain("Export Successful");
    const exported = parse(readFileSync(join(dir, "tenant.yaml"), "utf8"));
    const settings = (await source.raw("GET", "/tenants/settings")).body;
    expect(exported.tenant).toEqual(settings);
    const clients = (await source.raw("GET", "/clients")).body as Record<string, unknown>[];
    expect(exported.clients).toEqual(expect.arrayContaining(clients.map(withoutId)));
    expect(exported.clients).toHaveLength(2);
    const apis = (await source.raw("GET", "/resource-servers")).body as Record<string, unknown>[];
    expect(exported.resourceServers).toEqual(expect.arrayContaining(apis.map(withoutId)));
    expect(exported.resourceServers).toHaveLength(2);
    // a0deploy names a grant's client by its name (the id differs from tenant to tenant).
    expect(exported.clientGrants).toEqual(
      expect.arrayContaining([
        {
          client_id: "Acme Backend",
          audience: "https://orders.example.com",
          scope: ["read:orders", "write:orders"],
        },
        { client_id: "Acme Backend", audience: "urn:billing", scope: [] },
      ]),
    );
    expect(exported.clientGrants).toHaveLength(2);
    // Each rule's script is written to rules/<name>.js, which the YAML names (by name).
    expect(exported.rules).toEqual([
      {
        name: "add country",
        script: "./rules/add country.js",
        order: 5,
        enabled: true,
        stage: "login_success",
      },
      { name: "audit-log", script: "./rules/audit-log.js", order: 6, enabled: false, stage: "login_success" },
      { name: "tag roles", script: "./rules/tag roles.js", order: 1, enabled: true, stage: "login_success" },
    ]);
    for (const rule of (await source.raw("GET", "/rules")).body as { name: string; script: string }[])
      expect(readFileSync(join(dir, "rules", `${rule.name}.js`), "utf8")).toBe(rule.script);
    // The values are secrets: a0deploy exports none, not even the keys.
    expect(exported.rulesConfigs).toEqual([]);
    for (const value of Object.values(SOURCE_CONFIGS))
      expect(readFileSync(join(dir, "tenant.yaml"), "utf8")).not.toContain(value);
  }, 120_000);

  // An import spends some 40 s of one core before it sends anything (a0deploy compiles its
  // whole schema twice; tests/sdk/a0deploy-support.ts), so the import into the target and
  // the rules-configs import into the source, which changes nothing the import compares, run
  // side by side (each with the time of two imports, the CPU shared).
  test.concurrent("import: the fresh tenant then has the same settings, clients (by name), APIs (by identifier), client grants and rules", async () => {
    const output = await a0deploy(target, ["import", "--input_file", join(dir, "tenant.yaml")]);
    expect(output).toContain("Import Successful");

    expect((await target.raw("GET", "/tenants/settings")).body).toEqual(
      (await source.raw("GET", "/tenants/settings")).body,
    );
    const byName = (rows: Record<string, unknown>[]) =>
      Object.fromEntries(rows.map((row) => [row.name, withoutAssigned(row)]));
    expect(byName((await target.raw("GET", "/clients")).body)).toEqual(
      byName((await source.raw("GET", "/clients")).body),
    );
    const byIdentifier = (rows: Record<string, unknown>[]) =>
      Object.fromEntries(rows.map((row) => [row.identifier, withoutAssigned(row)]));
    expect(byIdentifier((await target.raw("GET", "/resource-servers")).body)).toEqual(
      byIdentifier((await source.raw("GET", "/resource-servers")).body),
    );
    /** Each grant as (client name, audience, scope), comparable across tenants. */
    const grantsOf = async (tenant: Tenant) => {
      const clients = (await tenant.raw("GET", "/clients")).body as { client_id: string; name: string }[];
      const nameOf = (id: string) => clients.find((client) => client.client_id === id)?.name;
      const grants = (await tenant.raw("GET", "/client-grants")).body as Record<string, string>[];
      return grants
        .map((grant) => ({ client: nameOf(grant.client_id!), audience: grant.audience, scope: grant.scope }))
        .sort((a, b) => String(a.audience).localeCompare(String(b.audience)));
    };
    const sourceGrants = await grantsOf(source);
    expect(sourceGrants).toHaveLength(2);
    expect(await grantsOf(target)).toEqual(sourceGrants);

    const sourceRules = await rulesOf(source);
    expect(sourceRules).toHaveLength(3);
    expect(await rulesOf(target)).toEqual(sourceRules);
    // `rulesConfigs: []` sets nothing.
    expect((await target.raw("GET", "/rules-configs")).body).toEqual([]);
  }, 240_000);

  test.concurrent("rules configs: a file that leaves a key out leaves it set, a file without rules leaves the rules", async () => {
    const rulesBefore = await rulesOf(source);
    expect(rulesBefore).toHaveLength(3);
    const file = join(dir, "configs.yaml");
    writeFileSync(file, stringify({ rulesConfigs: [{ key: "API_KEY", value: "##API_KEY##" }] }));
    const output = await a0deploy(source, ["import", "--input_file", file], {
      AUTH0_KEYWORD_REPLACE_MAPPINGS: JSON.stringify({ API_KEY: "k-rotated" }),
    });
    expect(output).toContain("Import Successful");
    expect(output).not.toContain("k-rotated");
    // API_KEY's value is replaced; SLACK_HOOK is kept: a0deploy never deletes a rules config.
    expect(configurationOf(source)).toEqual({ SLACK_HOOK: SOURCE_CONFIGS.SLACK_HOOK, API_KEY: "k-rotated" });
    expect(await rulesOf(source)).toEqual(rulesBefore);
  }, 240_000);

  test("re-import with two rules' orders swapped and rules configs keyword-replaced from AUTH0_KEYWORD_REPLACE_MAPPINGS: a0deploy moves the one in the way aside first; the file's values are set", async () => {
    const file = join(dir, "tenant.yaml");
    const config = parse(readFileSync(file, "utf8"));
    for (const rule of config.rules) {
      if (rule.name === "tag roles") rule.order = 5;
      else if (rule.name === "add country") rule.order = 1;
    }
    // Two new rules without an order (a0deploy sends `order: null`), created in parallel.
    for (const name of ["late one", "late two"]) {
      writeFileSync(join(dir, "rules", `${name}.js`), ruleScript(`// ${name}`));
      config.rules.push({ name, script: `./rules/${name}.js` });
    }
    // The values stay out of the file: a0deploy replaces each `##NAME##` from the mappings.
    config.rulesConfigs = [
      { key: "SLACK_HOOK", value: "##SLACK_HOOK##" },
      { key: "API_KEY", value: "##API_KEY##" },
    ];
    writeFileSync(join(dir, "swapped.yaml"), stringify(config));
    const secrets = { SLACK_HOOK: "https://hooks.example/target", API_KEY: "k-2f8a9c" };
    const output = await a0deploy(target, ["import", "--input_file", join(dir, "swapped.yaml")], {
      AUTH0_KEYWORD_REPLACE_MAPPINGS: JSON.stringify(secrets),
    });
    expect(output).toContain("Import Successful");
    const orders = Object.fromEntries(
      ((await target.raw("GET", "/rules")).body as { name: string; order: number }[]).map((rule) => [
        rule.name,
        rule.order,
      ]),
    );
    // After the two moved aside (7 and 8): 9 and 10, in whichever order they arrived.
    expect(orders).toEqual({
      "add country": 1,
      "tag roles": 5,
      "audit-log": 6,
      "late one": expect.any(Number),
      "late two": expect.any(Number),
    });
    expect([orders["late one"]!, orders["late two"]!].sort((a, b) => a - b)).toEqual([9, 10]);
    const late = ((await target.raw("GET", "/rules")).body as { name: string; script: string }[]).find(
      (rule) => rule.name === "late one",
    );
    expect(late?.script).toBe(ruleScript("// late one"));

    for (const value of Object.values(secrets)) expect(output).not.toContain(value);
    expect((await target.raw("GET", "/rules-configs")).body).toEqual([
      { key: "API_KEY" },
      { key: "SLACK_HOOK" },
    ]);
    expect(configurationOf(target)).toEqual(secrets);
  }, 120_000);
});

describe("a0deploy with AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET (a Management API token from client credentials)", () => {
  let tenant: Tenant;
  let dir = "";
  let deployClient: { client_id: string; client_secret: string };
  beforeAll(async () => {
    tenant = await startTenant();
    dir = mkdtempSync(join(tmpdir(), "rulegate-a0deploy-cc-"));
    expect(
      (await tenant.raw("POST", "/resource-servers", { name: "Orders", identifier: "urn:orders" })).status,
    ).toBe(201);
    deployClient = (
      await tenant.raw("POST", "/clients", {
        name: "Deploy pipeline",
        app_type: "non_interactive",
        grant_types: ["client_credentials"],
      })
    ).body;
    const grant = await tenant.raw("POST", "/client-grants", {
      client_id: deployClient.client_id,
      audience: `${tenant.origin}/api/v2/`,
      scope: ["read:clients", "read:resource_servers", "read:tenant_settings", "read:client_grants"],
    });
    expect(grant.status).toBe(201);
  }, 30_000);
  afterAll(async () => {
    await tenant?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("export with the deploy client's credentials", async () => {
    const output = await a0deploy(tenant, ["export", "--format", "yaml", "--output_folder", dir], {
      AUTH0_ACCESS_TOKEN: "",
      AUTH0_CLIENT_ID: deployClient.client_id,
      AUTH0_CLIENT_SECRET: deployClient.client_secret,
    });
    expect(output).toContain("Export Successful");
    const exported = parse(readFileSync(join(dir, "tenant.yaml"), "utf8"));
    expect(exported.resourceServers.map((api: { identifier: string }) => api.identifier)).toEqual([
      "urn:orders",
    ]);
    expect(exported.tenant.friendly_name).toEqual(
      (await tenant.raw("GET", "/tenants/settings")).body.friendly_name,
    );
    // a0deploy leaves out the grant of the client it runs as.
    expect(exported.clientGrants ?? []).toEqual([]);
  }, 60_000);
});
