/**
 * `/api/v2/rules-configs`: the values Auth0 rules read as `configuration`, in Auth0's shapes
 * (Management API v2). Values are write-only: no answer, error or log line carries one.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readRuleSecrets } from "../../src/db/rule.ts";
import type { RuleScript } from "../../src/rules/contract.ts";
import { expectDocumented } from "../support/contract.ts";
import { createHarness, type Harness, testClock } from "../support/harness.ts";

let h: Harness;
const clock = testClock();
const prepared: RuleScript[] = [];
/** Every answer's body, to check that no value ever appears in one. */
const answers: string[] = [];
const call = async (method: string, path: string, body?: unknown) => {
  const response = await h.admin(method, path, body);
  await expectDocumented(method, `/api/v2${path}`, response.clone());
  const text = await response.text();
  answers.push(text);
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
};
const VALUES = [
  "s3cr3t-api-key-value",
  "second-value-9f8e",
  "replaced-value-77aa",
  "12345678",
  "x".repeat(4097),
] as const;

beforeAll(async () => {
  h = await createHarness({}, { clock });
  h.deps.rules.prepare = (rule) => void prepared.push(rule);
});
afterAll(() => h.close());

describe("/api/v2/rules-configs", () => {
  test("PUT sets (200, the key only), GET lists keys only, DELETE removes (204)", async () => {
    expect(await call("GET", "/rules-configs")).toEqual({ status: 200, body: [] });
    expect(await call("PUT", "/rules-configs/API_KEY", { value: VALUES[0] })).toEqual({
      status: 200,
      body: { key: "API_KEY" },
    });
    expect(await call("PUT", "/rules-configs/slack:hook-url@v2*+", { value: VALUES[1] })).toEqual({
      status: 200,
      body: { key: "slack:hook-url@v2*+" },
    });
    expect((await call("GET", "/rules-configs")).body).toEqual([
      { key: "API_KEY" },
      { key: "slack:hook-url@v2*+" },
    ]);
    // PUT again replaces the value.
    expect((await call("PUT", "/rules-configs/API_KEY", { value: VALUES[2] })).status).toBe(200);
    expect(await readRuleSecrets(h.deps.db, "rules")).toEqual({
      API_KEY: VALUES[2],
      "slack:hook-url@v2*+": VALUES[1],
    });
    expect(await call("DELETE", "/rules-configs/slack:hook-url@v2*+")).toEqual({
      status: 204,
      body: undefined,
    });
    expect((await call("GET", "/rules-configs")).body).toEqual([{ key: "API_KEY" }]);
    // Deleting a key that is not set is Auth0's 204 too.
    expect((await call("DELETE", "/rules-configs/NEVER_SET")).status).toBe(204);
    expect(await readRuleSecrets(h.deps.db, "rules")).toEqual({ API_KEY: VALUES[2] });
  });

  test("Auth0's key pattern and length; a value is a string of at most 4096 characters; nothing else in the body", async () => {
    const refused = async (path: string, body: unknown, property: string) => {
      const answer = await call("PUT", path, body);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ statusCode: 400, error: "Bad Request", errorCode: "invalid_body" });
      expect(answer.body.message).toContain(property);
    };
    await refused("/rules-configs/has%20space", { value: "v" }, "key");
    await refused("/rules-configs/slash%2Fkey", { value: "v" }, "key");
    await refused(`/rules-configs/${"k".repeat(128)}`, { value: "v" }, "key");
    expect((await call("PUT", `/rules-configs/${"k".repeat(127)}`, { value: "v" })).status).toBe(200);
    await refused("/rules-configs/LONG", { value: VALUES[4] }, "value");
    await refused("/rules-configs/NUMBER", { value: Number(VALUES[3]) }, "value");
    await refused("/rules-configs/OBJECT", { value: { nested: VALUES[0] } }, "value");
    await refused("/rules-configs/EXTRA", { value: "v", secret: VALUES[1] }, "secret");
    await refused("/rules-configs/MISSING", {}, "value");
    const keys = (await call("GET", "/rules-configs")).body.map((row: { key: string }) => row.key);
    expect(keys).not.toContain("LONG");
    expect(keys).not.toContain("NUMBER");
  });

  test("a value never appears in an answer, an error or a log line", () => {
    for (const value of VALUES) {
      for (const answer of answers) expect(answer).not.toContain(value);
      expect(h.logLines.join("\n")).not.toContain(value);
    }
    // The log does record what changed, by key.
    expect(h.logLines.join("\n")).toContain('"key":"API_KEY"');
  });

  test("a change warms the pipeline as a new version when rules are enabled; an absent key's delete changes nothing", async () => {
    expect(
      (
        await call("POST", "/rules", {
          name: "reads configuration",
          script: "function (user, context, callback) { callback(null, user, context); }",
        })
      ).status,
    ).toBe(201);
    prepared.length = 0;
    clock.advance(1);
    await call("PUT", "/rules-configs/API_KEY", { value: VALUES[0] });
    clock.advance(1);
    await call("DELETE", "/rules-configs/API_KEY");
    clock.advance(1);
    await call("DELETE", "/rules-configs/API_KEY");
    expect(prepared.map((script) => script.ruleId)).toEqual(["rules", "rules"]);
    // The same rules with another value are a new version (changed at another time).
    expect(prepared[0]!.script).toBe(prepared[1]!.script);
    expect(prepared[0]!.version).not.toBe(prepared[1]!.version);
    // The version's module is the rules' code; a value reaches a host with each call only.
    for (const script of prepared) expect(script.script).not.toContain(VALUES[0]);
  });
});

describe("scopes", () => {
  const AUDIENCE = "http://localhost/api/v2/";
  let m2m: { client_id: string; client_secret: string };
  const tokenWith = async (scope: string) => {
    const response = await h.token({
      grant_type: "client_credentials",
      client_id: m2m.client_id,
      client_secret: m2m.client_secret,
      audience: AUDIENCE,
      scope,
    });
    expect(response.status).toBe(200);
    return (await response.json()).access_token as string;
  };
  const status = async (token: string, method: string, path: string, body?: unknown) =>
    (
      await h.request(`/api/v2${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    ).status;

  beforeAll(async () => {
    m2m = (await call("POST", "/clients", { name: "configs", grant_types: ["client_credentials"] })).body;
    const granted = await call("POST", "/client-grants", {
      client_id: m2m.client_id,
      audience: AUDIENCE,
      scope: ["read:rules_configs", "update:rules_configs", "delete:rules_configs", "read:rules"],
    });
    expect(granted.status).toBe(201);
  });

  test("read:, update:, delete:rules_configs each allow their own method only", async () => {
    const reader = await tokenWith("read:rules_configs");
    const updater = await tokenWith("update:rules_configs");
    const deleter = await tokenWith("delete:rules_configs");
    const rulesReader = await tokenWith("read:rules");
    expect(await status(reader, "GET", "/rules-configs")).toBe(200);
    expect(await status(rulesReader, "GET", "/rules-configs")).toBe(403);
    expect(await status(reader, "PUT", "/rules-configs/SCOPED", { value: "v" })).toBe(403);
    expect(await status(updater, "PUT", "/rules-configs/SCOPED", { value: "v" })).toBe(200);
    expect(await status(updater, "DELETE", "/rules-configs/SCOPED")).toBe(403);
    expect(await status(deleter, "DELETE", "/rules-configs/SCOPED")).toBe(204);
    expect(await status(deleter, "GET", "/rules-configs")).toBe(403);
  });
});
