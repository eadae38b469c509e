/**
 * Rules that call services, on both runtimes (README, "Calling your services from a rule"):
 * with a modules folder npm installed and one allowed host:port, a deployed rule requires a
 * built-in and a package and fetches the allowed service during a real exchange; a host
 * outside the list is refused with an error the rule catches, and a module the folder does
 * not have is refused at deploy.
 */
import { decodeJwt } from "jose";
import { aliceExchange, createHarness, type Harness, seedTenant } from "../support/harness.ts";
import { openedRuleAccess } from "../support/rule-modules.ts";
import { deployRule } from "../support/rules.ts";
import { afterAll, beforeAll, describe, expect, test } from "../support/test-api.ts";

describe("e2e: rules that call services", () => {
  let h: Harness;
  let seed: Awaited<ReturnType<typeof seedTenant>>;
  let access: Awaited<ReturnType<typeof openedRuleAccess>>;
  let port: number;

  beforeAll(async () => {
    access = await openedRuleAccess();
    port = access.port;
    h = await createHarness({ ...access.env, RULE_WORKERS: "1" });
    seed = await seedTenant(h);
  });
  afterAll(async () => {
    await h.close();
    await access.close();
  });

  test("a rule requires crypto and lodash, fetches the allowed service, and is refused elsewhere", async () => {
    await deployRule(
      h,
      `const _ = require('lodash@4.17.21');
const crypto = require('node:crypto');
module.exports = async function (user, client, scope) {
  const service = await (await fetch('http://127.0.0.1:${port}/plan?user=' + encodeURIComponent(user.id))).json();
  const elsewhere = await fetch('http://127.0.0.1:1/').then(() => 'reached', (error) => error.message);
  return {
    scope,
    'https://x/plan': service.plan,
    'https://x/tags': _.uniq(['a', 'a', 'b']),
    'https://x/digest': crypto.createHash('sha256').update('abc').digest('hex').slice(0, 12),
    'https://x/elsewhere': elsewhere,
  };
};`,
    );
    const response = await aliceExchange(h, seed);
    expect(response.status).toBe(200);
    const claims = decodeJwt((await response.json()).access_token);
    expect(claims).toMatchObject({
      "https://x/plan": "gold",
      "https://x/tags": ["a", "b"],
      "https://x/digest": "ba7816bf8f01",
      "https://x/elsewhere": "fetch to 127.0.0.1:1 is refused: it is not in the rule's allowed hosts.",
    });
  });

  test("a module the folder does not have is refused at deploy, naming it", async () => {
    const response = await h.admin("PUT", "/rules/password-exchange", {
      script:
        "const pad = require('left-pad'); module.exports = function (u, c, scope, a, x, cb) { cb(null, { scope }); };",
    });
    expect(response.status).toBe(400);
    expect((await response.json()).message).toContain("Cannot find module 'left-pad' in RULE_MODULES_DIR.");
  });
});
