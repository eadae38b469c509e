import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoRequestBody, portOf, startServer, stopAllServers } from "../support/server-process.ts";

const KEY = "cli-import-admin-key-0123456789";
const root = join(import.meta.dir, "..", "..");
const fixtures = join(import.meta.dir, "..", "imports", "fixtures");
const dir = mkdtempSync(join(tmpdir(), "rulegate-cli-import-"));
let url: string;
let demo: { client_id: string; client_secret: string };

beforeAll(async () => {
  const { done } = await startServer({ DB_PATH: join(dir, "db.sqlite"), ADMIN_API_KEY: KEY }, /^curl .*$/m);
  const { stdout } = await done;
  url = `http://localhost:${portOf(stdout)}`;
  demo = JSON.parse(demoRequestBody(stdout));
});
afterAll(() => {
  stopAllServers();
  rmSync(dir, { recursive: true, force: true });
});

const rulegate = (args: string[]) => {
  const result = spawnSync(process.execPath, ["src/cli/main.ts", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", RULEGATE_URL: url, ADMIN_API_KEY: KEY, NO_COLOR: "1" },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

/** A management API read with the admin key. */
const admin = async (path: string) => {
  const response = await fetch(`${url}/api/v2${path}`, { headers: { authorization: `Bearer ${KEY}` } });
  expect(response.status).toBe(200);
  return response.json();
};

const sha256Record = (index: number) => {
  const password = `password number ${index}`;
  return {
    email: `migrated${index}@example.com`,
    user_id: `m${index}`,
    custom_password_hash: {
      algorithm: "sha256",
      hash: { value: createHash("sha256").update(`salt${index}${password}`).digest("hex"), encoding: "hex" },
      salt: { value: `salt${index}`, encoding: "utf8", position: "prefix" },
    },
  };
};

describe("rulegate import", () => {
  // Two imports of 10,000 records and a login: on PostgreSQL, on a loaded machine, more than
  // bun's default 5 s (a limit on the harness, not a claim about speed).
  test("users: 10,000 records through the CLI, with progress, summary and errors", async () => {
    const file = join(dir, "users.ndjson");
    const lines = Array.from({ length: 10_000 }, (_, index) => JSON.stringify(sha256Record(index)));
    lines[42] = JSON.stringify({ email: "broken" });
    writeFileSync(file, `${lines.join("\n")}\n`);
    const result = rulegate(["import", "users", file]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/processed \d+\/10000 records/);
    expect(result.stdout).toMatch(
      /^job job_\S+ completed in [\d.]+ s: 10000 records, 9999 inserted, 0 updated, 1 failed\n/,
    );
    expect(result.stdout).toMatch(/the failed records: GET \/api\/v2\/jobs\/job_\S+\/errors/);

    const login = await fetch(`${url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: "password",
        username: "migrated7@example.com",
        password: "password number 7",
        audience: "https://someapi.com/api",
        client_id: demo.client_id,
        client_secret: demo.client_secret,
      }),
    });
    expect(login.status).toBe(200);

    const upsert = rulegate(["--json", "import", "users", file, "--upsert"]);
    expect(upsert.code).toBe(0);
    expect(JSON.parse(upsert.stdout).summary).toEqual({
      total: 10000,
      inserted: 0,
      updated: 9999,
      failed: 1,
    });
  }, 60_000);

  test("clients: Auth0's global client is skipped; a re-run updates, keeping ids and secrets", async () => {
    const exported = JSON.parse(readFileSync(join(fixtures, "auth0-clients.json"), "utf8"));
    const file = join(dir, "clients.json");
    writeFileSync(file, JSON.stringify(exported));
    const before = await admin("/clients?per_page=100");

    const first = rulegate(["import", "clients", file]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^skipped {2}All Applications \(Auth0's global client\)\nadded {4}(cli_\S+) {2}Acme Mobile\nadded {4}(cli_\S+) {2}Acme Backend {2}secret: (\S+)\n$/,
    );
    const [, mobileId, backendId, backendSecret] = first.stdout.match(
      /(cli_\S+) .*\n.*(cli_\S+) .*secret: (\S+)/,
    )!;
    const imported = await admin(`/clients/${backendId}`);
    expect(imported).toMatchObject({
      name: "Acme Backend",
      grant_types: ["password", "client_credentials"],
      client_metadata: { tier: "gold", auth0_client_id: "Bk8vR2xQ5nM1zT9wY4cH7pL3sJ6gD0fE" },
    });
    expect(await admin(`/clients/${mobileId}`)).toMatchObject({
      token_endpoint_auth_method: "none",
      grant_types: ["http://auth0.com/oauth/grant-type/password-realm", "refresh_token"],
      client_metadata: { auth0_client_id: "Xq1sT7mN2bV9cL4kP8rW3yZ6hF0jD5gA" },
    });

    exported[2].name = "Acme Backend (EU)";
    exported[2].client_metadata = { tier: "platinum" };
    writeFileSync(file, JSON.stringify(exported));
    const again = rulegate(["import", "clients", file]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      `skipped  All Applications (Auth0's global client)\nupdated  ${mobileId}  Acme Mobile\nupdated  ${backendId}  Acme Backend (EU)\n`,
    );
    expect((await admin("/clients?per_page=100")).length).toBe(before.length + 2);
    expect(await admin(`/clients/${backendId}`)).toMatchObject({
      name: "Acme Backend (EU)",
      client_metadata: { tier: "platinum", auth0_client_id: "Bk8vR2xQ5nM1zT9wY4cH7pL3sJ6gD0fE" },
    });
    // The secret printed by the first run still authenticates the client.
    await fetch(`${url}/api/v2/users`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ email: "backend-user@example.com", password: "a long enough password 1" }),
    });
    const login = await fetch(`${url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: "password",
        username: "backend-user@example.com",
        password: "a long enough password 1",
        audience: "https://someapi.com/api",
        client_id: backendId,
        client_secret: backendSecret,
      }),
    });
    expect(login.status).toBe(200);

    const json = JSON.parse(rulegate(["--json", "import", "clients", file]).stdout);
    expect(json.added).toEqual([]);
    expect(json.updated.map((client: { client_id: string }) => client.client_id)).toEqual([
      mobileId,
      backendId,
    ]);
    expect(json.updated[1].client_secret).toBeUndefined();
    expect(json.skipped).toEqual([{ name: "All Applications", reason: "Auth0's global client" }]);
  });

  test("clients: an export without client_id is refused before anything is written", async () => {
    const file = join(dir, "anonymous-clients.json");
    writeFileSync(file, JSON.stringify([{ name: "Kept", client_id: "abc" }, { name: "Nameless id" }]));
    const before = await admin("/clients?per_page=100");
    const result = rulegate(["import", "clients", file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `rulegate: ${file}: nothing imported: entry 2 (Nameless id) has no client_id: it is kept as client_metadata.auth0_client_id so that a re-run updates the client\n`,
    );
    expect((await admin("/clients?per_page=100")).length).toBe(before.length);
  });

  test("APIs: Auth0's Management API is skipped; a re-run updates by identifier", async () => {
    const exported = JSON.parse(readFileSync(join(fixtures, "auth0-resource-servers.json"), "utf8"));
    const file = join(dir, "apis.json");
    writeFileSync(file, JSON.stringify(exported));
    const before = await admin("/resource-servers?per_page=100");

    const first = rulegate(["import", "apis", file]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^skipped {2}Auth0 Management API \(system API\)\nadded {4}api_\S+ {2}https:\/\/orders\.acme\.example\n$/,
    );
    const id = first.stdout.match(/(api_\S+)/)![1];
    expect(await admin(`/resource-servers/${id}`)).toMatchObject({
      name: "Acme Orders",
      scopes: [
        { value: "read:orders", description: "Read orders" },
        { value: "write:orders", description: "Place orders" },
      ],
      token_lifetime: 7200,
      allow_offline_access: true,
      signing_alg: "RS256",
    });

    exported[1].name = "Acme Orders v2";
    exported[1].scopes.push({ value: "cancel:orders", description: "Cancel orders" });
    exported.push({ name: "Acme Billing", identifier: "https://billing.acme.example", scopes: [] });
    writeFileSync(file, JSON.stringify(exported));
    const again = rulegate(["import", "apis", file]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      new RegExp(
        `^skipped  Auth0 Management API \\(system API\\)\nupdated  ${id}  https://orders\\.acme\\.example\nadded    api_\\S+  https://billing\\.acme\\.example\n$`,
      ),
    );
    const after = await admin("/resource-servers?per_page=100");
    expect(after.length).toBe(before.length + 2);
    expect(after.some((api: { identifier: string }) => api.identifier.endsWith(".auth0.com/api/v2/"))).toBe(
      false,
    );
    expect(await admin(`/resource-servers/${id}`)).toMatchObject({
      name: "Acme Orders v2",
      scopes: [{ value: "read:orders" }, { value: "write:orders" }, { value: "cancel:orders" }],
    });
    const third = rulegate(["import", "apis", file]);
    expect(third.stdout.match(/^updated /gm)?.length).toBe(2);
    expect((await admin("/resource-servers?per_page=100")).length).toBe(before.length + 2);
  });

  test("a missing file and a refused upload are one-line errors", () => {
    const missing = rulegate(["import", "users", join(dir, "nope.json")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toStartWith("rulegate: cannot read");
  });
});
