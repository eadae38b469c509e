/**
 * `/api/v2/rules` and `/api/v2/rules/{id}`: Auth0's Rules in Auth0's shapes (Management API
 * v2), beside the password-exchange and credentials-exchange rules' own routes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RuleScript } from "../../src/rules/contract.ts";
import { expectDocumented } from "../support/contract.ts";
import { createHarness, type Harness } from "../support/harness.ts";

let h: Harness;
/** What the routes asked the pool to warm, in order (the pool itself is not started for it). */
const prepared: RuleScript[] = [];
beforeAll(async () => {
  h = await createHarness();
  h.deps.rules.prepare = (rule) => void prepared.push(rule);
});
afterAll(() => h.close());

/** An admin call whose answer is checked against openapi.yaml. */
const admin = async (method: string, path: string, body?: unknown) => {
  const response = await h.admin(method, path, body);
  await expectDocumented(method, `/api/v2${path}`, response.clone());
  return response;
};
const json = async (response: Response | Promise<Response>) => (await response).json();
const rule = (body: string) =>
  `function (user, context, callback) {\n  ${body}\n  callback(null, user, context);\n}`;

describe("create and list", () => {
  const ids: Record<string, string> = {};

  test("POST: 201 with Auth0's shape; the order defaults to after the last; enabled to true", async () => {
    const first = await admin("POST", "/rules", {
      name: "add country",
      script: rule("user.country = 'fr';"),
    });
    expect(first.status).toBe(201);
    const created = await first.json();
    expect(created).toEqual({
      id: expect.stringMatching(/^rul_[A-Za-z0-9_-]{20}$/),
      name: "add country",
      script: rule("user.country = 'fr';"),
      order: 1,
      enabled: true,
      stage: "login_success",
    });
    ids.country = created.id;

    const tenth = await json(
      admin("POST", "/rules", { name: "audit", script: rule("// audit"), order: 10, enabled: false }),
    );
    expect(tenth).toMatchObject({ order: 10, enabled: false });
    ids.audit = tenth.id;
    const next = await json(
      admin("POST", "/rules", { name: "Tag roles-2", script: rule("// roles"), stage: "login_success" }),
    );
    expect(next.order).toBe(11);
    ids.roles = next.id;
    expect(await json(admin("GET", `/rules/${ids.roles}`))).toEqual(next);
  });

  test("GET: in order; enabled filters; page/per_page; include_totals; fields/include_fields", async () => {
    const all = await json(admin("GET", "/rules"));
    expect(all.map((row: { name: string }) => row.name)).toEqual(["add country", "audit", "Tag roles-2"]);
    const enabled = await json(admin("GET", "/rules?enabled=true"));
    expect(enabled.map((row: { name: string }) => row.name)).toEqual(["add country", "Tag roles-2"]);
    const disabled = await json(admin("GET", "/rules?enabled=false"));
    expect(disabled.map((row: { name: string }) => row.name)).toEqual(["audit"]);

    expect(
      await json(admin("GET", "/rules?page=1&per_page=1&include_totals=true&fields=name,order")),
    ).toEqual({
      rules: [{ name: "audit", order: 10 }],
      start: 1,
      limit: 1,
      length: 1,
      total: 3,
    });
    expect(await json(admin("GET", "/rules?enabled=true&include_totals=true&per_page=1"))).toMatchObject({
      length: 1,
      total: 2,
    });
    const withoutScript = await json(admin("GET", "/rules?fields=script&include_fields=false"));
    expect(withoutScript[0]).toEqual({
      id: ids.country,
      name: "add country",
      order: 1,
      enabled: true,
      stage: "login_success",
    });
    expect(await json(admin("GET", `/rules/${ids.audit}?fields=id,enabled`))).toEqual({
      id: ids.audit,
      enabled: false,
    });
  });

  test("409 rule_conflict for a name or an order another rule has", async () => {
    const sameName = await admin("POST", "/rules", { name: "audit", script: rule("") });
    expect(sameName.status).toBe(409);
    expect(await sameName.json()).toEqual({
      statusCode: 409,
      error: "Conflict",
      message: "A rule with the same name already exists",
      errorCode: "rule_conflict",
    });
    const sameOrder = await admin("POST", "/rules", { name: "other", script: rule(""), order: 10 });
    expect(sameOrder.status).toBe(409);
    expect((await sameOrder.json()).message).toBe("A rule with the same order already exists");
    const renamed = await admin("PATCH", `/rules/${ids.audit}`, { name: "add country" });
    expect(renamed.status).toBe(409);
    const reordered = await admin("PATCH", `/rules/${ids.audit}`, { order: 1 });
    expect((await reordered.json()).message).toBe("A rule with the same order already exists");
    // A rule's own name and order are not a conflict (an export sends them back as they are).
    const same = await admin("PATCH", `/rules/${ids.audit}`, { name: "audit", order: 10 });
    expect(same.status).toBe(200);
    expect((await json(admin("GET", "/rules"))).length).toBe(3);
  });

  test("PATCH: rename, reorder, disable, new script; the others are untouched", async () => {
    const patched = await admin("PATCH", `/rules/${ids.country}`, {
      name: "add country v2",
      order: 20,
      enabled: false,
      script: rule("user.country = 'de';"),
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toEqual({
      id: ids.country,
      name: "add country v2",
      script: rule("user.country = 'de';"),
      order: 20,
      enabled: false,
      stage: "login_success",
    });
    expect((await json(admin("GET", "/rules"))).map((row: { name: string }) => row.name)).toEqual([
      "audit",
      "Tag roles-2",
      "add country v2",
    ]);
    const enabled = await json(admin("PATCH", `/rules/${ids.country}`, { enabled: true }));
    expect(enabled).toMatchObject({ name: "add country v2", order: 20, enabled: true });
  });

  test("DELETE: 204, then 404 for it", async () => {
    expect((await admin("DELETE", `/rules/${ids.audit}`)).status).toBe(204);
    const gone = await admin("GET", `/rules/${ids.audit}`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({
      statusCode: 404,
      error: "Not Found",
      message: "The rule does not exist.",
      errorCode: "inexistent_entity",
    });
    expect((await admin("DELETE", `/rules/${ids.audit}`)).status).toBe(404);
    expect((await admin("PATCH", `/rules/${ids.audit}`, { enabled: true })).status).toBe(404);
    // Its order is free again.
    const reused = await admin("POST", "/rules", { name: "audit", script: rule("// audit"), order: 10 });
    expect(reused.status).toBe(201);
    ids.audit = (await reused.json()).id;
  });

  test("order null is no order: after the last on create, unchanged on update; rules created at once get distinct orders", async () => {
    const appended = await json(
      admin("POST", "/rules", { name: "null order", script: rule("// null"), order: null }),
    );
    const last = Math.max(...(await json(admin("GET", "/rules"))).map((row: { order: number }) => row.order));
    expect(appended.order).toBe(last);
    const kept = await json(admin("PATCH", `/rules/${appended.id}`, { order: null, enabled: false }));
    expect(kept).toMatchObject({ order: appended.order, enabled: false });

    const names = ["at once a", "at once b", "at once c", "at once d"];
    const created = await Promise.all(
      names.map((name) => admin("POST", "/rules", { name, script: rule(""), enabled: false })),
    );
    expect(created.map((response) => response.status)).toEqual([201, 201, 201, 201]);
    const orders = await Promise.all(created.map(async (response) => (await response.json()).order));
    expect(new Set(orders).size).toBe(4);
    expect(Math.min(...orders)).toBe(appended.order + 1);
    for (const response of await Promise.all(
      (await json(admin("GET", "/rules?enabled=false")))
        .filter((row: { name: string }) => row.name.startsWith("at once") || row.name === "null order")
        .map((row: { id: string }) => admin("DELETE", `/rules/${row.id}`)),
    ))
      expect(response.status).toBe(204);
  });

  test("every write warms the pipeline of the enabled rules in order, as a new version", async () => {
    prepared.length = 0;
    await admin("PATCH", `/rules/${ids.roles}`, { order: 5 });
    await admin("PATCH", `/rules/${ids.audit}`, { enabled: false });
    await admin("DELETE", `/rules/${ids.roles}`);
    expect(prepared.map((script) => script.ruleId)).toEqual(["rules", "rules", "rules"]);
    expect(new Set(prepared.map((script) => script.version)).size).toBe(3);
    const [reordered, , deleted] = prepared;
    // Roles (5) runs before audit (10) and the country rule (20); a disabled rule is left out.
    expect(reordered!.script.indexOf("// roles")).toBeLessThan(reordered!.script.indexOf("// audit"));
    expect(reordered!.script.indexOf("// audit")).toBeLessThan(reordered!.script.indexOf("'de'"));
    expect(deleted!.script).not.toContain("// roles");
    expect(deleted!.script).not.toContain("// audit");
    expect(deleted!.script).toContain("'de'");

    // With no rule enabled there is no pipeline to warm.
    prepared.length = 0;
    await admin("PATCH", `/rules/${ids.country}`, { enabled: false });
    expect(prepared).toEqual([]);
    await admin("PATCH", `/rules/${ids.country}`, { enabled: true });
    expect(prepared).toHaveLength(1);
  });
});

describe("bad input: Auth0's 400, 413 and 404", () => {
  const refused = async (method: string, path: string, body: unknown) => {
    const response = await admin(method, path, body);
    expect(response.status).toBe(400);
    const answer = await response.json();
    expect(answer).toMatchObject({ statusCode: 400, error: "Bad Request" });
    return answer.message as string;
  };

  test("a script that does not parse: the line and column in the rule's own source", async () => {
    const message = await refused("POST", "/rules", {
      name: "broken",
      script: "function (user, context, callback) {\n  var x = ;\n}",
    });
    expect(message).toBe("The rule does not compile: SyntaxError: Unexpected token (line 2, column 11)");
    expect((await json(admin("GET", "/rules"))).map((row: { name: string }) => row.name)).not.toContain(
      "broken",
    );
    const [first] = await json(admin("GET", "/rules"));
    const patched = await refused("PATCH", `/rules/${first.id}`, { script: "function (u, c, cb) {\n\n  }}" });
    expect(patched).toMatch(/line 3, column 4\)$/);
    expect((await json(admin("GET", `/rules/${first.id}`))).script).toBe(first.script);
  });

  test("a script that is not one function, or requires a module", async () => {
    for (const script of ["callback(null, user, context)", "function (u, c, cb) { cb(null, u, c); }, 1"])
      expect(await refused("POST", "/rules", { name: "two", script })).toContain("A rule is one function");
    expect(
      await refused("POST", "/rules", {
        name: "requires",
        script: "function (u, c, cb) { const name = 'fs'; const fs = require(name); cb(null, u, c); }",
      }),
    ).toContain("require() takes one string literal");
    expect(
      await refused("POST", "/rules", {
        name: "requires",
        script: "function (u, c, cb) { const pad = require('left-pad'); cb(null, u, c); }",
      }),
    ).toContain("Cannot find module 'left-pad'");
  });

  test("a script over 256 KiB is a 413", async () => {
    const big = rule(`// ${"x".repeat(300 * 1024)}`);
    const tooBig = await admin("POST", "/rules", { name: "big", script: big });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toEqual({
      statusCode: 413,
      error: "Payload Too Large",
      message: "The rule script is larger than 262144 bytes.",
      errorCode: "payload_too_large",
    });
    const [first] = await json(admin("GET", "/rules"));
    expect((await admin("PATCH", `/rules/${first.id}`, { script: big })).status).toBe(413);
  });

  test("the body: name and script required, Auth0's name pattern, unknown properties, bad types", async () => {
    expect(await refused("POST", "/rules", { script: rule("") })).toContain("name");
    expect(await refused("POST", "/rules", { name: "no-script" })).toContain("script");
    expect(await refused("POST", "/rules", { name: "empty", script: "" })).toContain("script");
    for (const name of ["-dash first", "dash last-", " space", "under_score", "dot.name", ""])
      expect(await refused("POST", "/rules", { name, script: rule("") })).toContain("name");
    expect(await refused("POST", "/rules", { name: "ok", script: rule(""), order: -1 })).toContain("order");
    expect(await refused("POST", "/rules", { name: "ok", script: rule(""), order: 1.5 })).toContain("order");
    expect(await refused("POST", "/rules", { name: "ok", script: rule(""), enabled: "yes" })).toContain(
      "enabled",
    );
    expect(
      await refused("POST", "/rules", { name: "ok", script: rule(""), stage: "login_failure" }),
    ).toContain("stage");
    expect(await refused("POST", "/rules", { name: "ok", script: rule(""), id: "rul_mine" })).toContain("id");
    const [first] = await json(admin("GET", "/rules"));
    expect(await refused("PATCH", `/rules/${first.id}`, { stage: "login_success" })).toContain("stage");
    await refused("PATCH", `/rules/${first.id}`, {});
    expect(await refused("GET", "/rules?per_page=101", undefined)).toContain("per_page");
    expect(await refused("GET", "/rules?enabled=maybe", undefined)).toContain("enabled");
  });

  test("an unknown id is a 404", async () => {
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { enabled: true }],
      ["DELETE", undefined],
    ] as const) {
      const response = await admin(method, "/rules/rul_doesnotexist", body);
      expect(response.status).toBe(404);
      expect((await response.json()).errorCode).toBe("inexistent_entity");
    }
  });
});

describe("the password-exchange and credentials-exchange rules keep their routes", () => {
  const exchange = "module.exports = async function (user, client, scope) { return { scope }; };";
  const credentials = "module.exports = async function (client, scope) { return { scope }; };";

  test("GET/PUT/DELETE /rules/password-exchange and /rules/credentials-exchange reach those rules", async () => {
    for (const [id, script] of [
      ["password-exchange", exchange],
      ["credentials-exchange", credentials],
    ] as const) {
      const put = await admin("PUT", `/rules/${id}`, { script });
      expect(put.status).toBe(200);
      const deployed = await put.json();
      expect(deployed).toEqual({ id, script, enabled: true, updated_at: expect.any(String) });
      expect(await json(admin("GET", `/rules/${id}`))).toEqual(deployed);
      expect(await json(admin("PUT", `/rules/${id}/secrets`, { TOKEN: "hook-secret" }))).toEqual({
        names: ["TOKEN"],
      });
    }
    // Neither is an Auth0 rule: the list and the rules configs do not show them.
    const listed = await json(admin("GET", "/rules"));
    expect(listed.map((row: { id: string }) => row.id).every((id: string) => id.startsWith("rul_"))).toBe(
      true,
    );
    expect(await json(admin("GET", "/rules-configs"))).not.toContainEqual({ key: "TOKEN" });
    expect((await admin("DELETE", "/rules/password-exchange")).status).toBe(204);
    expect((await admin("GET", "/rules/password-exchange")).status).toBe(404);
    expect((await json(admin("GET", "/rules/credentials-exchange"))).id).toBe("credentials-exchange");
  });

  test("an Auth0 rule's writes never reach them, nor theirs an Auth0 rule", async () => {
    // PATCH is an Auth0 rule's method only: `password-exchange` is no Auth0 rule's id.
    const patched = await h.admin("PATCH", "/rules/credentials-exchange", { enabled: false });
    expect(patched.status).toBe(404);
    expect((await json(admin("GET", "/rules/credentials-exchange"))).enabled).toBe(true);
    const [first] = await json(admin("GET", "/rules"));
    const put = await h.admin("PUT", `/rules/${first.id}`, { script: exchange });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("DELETE, GET, HEAD, PATCH");
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
  const call = (token: string, method: string, path: string, body?: unknown) =>
    h.request(`/api/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    m2m = await json(admin("POST", "/clients", { name: "deployer", grant_types: ["client_credentials"] }));
    const granted = await admin("POST", "/client-grants", {
      client_id: m2m.client_id,
      audience: AUDIENCE,
      scope: ["read:rules", "create:rules", "update:rules", "delete:rules"],
    });
    expect(granted.status).toBe(201);
  });

  test("read:rules reads; create:, update:, delete:rules each allow their own method only", async () => {
    const reader = await tokenWith("read:rules");
    expect((await call(reader, "GET", "/rules")).status).toBe(200);
    const denied = await call(reader, "POST", "/rules", { name: "scoped", script: rule("") });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({
      statusCode: 403,
      error: "Forbidden",
      message: "Insufficient scope, expected any of: create:rules",
      errorCode: "insufficient_scope",
    });

    const creator = await tokenWith("create:rules");
    const created = await call(creator, "POST", "/rules", { name: "scoped", script: rule("") });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    expect((await call(creator, "GET", `/rules/${id}`)).status).toBe(403);
    expect((await call(creator, "PATCH", `/rules/${id}`, { enabled: false })).status).toBe(403);

    const updater = await tokenWith("update:rules");
    expect((await call(updater, "PATCH", `/rules/${id}`, { enabled: false })).status).toBe(200);
    expect((await call(updater, "DELETE", `/rules/${id}`)).status).toBe(403);
    expect((await call(reader, "GET", `/rules/${id}`)).status).toBe(200);

    const deleter = await tokenWith("delete:rules");
    expect((await call(deleter, "DELETE", `/rules/${id}`)).status).toBe(204);
  });
});
