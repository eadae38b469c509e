/**
 * The plan of `rulegate import rules`, played as the API would carry it out on any server
 * state and any export: no step asks for an order another rule holds, the imported rules end
 * on the export's orders with its scripts and states, no other rule is lost, and planning the
 * same export again changes nothing.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import type { Auth0Rule } from "../../src/cli/auth0-rules.ts";
import { planRulesImport } from "../../src/cli/plan-rules-import.ts";

const NAMES = ["a", "b", "c", "d", "e", "f", "g"];
const SCRIPTS = ["function (u, c, cb) { cb(null, u, c); }", "function (u, c, cb) { cb(null, u, c) }"];

/** Carries out a plan on a copy of the server's rules, refusing what the API would refuse with a 409. */
function apply(rules: Auth0Rule[], plan: ReturnType<typeof planRulesImport>): Auth0Rule[] {
  const byId = new Map(rules.map((rule) => [rule.id, { ...rule }]));
  const take = (id: string, order: number) => {
    for (const other of byId.values()) {
      if (other.id !== id && other.order === order) throw new Error(`409: ${order} is held by ${other.name}`);
    }
  };
  for (const update of plan.update) {
    const rule = byId.get(update.rule.id)!;
    if (update.script !== undefined) rule.script = update.script;
    if (update.enabled !== undefined) rule.enabled = update.enabled;
  }
  for (const patch of plan.orders) {
    take(patch.id, patch.order);
    byId.get(patch.id)!.order = patch.order;
  }
  for (const [index, rule] of plan.create.entries()) {
    take("", rule.order);
    byId.set(`new${index}`, {
      id: `new${index}`,
      name: rule.name,
      script: rule.script,
      order: rule.order,
      enabled: rule.enabled,
      stage: "login_success",
    });
  }
  return [...byId.values()].sort((a, b) => a.order - b.order);
}

const serverRules = fc
  .uniqueArray(fc.record({ name: fc.constantFrom(...NAMES), order: fc.nat({ max: 12 }) }), {
    selector: (rule) => rule.name,
    maxLength: 6,
  })
  .map((rules) => {
    const orders = new Set<number>();
    return rules
      .filter((rule) => !orders.has(rule.order) && orders.add(rule.order))
      .map(
        (rule, index): Auth0Rule => ({
          id: `rul_${index}`,
          name: rule.name,
          script: SCRIPTS[index % 2]!,
          order: rule.order,
          enabled: index % 3 !== 0,
          stage: "login_success",
        }),
      );
  });

const exportRules = fc
  .uniqueArray(
    fc.record({
      name: fc.constantFrom(...NAMES),
      order: fc.option(fc.nat({ max: 12 }), { nil: undefined }),
      script: fc.constantFrom(...SCRIPTS),
      enabled: fc.boolean(),
    }),
    { selector: (rule) => rule.name, maxLength: 6 },
  )
  .map((rules) => {
    const orders = new Set<number>();
    return rules.filter(
      (rule) => rule.order === undefined || (!orders.has(rule.order) && orders.add(rule.order)),
    );
  });

test("any export into any server: no conflict on the way, the export's orders, nothing lost, and a second import changes nothing", () => {
  fc.assert(
    fc.property(serverRules, exportRules, (existing, exported) => {
      const entries = exported.map((entry, index) => ({ entry, source: `entry ${index + 1}` }));
      const plan = planRulesImport(entries, existing);
      expect(plan.problems).toEqual([]);
      const after = apply(existing, plan);

      const byName = new Map(after.map((rule) => [rule.name, rule]));
      for (const rule of exported) {
        const stored = byName.get(rule.name)!;
        expect({ script: stored.script, enabled: stored.enabled }).toEqual({
          script: rule.script,
          enabled: rule.enabled,
        });
        if (rule.order !== undefined) expect(stored.order).toBe(rule.order);
      }
      expect(new Set(after.map((rule) => rule.name))).toEqual(
        new Set([...existing.map((rule) => rule.name), ...exported.map((rule) => rule.name)]),
      );
      // A rule the export does not name moves only when an imported rule takes its order.
      const exportedOrders = new Set(exported.map((rule) => rule.order));
      for (const rule of existing) {
        if (exported.some((entry) => entry.name === rule.name)) continue;
        const moved = byName.get(rule.name)!.order !== rule.order;
        expect(moved).toBe(exportedOrders.has(rule.order));
      }

      const again = planRulesImport(entries, after);
      expect([again.create, again.update, again.moved, again.orders]).toEqual([[], [], [], []]);
      expect(again.unchanged).toHaveLength(exported.length);
    }),
  );
});

test("the export's problems, each named, and nothing planned", () => {
  const plan = planRulesImport(
    [
      { entry: "a string", source: "entry 1" },
      { entry: { name: "x", script: SCRIPTS[0], order: -1 }, source: "entry 2" },
      { entry: { name: "y", script: SCRIPTS[0], enabled: "yes" }, source: "entry 3" },
      { entry: { name: "z", script: SCRIPTS[0], order: 1.5 }, source: "entry 4" },
      { entry: { name: "w", script: SCRIPTS[0] }, source: "entry 5" },
      { entry: { name: "w", script: SCRIPTS[1] }, source: "entry 6" },
      { entry: { script: SCRIPTS[0] }, source: "entry 7" },
    ],
    [],
  );
  expect(plan.problems).toEqual([
    "entry 1 is not a rule (a JSON object)",
    "entry 2 (x): order must be a whole number from 0",
    "entry 3 (y): enabled must be true or false",
    "entry 4 (z): order must be a whole number from 0",
    "entry 7 has no name",
    'entry 5 and entry 6 both have the name "w"',
  ]);
  expect([plan.create, plan.update, plan.orders]).toEqual([[], [], []]);
});
