/**
 * The order PATCHes of `rules reorder` and `import rules`: applied one by one, none asks for an
 * order another rule holds at that moment (the API's 409), and every rule ends where it should.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { freeOrders, MAX_RULE_ORDER, type OrderedRule, orderPatches } from "../../src/cli/rule-orders.ts";

/** Plays the PATCHes on a copy of the rules as the API would, failing on a taken order. */
function play(
  rules: readonly OrderedRule[],
  patches: ReturnType<typeof orderPatches>,
  reserved: number[] = [],
) {
  const orders = new Map(rules.map((rule) => [rule.id, rule.order]));
  for (const patch of patches) {
    for (const [id, order] of orders) {
      if (id !== patch.id && order === patch.order) throw new Error(`409: ${patch.order} is held by ${id}`);
    }
    orders.set(patch.id, patch.order);
  }
  for (const order of reserved) expect([...orders.values()]).not.toContain(order);
  return orders;
}

const rule = (id: string, order: number): OrderedRule => ({ id, name: id, order });

describe("orderPatches", () => {
  test("a swap parks one rule on a free order first", () => {
    const rules = [rule("a", 1), rule("b", 2), rule("c", 5)];
    const patches = orderPatches(
      rules,
      new Map([
        ["a", 5],
        ["c", 1],
      ]),
    );
    expect(patches).toEqual([
      { id: "a", name: "a", order: 6, parked: true },
      { id: "c", name: "c", order: 7, parked: true },
      { id: "c", name: "c", order: 1, parked: false },
      { id: "a", name: "a", order: 5, parked: false },
    ]);
    expect(Object.fromEntries(play(rules, patches))).toEqual({ a: 5, b: 2, c: 1 });
  });

  test("a move to a free order needs no parking; a rule at its own order does not move", () => {
    const rules = [rule("a", 1), rule("b", 2)];
    expect(
      orderPatches(
        rules,
        new Map([
          ["a", 3],
          ["b", 2],
        ]),
      ),
    ).toEqual([{ id: "a", name: "a", order: 3, parked: false }]);
  });

  test("an order held by a rule that stays, or wanted twice, is refused before any PATCH", () => {
    const rules = [rule("a", 1), rule("b", 2)];
    expect(() => orderPatches(rules, new Map([["a", 2]]))).toThrow(
      'the order 2 is held by "b", which does not move',
    );
    expect(() => orderPatches(rules, new Map([["a", 3]]), [3])).toThrow(
      "two rules cannot take the same order",
    );
  });

  test("orders near the API's limit: the parking takes the lowest gaps", () => {
    expect(freeOrders([0, 2, MAX_RULE_ORDER], 2)).toEqual([1, 3]);
    expect(freeOrders([4, 7], 2)).toEqual([8, 9]);
    expect(freeOrders([], 1)).toEqual([0]);
  });

  test("any reassignment, played in order, never collides and ends where asked", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat({ max: 30 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.array(fc.nat(), { minLength: 41, maxLength: 41 }),
        fc.nat({ max: 5 }),
        (current, moves, shuffle, created) => {
          const rules = current.map((order, index) => rule(`r${index}`, order));
          const moving = rules.filter((_, index) => moves[index]);
          // The orders asked for: any but those of the rules that stay (the planners never ask for one), shuffled.
          const staying = new Set(rules.filter((r) => !moving.includes(r)).map((r) => r.order));
          const pool = Array.from({ length: 41 }, (_, order) => order)
            .filter((order) => !staying.has(order))
            .sort((a, b) => shuffle[a]! - shuffle[b]!);
          const finals = new Map(moving.map((r, index) => [r.id, pool[index]!]));
          const reserved = pool.slice(moving.length, moving.length + created);
          const ended = play(rules, orderPatches(rules, finals, reserved), reserved);
          for (const r of rules) expect(ended.get(r.id)).toBe(finals.get(r.id) ?? r.order);
        },
      ),
    );
  });
});
