/**
 * Auth0's Deploy CLI (`a0deploy`, from `auth0-deploy-cli`) against Rulegate: an export of
 * one tenant's settings, clients, APIs and client grants to YAML, then an import of that file into a second,
 * fresh Rulegate, which ends up with the same settings, the same clients (by name) and the
 * same APIs (by identifier) and the same client grants (by client name and audience). Each Rulegate is a real server process behind a TLS-terminating
 * HAProxy (a0deploy only speaks `https://<AUTH0_DOMAIN>`); a0deploy runs under Node, as
 * installed, trusting the test's certificate authority through `NODE_EXTRA_CA_CERTS`, with
 * the admin key as its `AUTH0_ACCESS_TOKEN`.
 *
 * What it touches is limited with its own setting `AUTH0_INCLUDED_ONLY` (Rulegate has no
 * connections, emails, branding…). The export keeps the `created_at` and `updated_at` that
 * Rulegate shows on clients and APIs; the import sends them back, and a create ignores them
 * as it ignores Auth0's other read-only fields.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { startTenant, type Tenant } from "./tenant.ts";

const A0DEPLOY = fileURLToPath(new URL("../../node_modules/auth0-deploy-cli/lib/index.js", import.meta.url));

/** The resource types exported and imported: what Rulegate has. */
const INCLUDED = ["tenant", "clients", "resourceServers", "clientGrants"];

/** Runs `a0deploy <args>` under Node against `tenant`; its output, without the admin key. */
async function a0deploy(tenant: Tenant, args: string[], extraEnv: Record<string, string> = {}) {
  const child = spawn("node", [A0DEPLOY, ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? tmpdir(),
      NODE_EXTRA_CA_CERTS: tenant.caPath,
      AUTH0_DOMAIN: tenant.domain,
      AUTH0_ACCESS_TOKEN: tenant.adminKey,
      AUTH0_INCLUDED_ONLY: JSON.stringify(INCLUDED),
      ...extraEnv,
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
  // Never let the key reach a test report.
  const shown = output.replaceAll(tenant.adminKey, "<admin key>");
  if (code !== 0) throw new Error(`a0deploy ${args[0]} exited with ${code}:\n${shown}`);
  return shown;
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

  test("export: tenant settings, clients, APIs and client grants to tenant.yaml", async () => {
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
  }, 120_000);

  test("import: the fresh tenant then has the same settings, clients (by name), APIs (by identifier) and client grants", async () => {
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
