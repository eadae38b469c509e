import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { portOf, startServer, stopAllServers } from "../support/server-process.ts";

/**
 * Rules written for Auth0's password-exchange extension point, deployed unchanged with
 * `rulegate rule deploy` (the CLI process against a real server) and exercised.
 */
const KEY = "corpus-admin-key-0123456789";
const root = join(import.meta.dir, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "rulegate-corpus-"));
let url: string;
let client: { client_id: string; client_secret: string };

const admin = async (method: string, path: string, body?: unknown) =>
  (
    await fetch(`${url}/api/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  ).json();

beforeAll(async () => {
  const { done } = await startServer(
    { DB_PATH: join(dir, "db.sqlite"), ADMIN_API_KEY: KEY, NODE_ENV: "production" },
    /"event":"listening".*\n/,
  );
  url = `http://localhost:${portOf((await done).stdout)}`;
  await admin("POST", "/resource-servers", {
    identifier: "https://someapi.com/api",
    scopes: [
      { value: "read:sample", description: "" },
      { value: "write:sample", description: "" },
    ],
  });
  client = await admin("POST", "/clients", { name: "Corpus App" });
  await admin("POST", "/users", {
    email: "user@example.com",
    password: "corpus password",
    name: "Corpus User",
    app_metadata: { plan: "gold", roles: ["editor"], allowed_scopes: ["read:sample"] },
  });
  await admin("POST", "/users", { email: "outsider@elsewhere.org", password: "corpus password" });
});
afterAll(() => {
  stopAllServers();
  rmSync(dir, { recursive: true, force: true });
});

function deploy(file: string, ...extra: string[]) {
  const result = spawnSync(
    process.execPath,
    ["src/cli/main.ts", "rule", "deploy", `rules/auth0/${file}`, ...extra],
    {
      cwd: root,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", RULEGATE_URL: url, ADMIN_API_KEY: KEY, NO_COLOR: "1" },
    },
  );
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
}

async function exchange(username = "user@example.com", scope = "openid read:sample write:sample") {
  const response = await fetch(`${url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      grant_type: "password",
      username,
      password: "corpus password",
      audience: "https://someapi.com/api",
      scope,
      client_id: client.client_id,
      client_secret: client.client_secret,
    }),
  });
  return { status: response.status, body: await response.json() };
}

describe("the Auth0 rule corpus runs unchanged", () => {
  test("the corpus is every file in rules/auth0, each one untouched by the port", () => {
    expect(readdirSync(join(root, "rules/auth0")).sort()).toEqual([
      "access-and-id-token-claims.js",
      "add-plan-claim.js",
      "deny-outside-domain.js",
      "scopes-from-app-metadata.js",
      "seed-sample.js",
      "tenant-label-from-secrets.js",
    ]);
    for (const file of readdirSync(join(root, "rules/auth0"))) {
      expect(readFileSync(join(root, "rules/auth0", file), "utf8")).toContain(
        "module.exports = function (user, client, scope, audience, context, cb)",
      );
    }
  });

  test("seed-sample: the extra scope and https://foo.com/claim", async () => {
    deploy("seed-sample.js");
    const { body } = await exchange("user@example.com", "read:sample");
    expect(body.scope).toBe("read:sample extra");
    expect(decodeJwt(body.access_token)["https://foo.com/claim"]).toBe("bar");
  });

  test("add-plan-claim: app_metadata and the client's name as claims", async () => {
    deploy("add-plan-claim.js");
    const claims = decodeJwt((await exchange()).body.access_token);
    expect(claims).toMatchObject({
      "https://example.com/plan": "gold",
      "https://example.com/client": "Corpus App",
    });
  });

  test("deny-outside-domain: cb(new Error('access denied')) is a 403", async () => {
    deploy("deny-outside-domain.js");
    expect((await exchange()).status).toBe(200);
    expect(await exchange("outsider@elsewhere.org")).toEqual({
      status: 403,
      body: { error: "access_denied", error_description: "access denied" },
    });
  });

  test("tenant-label-from-secrets: context.webtask.secrets from --secret", async () => {
    deploy("tenant-label-from-secrets.js", "--secret", "TENANT_LABEL=acme-prod");
    const claims = decodeJwt((await exchange()).body.access_token);
    expect(claims).toMatchObject({
      "https://example.com/tenant": "acme-prod",
      "https://example.com/audience": "https://someapi.com/api",
    });
  });

  test("scopes-from-app-metadata: the returned scope replaces the granted one", async () => {
    deploy("scopes-from-app-metadata.js");
    expect((await exchange()).body.scope).toBe("read:sample");
  });

  test("access-and-id-token-claims: the nested shape reaches both tokens", async () => {
    deploy("access-and-id-token-claims.js");
    const { body } = await exchange();
    expect(decodeJwt(body.access_token)["https://example.com/roles"]).toEqual(["editor"]);
    expect(decodeJwt(body.id_token)["https://example.com/display_name"]).toBe("Corpus User");
  });
});
