/**
 * The order a rule waits at while two rules swap (src/console/web/auth0-rules.ts): orders
 * are unique on the server (Auth0's 409 `rule_conflict`), so it must be one no rule has.
 */
import { describe, expect, test } from "bun:test";
import { type Auth0Rule, freeOrder } from "../../src/console/web/auth0-rules.ts";

const rule = (order: number): Auth0Rule => ({
  id: `rul_${order}`,
  name: `rule ${order}`,
  script: "function (user, context, callback) { callback(null, user, context); }",
  order,
  enabled: true,
  stage: "login_success",
});

describe("freeOrder", () => {
  test("is one past the last rule's order, or 0 with no rule", () => {
    expect(freeOrder([])).toBe(0);
    expect(freeOrder([rule(3), rule(1), rule(7)])).toBe(8);
  });

  test("is the first gap when the last order is the largest the server accepts", () => {
    expect(freeOrder([rule(0), rule(1), rule(3), rule(2_147_483_647)])).toBe(2);
  });
});
