import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoRequestBody, portOf, startServer, stopAllServers } from "../support/server-process.ts";

const KEY = "cli-import-admin-key-0123456789";
const root = join(import.meta.dir, "..", "..");
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
  });

  test("clients and APIs from Auth0 Management API exports", () => {
    const clients = join(dir, "clients.json");
    writeFileSync(
      clients,
      JSON.stringify([
        {
          name: "Mobile",
          token_endpoint_auth_method: "none",
          grant_types: ["http://auth0.com/oauth/grant-type/password-realm", "refresh_token", "implicit"],
        },
        { name: "Backend", grant_types: ["password"], client_metadata: { tier: "gold" } },
      ]),
    );
    const imported = rulegate(["--json", "import", "clients", clients]);
    expect(imported.code).toBe(0);
    const created = JSON.parse(imported.stdout);
    expect(created[0]).toMatchObject({
      name: "Mobile",
      token_endpoint_auth_method: "none",
      grant_types: ["password", "refresh_token"],
    });
    expect(created[1]).toMatchObject({ name: "Backend", client_metadata: { tier: "gold" } });
    expect(typeof created[1].client_secret).toBe("string");

    const apis = join(dir, "apis.json");
    writeFileSync(
      apis,
      JSON.stringify([
        {
          identifier: "https://orders.example.com",
          name: "Orders",
          scopes: [{ value: "read:orders", description: "Read" }],
          token_lifetime: 7200,
          allow_offline_access: true,
          signing_alg: "HS256",
        },
      ]),
    );
    const apiResult = rulegate(["import", "apis", apis]);
    expect(apiResult.code).toBe(0);
    expect(apiResult.stdout).toMatch(/^api_\S+ {2}https:\/\/orders\.example\.com\n$/);
  });

  test("a missing file and a refused upload are one-line errors", () => {
    const missing = rulegate(["import", "users", join(dir, "nope.json")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toStartWith("rulegate: cannot read");
  });
});
