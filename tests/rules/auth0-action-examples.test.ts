import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { deployAction, insertAction, replaceBindings } from "../../src/db/actions.ts";
import { createHarness, type Harness, seedTenant } from "../support/harness.ts";

/**
 * The Actions examples of Auth0's documentation for the post-login and credentials-exchange
 * triggers that need no network, in our own words in rules/auth0-actions/: each is stored,
 * deployed and bound unchanged and exercised through real exchanges.
 */
const folder = join(import.meta.dir, "..", "..", "rules", "auth0-actions");
const source = (name: string) => readFileSync(join(folder, `${name}.js`), "utf8");
const triggerOf = (code: string) =>
  code.includes("onExecuteCredentialsExchange") ? ("credentials-exchange" as const) : ("post-login" as const);

let h: Harness;
let seed: Awaited<ReturnType<typeof seedTenant>>;
let machine: { client_id: string; client_secret: string };

beforeAll(async () => {
  h = await createHarness({ RULE_WORKERS: "1" });
  seed = await seedTenant(h);
  await h.admin("PATCH", "/resource-servers/https%3A%2F%2Fapi.example.com", {
    scopes: [
      { value: "read:things", description: "" },
      { value: "write:things", description: "" },
      { value: "admin:things", description: "" },
    ],
  });
  machine = await (
    await h.admin("POST", "/clients", {
      name: "machine",
      grant_types: ["client_credentials"],
      client_metadata: { tier: "gold" },
    })
  ).json();
  await h.admin("POST", "/client-grants", {
    client_id: machine.client_id,
    audience: "https://api.example.com",
    scope: ["read:things", "admin:things"],
  });
});
afterAll(() => h.close());

/** Stores, deploys and binds the examples `names` (files of rules/auth0-actions/), alone, in that order. */
async function only(names: string[], secrets: Record<string, string> = {}) {
  const byTrigger: Record<string, string[]> = { "post-login": [], "credentials-exchange": [] };
  for (const name of names) {
    const code = source(name);
    const now = new Date();
    const id = crypto.randomUUID();
    await insertAction(h.deps.db, {
      id,
      name: `${name}-${id.slice(0, 8)}`,
      supportedTriggers: [{ id: triggerOf(code), version: "v3" }],
      code,
      runtime: "node22",
      dependencies: [],
      secrets: Object.fromEntries(
        Object.entries(secrets).map(([key, value]) => [key, { value, updatedAt: now.getTime() }]),
      ),
      deployedVersionId: null,
      deployedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    await deployAction(h.deps.db, id, crypto.randomUUID(), now);
    byTrigger[triggerOf(code)]!.push(id);
  }
  for (const [trigger, ids] of Object.entries(byTrigger)) {
    await replaceBindings(
      h.deps.db,
      trigger,
      ids.map((actionId) => ({
        id: crypto.randomUUID(),
        actionId,
        displayName: actionId,
        createdAt: Date.now(),
      })),
      new Date(),
    );
  }
}

const json = async (response: Response | Promise<Response>) => {
  const answer = await response;
  return { status: answer.status, body: await answer.json() };
};

async function login(
  options: { scope?: string; client?: { client_id: string; client_secret: string }; ip?: string } = {},
) {
  const client = options.client ?? seed.postClient;
  const { status, body } = await json(
    h.token(
      {
        grant_type: "password",
        username: "alice@example.com",
        password: "correct horse battery",
        audience: "https://api.example.com",
        scope: options.scope ?? "openid read:things",
        client_id: client.client_id,
        client_secret: client.client_secret,
      },
      { remoteAddress: options.ip },
    ),
  );
  return {
    status,
    body,
    access: status === 200 ? decodeJwt(body.access_token) : {},
    id: status === 200 && body.id_token ? decodeJwt(body.id_token) : {},
  };
}

const machineToken = async (scope?: string) =>
  json(
    h.token({
      grant_type: "client_credentials",
      audience: "https://api.example.com",
      client_id: machine.client_id,
      client_secret: machine.client_secret,
      ...(scope ? { scope } : {}),
    }),
  );

test("every example in rules/auth0-actions is there and names its trigger's handler", () => {
  const files = readdirSync(folder).filter((file) => file.endsWith(".js"));
  expect(files.length).toBeGreaterThanOrEqual(10);
  for (const file of files) expect(readFileSync(join(folder, file), "utf8")).toMatch(/exports\.onExecute/);
});

describe("Auth0's Actions examples, unchanged", () => {
  test("add email to access token; roles from app_metadata", async () => {
    await only(["add-email-to-access-token", "roles-from-app-metadata"]);
    const { access, id } = await login();
    expect(access["https://example.com/email"]).toBe("alice@example.com");
    expect(access["https://example.com/roles"]).toEqual(["admin"]);
    expect(id["https://example.com/roles"]).toEqual(["admin"]);
  });

  test("email domain allowlist and a verified email", async () => {
    await only(["email-domain-allowlist"]);
    expect((await login()).status).toBe(200);
    await only(["require-verified-email"]);
    expect((await login()).body).toEqual({
      error: "access_denied",
      error_description: "Please verify your email before logging in.",
    });
  });

  test("IP allowlist from the action's secret", async () => {
    await only(["ip-allowlist-from-secret"], { ALLOWED_IPS: "198.51.100.7, 203.0.113.9" });
    expect((await login({ ip: "203.0.113.9" })).status).toBe(200);
    expect((await login({ ip: "192.0.2.1" })).body.error_description).toBe(
      "Access denied from this IP address.",
    );
  });

  test("onboarding on the first login", async () => {
    await only(["onboarding-on-first-login"]);
    const dave = (
      await json(h.admin("POST", "/users", { email: "dave@example.com", password: "dave's password" }))
    ).body;
    const daveLogin = () =>
      json(
        h.token({
          grant_type: "password",
          username: "dave@example.com",
          password: "dave's password",
          audience: "https://api.example.com",
          scope: "openid",
          client_id: seed.postClient.client_id,
          client_secret: seed.postClient.client_secret,
        }),
      );
    expect(decodeJwt((await daveLogin()).body.id_token)["https://example.com/first_login"]).toBe(true);
    expect(decodeJwt((await daveLogin()).body.id_token)["https://example.com/first_login"]).toBe(false);
    const stored = (await json(h.admin("GET", `/users/${encodeURIComponent(dave.user_id)}`))).body;
    expect(stored.user_metadata.onboarding).toBe("pending");
  });

  test("scopes by role", async () => {
    await only(["scopes-by-role"]);
    expect((await login({ scope: "read:things write:things" })).body.scope).toBe("read:things");
    await h.admin("PATCH", `/users/${encodeURIComponent(seed.alice.user_id)}`, {
      app_metadata: { roles: ["admin", "editor"] },
    });
    expect((await login({ scope: "read:things write:things" })).body.scope).toBe("read:things write:things");
    await h.admin("PATCH", `/users/${encodeURIComponent(seed.alice.user_id)}`, {
      app_metadata: { roles: ["admin"] },
    });
  });

  test("deny an application to users outside a team", async () => {
    await only(["deny-an-application"]);
    const backOffice = (await json(h.admin("POST", "/clients", { name: "Back office" }))).body;
    expect((await login({ client: backOffice })).body.error_description).toBe(
      "Back office is for the support team only.",
    );
    expect((await login()).status).toBe(200);
  });

  test("a lookup kept in the action's cache", async () => {
    await only(["cache-a-lookup"]);
    expect((await login()).access["https://example.com/plan"]).toBe("enterprise");
    expect((await login()).access["https://example.com/plan"]).toBe("enterprise");
  });

  test("credentials-exchange: a tier claim from client metadata; the admin scope refused", async () => {
    await only(["m2m-tier-claim", "m2m-refuse-admin-scope"]);
    const token = await machineToken("read:things");
    expect(token.status).toBe(200);
    expect(decodeJwt(token.body.access_token)["https://example.com/tier"]).toBe("gold");
    expect((await machineToken("read:things admin:things")).body).toEqual({
      error: "invalid_scope",
      error_description: "Machines may not have admin:things.",
    });
  });
});
