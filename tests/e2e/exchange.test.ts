/**
 * The password exchange end to end, on Bun (`bun test`) and Deno (`deno task test`):
 * the seed's sample rule, a token verified against the JWKS, and every error row.
 */
import { readFileSync } from "node:fs";
import { createLocalJWKSet, jwtVerify } from "jose";
import { createHarness, type Harness, seedTenant } from "../support/harness.ts";
import { deployRule } from "../support/rules.ts";
import { afterAll, beforeAll, describe, expect, test } from "../support/test-api.ts";

describe("e2e: the password exchange", () => {
  let h: Harness;
  let seed: Awaited<ReturnType<typeof seedTenant>>;
  beforeAll(async () => {
    h = await createHarness({ RULE_TIMEOUT_MS: "1000" });
    seed = await seedTenant(h);
  });
  afterAll(() => h.close());

  const base = () => ({
    grant_type: "password",
    username: "alice@example.com",
    password: "correct horse battery",
    audience: "https://api.example.com",
    scope: "read:things",
    client_id: seed.postClient.client_id,
    client_secret: seed.postClient.client_secret,
  });
  const answer = async (response: Response) => ({ status: response.status, body: await response.json() });

  test("the seed's sample rule shapes a token that verifies against the JWKS", async () => {
    await deployRule(h, readFileSync("rules/password-exchange.js", "utf8"));
    const response = await h.token(base());
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const tokens = await response.json();
    expect(tokens.scope).toBe("read:things extra");
    const jwks = await (await h.request("/.well-known/jwks.json")).json();
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, createLocalJWKSet(jwks), {
      issuer: "http://localhost/",
      audience: "https://api.example.com",
      typ: "at+jwt",
    });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload["https://foo.com/claim"]).toBe("bar");
    expect(payload.sub).toBe(seed.alice.user_id);
    expect(payload.client_id).toBe(seed.postClient.client_id);
  });

  test("form bodies and HTTP Basic work too", async () => {
    const basic = `Basic ${btoa(`${seed.basicClient.client_id}:${seed.basicClient.client_secret}`)}`;
    const { client_id: _id, client_secret: _secret, ...rest } = base();
    const response = await h.token(rest, { form: true, headers: { authorization: basic } });
    expect(response.status).toBe(200);
  });

  test("every error row", async () => {
    const rows: Array<[Record<string, string>, number, string]> = [
      [{ grant_type: "magic" }, 400, "unsupported_grant_type"],
      [{ username: "" }, 400, "invalid_request"],
      [{ client_secret: "wrong" }, 401, "invalid_client"],
      [
        { client_id: seed.refreshOnlyClient.client_id, client_secret: seed.refreshOnlyClient.client_secret },
        400,
        "unauthorized_client",
      ],
      [{ password: "wrong" }, 400, "invalid_grant"],
      [{ username: "ghost@example.com" }, 400, "invalid_grant"],
      [{ username: "bob@example.com", password: "bob's password" }, 400, "invalid_grant"],
      [{ audience: "urn:nope" }, 403, "access_denied"],
      [{ padding: "x".repeat(70_000) }, 413, "invalid_request"],
    ];
    for (const [override, status, error] of rows) {
      const { status: got, body } = await answer(await h.token({ ...base(), ...override }));
      expect([got, body.error]).toEqual([status, error]);
      expect(Object.keys(body).sort()).toEqual(["error", "error_description"]);
    }
    const malformed = await h.request("/oauth/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    expect(malformed.status).toBe(400);
  });

  test("the rule's denials and errors", async () => {
    const cases: Array<[string, number, string]> = [
      ["cb(new Error('nope'))", 403, "access_denied"],
      ["cb(new InvalidScopeError('no'))", 400, "invalid_scope"],
      ["cb(new ServerError('down'))", 500, "server_error"],
      ["cb(null, 42)", 500, "server_error"],
    ];
    for (const [body, status, error] of cases) {
      await deployRule(
        h,
        `module.exports = function (user, client, scope, audience, context, cb) { ${body}; };`,
      );
      const { status: got, body: answerBody } = await answer(await h.token(base()));
      expect([got, answerBody.error]).toEqual([status, error]);
    }
    await h.admin("DELETE", "/rules/password-exchange");
  });
});
