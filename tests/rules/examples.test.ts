import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { decodeJwt } from "jose";
import { createHarness, type Harness, seedTenant } from "../support/harness.ts";
import { deployRule, tryRule } from "../support/rules.ts";

let h: Harness;
let seed: Awaited<ReturnType<typeof seedTenant>>;
beforeAll(async () => {
  h = await createHarness();
  seed = await seedTenant(h);
});
afterAll(() => h.close());

const rule = (name: string) => readFileSync(`rules/${name}.js`, "utf8");
const exchange = (client = seed.postClient, scope = "read:things write:things") =>
  h.token({
    grant_type: "password",
    username: "alice@example.com",
    password: "correct horse battery",
    audience: "https://api.example.com",
    scope,
    client_id: client.client_id,
    client_secret: client.client_secret,
  });

describe("rules/ examples, through the real sandbox", () => {
  test("deny-by-email-domain: allowed domains from secrets, revoked flag from app_metadata", async () => {
    await deployRule(h, rule("deny-by-email-domain"));
    await h.admin("PUT", "/rules/password-exchange/secrets", { ALLOWED_DOMAINS: "example.org" });
    const denied = await exchange();
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({
      error: "access_denied",
      error_description: "Users from example.com may not use this API.",
    });
    await h.admin("PUT", "/rules/password-exchange/secrets", { ALLOWED_DOMAINS: "example.com, example.org" });
    expect((await exchange()).status).toBe(200);
    await h.admin("PATCH", `/users/${seed.alice.user_id}`, { app_metadata: { api_access_revoked: true } });
    const revoked = await exchange();
    expect(revoked.status).toBe(403);
    expect((await revoked.json()).error_description).toBe("API access has been revoked for this user.");
    await h.admin("PATCH", `/users/${seed.alice.user_id}`, { app_metadata: { api_access_revoked: null } });
  });

  test("add-roles-claim: roles from app_metadata in both tokens", async () => {
    await deployRule(h, rule("add-roles-claim"));
    const response = await exchange();
    expect(response.status).toBe(200);
    const claims = decodeJwt((await response.json()).access_token);
    expect(claims["https://rulegate.example/roles"]).toEqual(["admin"]);
    expect(claims.scope).toBe("read:things write:things");
    const tried = await tryRule(h, rule("add-roles-claim"), {
      user: { app_metadata: { roles: ["viewer"] } },
    });
    expect(tried.id_token_claims).toEqual({ "https://rulegate.example/roles": ["viewer"] });
  });

  test("narrow-scopes-by-client: client_metadata.allowed_scopes narrows, none left is invalid_scope", async () => {
    await deployRule(h, rule("narrow-scopes-by-client"));
    expect((await (await exchange()).json()).scope).toBe("read:things write:things");
    await h.admin("PATCH", `/clients/${seed.postClient.client_id}`, {
      client_metadata: { allowed_scopes: "read:things openid" },
    });
    expect((await (await exchange()).json()).scope).toBe("read:things");
    const none = await exchange(seed.postClient, "write:things");
    expect(none.status).toBe(400);
    expect((await none.json()).error).toBe("invalid_scope");
    expect(h.logLines.some((line) => line.includes("narrowed scope for post client: read:things"))).toBe(
      true,
    );
  });
});
